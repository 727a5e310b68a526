//! Typed request bodies and query strings whose rejections are the project's Italian JSON
//! answer (axum's own extractors answer in English plain text): a body is read only up to
//! its route's limit (413 beyond it), a JSON body must say it is JSON (415 otherwise), and a
//! field that does not decode is named in the 400 message.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{header, request::Parts};
use serde::de::DeserializeOwned;

use super::ApiError;
use crate::services::errors::{Invalid, TooLarge};
use crate::services::ServiceError;

/// The default limit of a JSON body: every form of the portal fits many times over.
pub const JSON_LIMIT: usize = 64 * 1024;

/// The bytes of a body, refused with 413 beyond `limit`.
pub async fn bounded_bytes(req: Request, limit: usize) -> Result<Bytes, ApiError> {
    axum::body::to_bytes(req.into_body(), limit)
        .await
        .map_err(|_| ServiceError::TooLarge(TooLarge { limit }).into())
}

/// Whether the request's media type (parameters aside) is `expected`.
pub fn content_type_is(req: &Request, expected: &str) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case(expected))
}

/// A JSON body of at most `LIMIT` bytes decoding as `T`.
pub struct JsonBody<T, const LIMIT: usize = JSON_LIMIT>(pub T);

impl<S, T, const LIMIT: usize> FromRequest<S> for JsonBody<T, LIMIT>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, _: &S) -> Result<Self, Self::Rejection> {
        if !content_type_is(&req, "application/json") {
            return Err(ServiceError::UnsupportedMediaType {
                expected: "JSON (Content-Type: application/json)",
            }
            .into());
        }
        let bytes = bounded_bytes(req, LIMIT).await?;
        crate::json::decode(&bytes)
            .map(JsonBody)
            .map_err(|m| Invalid::Request(m).into())
    }
}

/// A URL-encoded form body of at most `LIMIT` bytes decoding as `T`.
pub struct FormBody<T, const LIMIT: usize = JSON_LIMIT>(pub T);

impl<S, T, const LIMIT: usize> FromRequest<S> for FormBody<T, LIMIT>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, _: &S) -> Result<Self, Self::Rejection> {
        if !content_type_is(&req, "application/x-www-form-urlencoded") {
            return Err(ServiceError::UnsupportedMediaType {
                expected: "un modulo (application/x-www-form-urlencoded)",
            }
            .into());
        }
        let bytes = bounded_bytes(req, LIMIT).await?;
        serde_urlencoded::from_bytes(&bytes)
            .map(FormBody)
            .map_err(|e| Invalid::Request(format!("modulo non valido ({e})")).into())
    }
}

/// A raw body of at most `LIMIT` bytes (e.g. the registry export in JSON Lines).
pub struct RawBody<const LIMIT: usize>(pub Bytes);

impl<S: Send + Sync, const LIMIT: usize> FromRequest<S> for RawBody<LIMIT> {
    type Rejection = ApiError;

    async fn from_request(req: Request, _: &S) -> Result<Self, Self::Rejection> {
        bounded_bytes(req, LIMIT).await.map(RawBody)
    }
}

/// The query string decoding as `T`.
pub struct Query<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let q = parts.uri.query().unwrap_or_default();
        serde_urlencoded::from_str(q)
            .map(Query)
            .map_err(|e| Invalid::Request(format!("parametri non validi ({e})")).into())
    }
}
