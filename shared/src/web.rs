//! What every function's router shares: the application state, the JSON error answer, the
//! session extractor, hardening layers and the Lambda entry point.

use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::{header, request::Parts, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use serde::Serialize;

use crate::adapters::clock::SystemClock;
pub use crate::app::AppState;
use crate::config::Config;
use crate::services::{sessions, ServiceError};

/// The JSON error answer of every API endpoint: `{"error": code, "message": Italian text}`.
#[derive(Debug)]
pub struct ApiError(pub ServiceError);

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    message: String,
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        ApiError(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, message) = match self.0 {
            ServiceError::Invalid { code, message } => (StatusCode::BAD_REQUEST, code, message),
            ServiceError::NotFound(m) => (StatusCode::NOT_FOUND, "not_found", m),
            ServiceError::Forbidden(m) => (StatusCode::FORBIDDEN, "forbidden", m),
            ServiceError::Unauthenticated(m) => (StatusCode::UNAUTHORIZED, "unauthenticated", m),
            ServiceError::Conflict { code, message } => (StatusCode::CONFLICT, code, message),
            ServiceError::Store(e) => {
                // The detail stays in the log (it never carries personal data); the citizen
                // gets a plain answer.
                tracing::error!(error = %e, "store failure");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "Il servizio non è momentaneamente disponibile: riprova tra qualche minuto."
                        .to_string(),
                )
            }
        };
        (
            status,
            Json(ErrorBody {
                error: code,
                message,
            }),
        )
            .into_response()
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// A 400 answer for a malformed request parameter.
pub fn invalid(code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError(ServiceError::invalid(code, message))
}

/// The logged-in citizen, from the session cookie. Rejects with 401 when absent or expired.
pub struct CurrentSession {
    pub token: String,
    pub session: sessions::Session,
}

impl CurrentSession {
    pub fn codice_fiscale(&self) -> &str {
        &self.session.identity.codice_fiscale
    }
}

/// The value of a cookie in the request.
pub fn cookie<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

impl<S> FromRequestParts<S> for CurrentSession
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let app = AppState::from_ref(state);
        let unauthenticated = || {
            ApiError(ServiceError::Unauthenticated(
                "Sessione assente o scaduta: accedi di nuovo con SPID o CIE.".into(),
            ))
        };
        let token = cookie(parts, sessions::COOKIE).ok_or_else(unauthenticated)?;
        let session = sessions::get(app.store.as_ref(), app.clock.as_ref(), token)
            .await?
            .ok_or_else(unauthenticated)?;
        Ok(CurrentSession {
            token: token.to_string(),
            session,
        })
    }
}

/// Refuses a state-changing request whose `X-CSRF-Token` header is not the session's token
/// (compared in constant time).
pub fn check_csrf(headers: &axum::http::HeaderMap, me: &CurrentSession) -> ApiResult<()> {
    use subtle::ConstantTimeEq;
    let sent = headers
        .get("x-csrf-token")
        .map(|v| v.as_bytes())
        .unwrap_or_default();
    if bool::from(sent.ct_eq(me.session.csrf_token.as_bytes())) {
        Ok(())
    } else {
        Err(ApiError(ServiceError::Forbidden(
            "Richiesta non autorizzata: ricarica la pagina e riprova.".into(),
        )))
    }
}

/// `?person=<codice fiscale>`, required.
#[derive(Debug, serde::Deserialize)]
pub struct PersonParam {
    person: Option<String>,
}

impl PersonParam {
    pub fn required(self) -> ApiResult<String> {
        self.person.filter(|s| !s.trim().is_empty()).ok_or_else(|| {
            invalid(
                "person_required",
                "Indica il codice fiscale della persona (parametro person).",
            )
        })
    }
}

/// How a document reaches the citizen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    #[default]
    Download,
    Email,
}

/// A request body with how to deliver the document it asks for.
#[derive(Debug, serde::Deserialize)]
pub struct DeliveryBody<T> {
    #[serde(flatten)]
    pub request: T,
    #[serde(default)]
    pub delivery: Delivery,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub cc: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
}

impl<T> DeliveryBody<T> {
    /// The address typed, or the one in the citizen's profile.
    pub fn recipient(&self, me: &CurrentSession) -> ApiResult<String> {
        self.email
            .clone()
            .filter(|e| !e.trim().is_empty())
            .or_else(|| me.session.identity.email.clone())
            .ok_or_else(|| {
                invalid(
                    "email_required",
                    "Indica l'indirizzo e-mail a cui inviare il documento.",
                )
            })
    }
}

/// Decodes a JSON body, or answers 400 with what is wrong in Italian.
pub fn json_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> ApiResult<T> {
    crate::json::decode(body)
        .map_err(|m| invalid("invalid_request", format!("Richiesta non valida: {m}.")))
}

/// Adds what every function answers with: panics become a 500 JSON answer instead of a
/// dropped connection, and responses carry no-store and anti-sniffing headers.
pub fn harden(router: Router) -> Router {
    use tower_http::catch_panic::CatchPanicLayer;
    use tower_http::set_header::SetResponseHeaderLayer;
    router
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(CatchPanicLayer::custom(|_| {
            tracing::error!("handler panicked");
            ApiError(ServiceError::Store(crate::ports::StoreError::Backend(
                "panic".into(),
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

/// Logs to stderr without personal data: handlers log events, never request paths or bodies.
pub fn init_tracing() {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    // `RUST_LOG` as a list of `level` / `target=level` directives (no regex: smaller binaries).
    let filter = std::env::var("RUST_LOG")
        .ok()
        .and_then(|v| v.parse::<tracing_subscriber::filter::Targets>().ok())
        .unwrap_or_else(|| {
            tracing_subscriber::filter::Targets::new().with_default(tracing::Level::INFO)
        });
    let _ = tracing_subscriber::registry()
        .with(tracing_subscriber::fmt::layer().with_target(false))
        .with(filter)
        .try_init();
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
    lambda_http::run(router(state)).await
}
