//! What every function's router shares: the application state, the JSON error answer, the
//! guards and typed bodies as extractors, hardening layers and the Lambda entry point.
//!
//! The request path: router → extractors (`CurrentSession`/`Operator`, `JsonBody`,
//! `Query`) → a use case in `crate::services` → ports → adapters. Handlers only map the
//! use case's outcome to a response.

mod body;
mod client_cert;
mod error;
pub mod logging;
mod scheduled;
mod session;

use std::sync::Arc;

use axum::http::{header, HeaderValue};
use axum::response::IntoResponse;
use axum::{Json, Router};

use crate::adapters::clock::SystemClock;
pub use crate::app::AppState;
use crate::config::Config;
use crate::services::errors::Invalid;
use crate::services::ServiceError;
pub use body::{bounded_bytes, content_type_is, FormBody, JsonBody, Query, RawBody, JSON_LIMIT};
pub use client_cert::{from_edge, ClientCertificate, PeerCertificate, ORIGIN_HEADER};
pub use error::{ApiError, ApiResult};
pub use scheduled::{Scheduled, SCHEDULER_API};
pub use session::{
    cookie, csrf_matches, is_safe, requires_level, session_of, CurrentSession, FormSession,
    Operator, RequiredLevel, CSRF_HEADER,
};

/// `?person=<codice fiscale>`, required.
#[derive(Debug, serde::Deserialize)]
pub struct PersonParam {
    person: Option<String>,
}

impl PersonParam {
    pub fn required(self) -> ApiResult<String> {
        self.given().ok_or_else(|| Invalid::PersonRequired.into())
    }

    /// The person, when one was named.
    pub fn given(self) -> Option<String> {
        self.person.filter(|s| !s.trim().is_empty())
    }
}

/// The Content-Security-Policy of every page of the portal: scripts, styles, fonts and
/// requests only from the portal itself, no inline script, images and fonts also as `data:` (Bootstrap
/// Italia's icons), forms only to the portal, never framed. The same string is the
/// CloudFront response headers policy of `template.yaml` (a test compares them).
pub const SITE_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

/// The browser features the portal never uses.
pub const PERMISSIONS_POLICY: &str =
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), bluetooth=()";

/// The security headers of every page and asset: the site's CSP unless the response set a
/// stricter one, no sniffing, no framing, no referrer, no powerful features.
pub fn secure_headers(router: Router) -> Router {
    use tower_http::set_header::SetResponseHeaderLayer;
    router
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(SITE_CSP),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            axum::http::HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static(PERMISSIONS_POLICY),
        ))
}

/// Adds what every function answers with: panics become a 503 JSON answer instead of a
/// dropped connection, responses are not cached and carry the security headers.
pub fn harden(router: Router) -> Router {
    use tower_http::catch_panic::CatchPanicLayer;
    use tower_http::set_header::SetResponseHeaderLayer;
    secure_headers(router.layer(SetResponseHeaderLayer::if_not_present(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store"),
    )))
    .layer(axum::middleware::from_fn(logging::access))
    .layer(CatchPanicLayer::custom(|_| {
        tracing::error!("handler panicked");
        ApiError(ServiceError::Port(crate::ports::PortError::unavailable(
            crate::ports::Port::Store,
            "panic",
        )))
        .into_response()
    }))
}

/// `GET <path>`: liveness of a function.
pub fn health(path: &str, name: &'static str) -> Router {
    Router::new().route(
        path,
        axum::routing::get(move || async move {
            Json(serde_json::json!({ "function": name, "status": "ok" }))
        }),
    )
}

/// Logs without personal data, as JSON lines off a terminal (see `logging`).
pub fn init_tracing() {
    logging::init();
}

/// The entry point of a function that also has a command line for ops: Lambda when started
/// by the Lambda runtime, otherwise `cli` with the arguments (exit status from its result,
/// its error message on stderr).
pub async fn run_lambda_or_cli<F>(
    router: fn(AppState) -> Router,
    cli: impl FnOnce(Vec<String>) -> F,
) -> Result<(), lambda_http::Error>
where
    F: std::future::Future<Output = Result<i32, String>>,
{
    if std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some() {
        return run_lambda(router).await;
    }
    match cli(std::env::args().skip(1).collect()).await {
        Ok(code) => std::process::exit(code),
        Err(message) => {
            eprintln!("{message}");
            std::process::exit(1)
        }
    }
}

/// The Lambda entry point of a function: build the state once, then serve its router.
/// The cloud adapters are used when configured (`TABLE_NAME` and the rest, set by the stack).
pub async fn run_lambda(router: fn(AppState) -> Router) -> Result<(), lambda_http::Error> {
    init_tracing();
    let config = Config::from_env()?;
    let state = AppState::from_config(config, Arc::new(SystemClock)).await?;
    use tracing::Instrument;
    lambda_http::run(router(state))
        .instrument(logging::function_span())
        .await
}
