//! Citizen sessions. The token goes to the browser in an HttpOnly cookie; the store keeps
//! only its SHA-256, so a leaked table does not yield usable sessions.

use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use serde::{Deserialize, Serialize};

use super::{registry, ServiceResult};
use crate::app::AppState;
use crate::keys;
use crate::ports::Condition;

pub const COOKIE: &str = "anagrafe_session";
/// Sessions last at most this long (SPID sessions are short-lived; re-login is cheap).
pub const LIFETIME_MINUTES: i64 = 60;
/// A session unused for this long ends.
pub const IDLE_MINUTES: i64 = 20;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    pub codice_fiscale: String,
    pub cognome: String,
    pub nome: String,
    pub email: Option<String>,
    /// Key of the identity provider that authenticated the citizen.
    pub idp: String,
    /// SPID level 1..3.
    pub level: u8,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub identity: Identity,
    pub operator: bool,
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// Last request seen (refreshed at most once a minute).
    #[serde(default)]
    pub last_seen: Option<DateTime<Utc>>,
}

fn random_hex(bytes: usize) -> String {
    let mut b = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

/// Opens a session for an authenticated identity; returns the token for the cookie.
/// The auth function calls this after a successful SAML login; tests call it directly.
pub async fn create(
    app: &AppState,
    identity: Identity,
    operator: bool,
) -> ServiceResult<(String, Session)> {
    let token = random_hex(32);
    let now = app.clock.now();
    let session = Session {
        identity,
        operator,
        csrf_token: random_hex(16),
        created_at: now,
        expires_at: now + Duration::minutes(LIFETIME_MINUTES),
        last_seen: Some(now),
    };
    let item = registry::json_item(keys::session(&token), &session)?.expiring(session.expires_at);
    app.store.put(item, Condition::IfAbsent).await?;
    Ok((token, session))
}

/// The live session of a token: not past its absolute lifetime nor idle too long. Each use
/// refreshes the idle clock (written at most once a minute).
pub async fn get(app: &AppState, token: &str) -> ServiceResult<Option<Session>> {
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    let Some(mut session): Option<Session> =
        registry::get_json(app.store.as_ref(), &keys::session(token)).await?
    else {
        return Ok(None);
    };
    let now = app.clock.now();
    let last = session.last_seen.unwrap_or(session.created_at);
    if now - last > Duration::minutes(IDLE_MINUTES) {
        end(app, token).await?;
        return Ok(None);
    }
    if now - last > Duration::seconds(60) {
        session.last_seen = Some(now);
        save(app, token, &session).await?;
    }
    Ok(Some(session))
}

/// Rewrites a session (e.g. after the citizen changed their e-mail in "Mio account").
pub async fn save(app: &AppState, token: &str, session: &Session) -> ServiceResult<()> {
    let item = registry::json_item(keys::session(token), session)?.expiring(session.expires_at);
    app.store.put(item, Condition::None).await?;
    Ok(())
}

/// The Set-Cookie value of a session: HttpOnly, SameSite=Lax, Secure unless the portal is
/// served on plain http (only the local runner on 127.0.0.1 is).
pub fn cookie_header(token: &str, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!(
        "{COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
        LIFETIME_MINUTES * 60
    )
}

/// The Set-Cookie value that removes the session cookie.
pub fn clear_cookie_header(secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}")
}

pub async fn end(app: &AppState, token: &str) -> ServiceResult<()> {
    registry::delete(app.store.as_ref(), &keys::session(token)).await
}
