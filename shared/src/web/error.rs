//! The JSON error answer of every API endpoint: `{"error": code, "message": Italian text}`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

use crate::services::ServiceError;

#[derive(Debug)]
pub struct ApiError(pub ServiceError);

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    message: String,
    /// Where to log in again, when that solves it.
    #[serde(skip_serializing_if = "Option::is_none")]
    login: Option<String>,
    /// The request field it is about (its path in the body), for the form to mark it.
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<String>,
    /// Every field to correct, when a form has several.
    #[serde(skip_serializing_if = "Option::is_none")]
    errors: Option<&'a [crate::domain::applications::form::Problem]>,
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        ApiError(e)
    }
}

/// The refusals a handler raises itself (a bad parameter, a missing session).
macro_rules! api_error_from {
    ($($t:ty),*) => {$(
        impl From<$t> for ApiError {
            fn from(e: $t) -> Self {
                ApiError(e.into())
            }
        }
    )*};
}

api_error_from!(
    crate::ports::PortError,
    crate::services::errors::Invalid,
    crate::services::errors::Forbidden,
    crate::services::errors::NotFound,
    crate::services::errors::Conflict,
    crate::services::errors::FormRefusal
);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ServiceError::Port(e) = &self.0 {
            // The detail stays in the log (it never carries personal data); the citizen gets
            // a plain answer.
            tracing::error!(error = %e, "port failure");
        }
        let status =
            StatusCode::from_u16(self.0.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = ErrorBody {
            error: self.0.code(),
            message: self.0.message(),
            login: self.0.login(),
            field: self.0.field(),
            errors: self.0.problems(),
        };
        (status, Json(body)).into_response()
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
