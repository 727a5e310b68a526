//! The guard of routes only the scheduler invokes (the end-of-day audit seal). The
//! schedule (template.yaml) delivers an HTTP-API-shaped event whose request context names
//! the API `SCHEDULER_API`; requests through the real API carry its own id, and those
//! routes are not on the API at all. Locally nothing carries it: the routes answer 404.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use super::ApiError;
use crate::services::errors::NotFound;

/// The `requestContext.apiId` of the scheduler's events.
pub const SCHEDULER_API: &str = "anagrafe-scheduler";

/// The request came from the scheduler.
pub struct Scheduled;

impl<S: Send + Sync> FromRequestParts<S> for Scheduled {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        #[allow(unreachable_patterns)]
        let scheduled = parts
            .extensions
            .get::<lambda_http::request::RequestContext>()
            .is_some_and(|c| match c {
                lambda_http::request::RequestContext::ApiGatewayV2(c) => {
                    c.apiid.as_deref() == Some(SCHEDULER_API)
                }
                _ => false,
            });
        if scheduled {
            Ok(Scheduled)
        } else {
            Err(NotFound::Route.into())
        }
    }
}
