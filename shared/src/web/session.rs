//! The guards of every route, as extractors: a handler that takes `CurrentSession` gets a
//! live session, and on a state-changing method (POST, PUT, PATCH, DELETE) one whose
//! `X-CSRF-Token` header matched the session's token; `Operator` adds the operator check.
//! No handler checks a token or a role by hand.

use axum::extract::{FromRef, FromRequestParts};
use axum::http::{header, request::Parts, Method};
use subtle::ConstantTimeEq;

use super::ApiError;
use crate::app::AppState;
use crate::services::errors::Forbidden;
use crate::services::sessions::{self, Session};
use crate::services::ServiceError;

/// The header a state-changing request carries the session's CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The authentication level (SPID 1..3) a router's personal data need: a function declares
/// it with `requires_level`, and `CurrentSession` refuses a session below it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequiredLevel(pub u8);

/// Declares the level every route of `router` needs.
pub fn requires_level(router: axum::Router, level: u8) -> axum::Router {
    router.layer(axum::Extension(RequiredLevel(level)))
}

/// The logged-in citizen, from the session cookie. Rejects with 401 when absent or expired,
/// and with 403 a state-changing request without the session's CSRF token.
pub struct CurrentSession {
    pub token: String,
    pub session: Session,
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

/// Whether the method only reads (no CSRF token needed).
pub fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The session's CSRF token equals `sent`, compared in constant time.
pub fn csrf_matches(session: &Session, sent: &[u8]) -> bool {
    bool::from(sent.ct_eq(session.csrf_token.as_bytes()))
}

/// The live session of the request's cookie, whatever the method.
pub async fn session_of(parts: &Parts, app: &AppState) -> Result<CurrentSession, ApiError> {
    let token = cookie(parts, sessions::COOKIE).ok_or(ServiceError::Unauthenticated)?;
    let session = sessions::get(app, token)
        .await?
        .ok_or(ServiceError::Unauthenticated)?;
    Ok(CurrentSession {
        token: token.to_string(),
        session,
    })
}

impl<S> FromRequestParts<S> for CurrentSession
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let app = AppState::from_ref(state);
        let me = session_of(parts, &app).await?;
        if !is_safe(&parts.method) {
            let sent = parts
                .headers
                .get(CSRF_HEADER)
                .map(|v| v.as_bytes())
                .unwrap_or_default();
            if !csrf_matches(&me.session, sent) {
                return Err(Forbidden::Csrf.into());
            }
        }
        if let Some(RequiredLevel(required)) = parts.extensions.get::<RequiredLevel>().copied() {
            if me.session.identity.level < required {
                let idp = me.session.identity.idp.clone();
                return Err(ServiceError::InsufficientLevel { required, idp }.into());
            }
        }
        Ok(me)
    }
}

/// A logged-in operator of the registry office (listed in `OPERATORS`): the session guard,
/// then 403 for anyone else.
pub struct Operator(pub CurrentSession);

impl<S> FromRequestParts<S> for Operator
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let me = CurrentSession::from_request_parts(parts, state).await?;
        if !me.session.operator {
            return Err(Forbidden::OperatorsOnly.into());
        }
        Ok(Operator(me))
    }
}

/// A session with a URL-encoded form (plain HTML forms, without script): the CSRF token
/// travels in the `csrf_token` field or in the header. `None` when there is no session.
pub struct FormSession<T>(pub Option<CurrentSession>, pub T);

#[derive(serde::Deserialize)]
struct TokenField {
    #[serde(default)]
    csrf_token: String,
}

impl<S, T> axum::extract::FromRequest<S> for FormSession<T>
where
    AppState: FromRef<S>,
    S: Send + Sync,
    T: serde::de::DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        let app = AppState::from_ref(state);
        let (parts, body) = req.into_parts();
        let me = match session_of(&parts, &app).await {
            Ok(me) => Some(me),
            Err(ApiError(ServiceError::Unauthenticated)) => None,
            Err(e) => return Err(e),
        };
        let header = parts
            .headers
            .get(CSRF_HEADER)
            .map(|v| v.as_bytes().to_vec());
        let req = axum::extract::Request::from_parts(parts, body);
        let bytes = super::bounded_bytes(req, super::JSON_LIMIT).await?;
        let field: TokenField = serde_urlencoded::from_bytes(&bytes).unwrap_or(TokenField {
            csrf_token: String::new(),
        });
        let form: T = serde_urlencoded::from_bytes(&bytes).map_err(|e| {
            crate::services::errors::Invalid::Request(format!("modulo non valido ({e})"))
        })?;
        if let Some(me) = &me {
            let sent = header.unwrap_or_else(|| field.csrf_token.into_bytes());
            if !csrf_matches(&me.session, &sent) {
                return Err(Forbidden::Csrf.into());
            }
        }
        Ok(FormSession(me, form))
    }
}

/// `Option<CurrentSession>`: `None` without a live session (pages that show either way).
impl<S> axum::extract::OptionalFromRequestParts<S> for CurrentSession
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        match <CurrentSession as FromRequestParts<S>>::from_request_parts(parts, state).await {
            Ok(me) => Ok(Some(me)),
            Err(ApiError(ServiceError::Unauthenticated)) => Ok(None),
            Err(e) => Err(e),
        }
    }
}
