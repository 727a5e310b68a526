//! Use cases, written once against the ports and used by the Lambda functions and the
//! local runner alike. Every use case takes the application context (`&AppState`: the
//! adapters behind the ports, the settings, the catalogue) and the actor's session where
//! there is one, and answers a typed result or a `ServiceError`.

pub mod access;
pub mod applications;
pub mod audit;
pub mod autocert;
pub mod certificates;
pub mod cns_login;
pub mod delivery;
pub mod errors;
pub mod household;
pub mod import;
pub mod login;
pub mod own_data;
pub mod payments;
pub mod profile;
pub mod registry;
pub mod sessions;
pub mod verify;

pub use errors::{ServiceError, ServiceResult};

#[cfg(test)]
mod tests;
