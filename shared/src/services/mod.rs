//! Use cases, written once against the ports and used by the Lambda functions and the
//! local runner alike.

pub mod audit;
pub mod autocert;
pub mod certificates;
pub mod household;
pub mod import;
pub mod profile;
pub mod registry;
pub mod sessions;
pub mod verify;

use crate::ports::StoreError;

/// What a use case can answer besides success. Messages are Italian: they reach citizens.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("{message}")]
    Invalid { code: &'static str, message: String },
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    Unauthenticated(String),
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ServiceError {
    pub fn invalid(code: &'static str, message: impl Into<String>) -> Self {
        ServiceError::Invalid {
            code,
            message: message.into(),
        }
    }
}

impl From<serde_json::Error> for ServiceError {
    fn from(e: serde_json::Error) -> Self {
        ServiceError::Store(StoreError::Backend(format!("corrupt record: {e}")))
    }
}

pub type ServiceResult<T> = Result<T, ServiceError>;
