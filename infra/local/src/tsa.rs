//! The local time-stamping authority over HTTP (RFC 3161 §3.4): `POST /tsa` with a DER
//! `application/timestamp-query` answers a DER `application/timestamp-reply`: a token, or
//! a rejection for a request that does not parse or does not ask for a SHA-256 imprint.
//! Any RFC 3161 client can use it (e.g. `openssl ts -query … | curl --data-binary @-`),
//! and the cloud's TSA client is tested against it.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRequest, Request, State};
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::post;
use axum::Router;

use shared::adapters::local_tsa::LocalTsa;
use shared::services::errors::ServiceError;
use shared::web::{bounded_bytes, content_type_is, ApiError};

/// A TimeStampReq is about a hundred bytes; nothing larger is read.
const QUERY_LIMIT: usize = 4096;

/// The DER body of a time-stamp query.
struct TimestampQuery(Bytes);

impl<S: Send + Sync> FromRequest<S> for TimestampQuery {
    type Rejection = ApiError;

    async fn from_request(req: Request, _: &S) -> Result<Self, Self::Rejection> {
        if !content_type_is(&req, "application/timestamp-query") {
            return Err(ServiceError::UnsupportedMediaType {
                expected: "application/timestamp-query",
            }
            .into());
        }
        bounded_bytes(req, QUERY_LIMIT).await.map(TimestampQuery)
    }
}

async fn stamp(
    State(tsa): State<Arc<LocalTsa>>,
    TimestampQuery(query): TimestampQuery,
) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/timestamp-reply")],
        tsa.respond(&query),
    )
}

pub fn router(tsa: Arc<LocalTsa>) -> Router {
    Router::new().route("/tsa", post(stamp)).with_state(tsa)
}
