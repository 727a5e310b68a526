//! Login: the pending request of a login at an identity provider, its outcome, and the
//! session of a citizen found in the registry. The use case does not speak SAML: the auth
//! function verifies the identity provider's answer and hands over what it asserted.

use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

use super::audit::{self, AuditAction};
use super::sessions::{self, Identity};
use super::{profile, registry, ServiceResult};
use crate::app::AppState;
use crate::domain::codice_fiscale::CodiceFiscale;
use crate::domain::sha256_hex;
use crate::keys;
use crate::ports::{Condition, PortError};

/// How long a login may take between the request and the answer.
pub const PENDING_MINUTES: i64 = 10;
/// How long an assertion is remembered past its validity (replay cache).
const REPLAY_MARGIN_MINUTES: i64 = 5;

/// The cookie that binds a pending login to the browser that started it.
pub const BROWSER_COOKIE: &str = "anagrafe_login";

/// A login started at an identity provider and not yet answered, kept server side.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Pending {
    pub request_id: String,
    pub idp: String,
    pub level: u8,
    pub issued_at: DateTime<Utc>,
    /// SHA-256 of the browser cookie's value set when the login started.
    pub browser: String,
}

/// A login just started: what the AuthnRequest needs, the RelayState that refers to it and
/// the browser cookie's value.
pub struct Started {
    pub pending: Pending,
    pub relay_state: String,
    pub browser_secret: String,
}

/// What a RelayState refers to, for the browser that presents it.
#[derive(Debug)]
pub enum Lookup {
    Pending(Pending),
    /// Expired, answered already, or never started here.
    Missing,
    /// Started in another browser (a response carried into this one: login CSRF).
    OtherBrowser,
}

/// What an identity provider asserted, as verified by the protocol layer.
#[derive(Debug, Clone)]
pub struct Asserted {
    pub assertion_id: String,
    /// Until when the assertion may be used.
    pub valid_until: DateTime<Utc>,
    pub level: u8,
    /// The `fiscalNumber` attribute (`TINIT-<codice fiscale>`).
    pub fiscal_number: String,
    pub email: Option<String>,
    pub pec: Option<String>,
}

/// Why a verified answer still does not open a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The assertion or the request was used before.
    Replayed,
    /// No valid codice fiscale among the attributes.
    NoFiscalNumber,
}

/// The end of a login.
#[derive(Debug)]
pub enum Outcome {
    /// A session for a citizen of the registry: the token for the cookie.
    Session {
        token: String,
    },
    /// The citizen authenticated but is not in the registry of the comune.
    NotInRegistry,
    Refused(Refusal),
}

/// An opaque random value (a RelayState, a session token).
fn random_token() -> String {
    let mut b = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

/// Starts a login at `idp`: the level asked is the configured one, or higher if `asked` is
/// higher (a request can only raise it). Records the pending login under an opaque
/// RelayState (the identity provider's cross-site POST back carries no SameSite cookie) and
/// binds it to the browser with a random value whose hash it keeps.
pub async fn start(app: &AppState, idp: &str, asked: Option<u8>) -> ServiceResult<Started> {
    let configured = app.config.saml.level;
    let level = asked.map_or(configured, |a| a.max(configured));
    let browser_secret = random_token();
    let pending = Pending {
        request_id: format!("_{}", uuid::Uuid::new_v4()),
        idp: idp.to_string(),
        level,
        issued_at: app.clock.now(),
        browser: sha256_hex(browser_secret.as_bytes()),
    };
    let relay_state = random_token();
    let until = app.clock.now() + Duration::minutes(PENDING_MINUTES);
    let item = registry::json_item(keys::pending_login(&relay_state), &pending)?.expiring(until);
    app.store.put(item, Condition::IfAbsent).await?;
    Ok(Started {
        pending,
        relay_state,
        browser_secret,
    })
}

/// The pending login of a RelayState, if it is still pending and was started by the
/// browser that presents `browser_secret` (compared by hash, in constant time).
pub async fn pending(
    app: &AppState,
    relay: &str,
    browser_secret: Option<&str>,
) -> ServiceResult<Lookup> {
    let key = keys::pending_login(relay.trim());
    let Some(p) = registry::get_json::<Pending>(app.store.as_ref(), &key).await? else {
        return Ok(Lookup::Missing);
    };
    let sent = sha256_hex(browser_secret.unwrap_or_default().as_bytes());
    let same: bool = sent.as_bytes().ct_eq(p.browser.as_bytes()).into();
    Ok(if same && browser_secret.is_some() {
        Lookup::Pending(p)
    } else {
        Lookup::OtherBrowser
    })
}

/// The Set-Cookie value of the browser binding: HttpOnly, limited to the ACS, as long as a
/// login may take. Cross-site (SameSite=None, Secure) behind https, where the identity
/// provider's POST comes from another site; Lax on plain http (only the local runner,
/// whose demo IdP is the same site).
pub fn browser_cookie(value: &str, secure: bool) -> String {
    let site = if secure {
        "SameSite=None; Secure"
    } else {
        "SameSite=Lax"
    };
    binding_cookie(value, "/saml/acs", site)
}

/// The binding cookie limited to `path`, with its SameSite (and Secure) attributes.
pub fn binding_cookie(value: &str, path: &str, site: &str) -> String {
    format!(
        "{BROWSER_COOKIE}={value}; Path={path}; HttpOnly; {site}; Max-Age={}",
        PENDING_MINUTES * 60
    )
}

/// The Set-Cookie value that removes the browser binding.
pub fn clear_browser_cookie(secure: bool) -> String {
    expired(&browser_cookie("", secure))
}

/// A Set-Cookie value made to remove the cookie it sets.
pub fn expired(cookie: &str) -> String {
    cookie.replace(&format!("Max-Age={}", PENDING_MINUTES * 60), "Max-Age=0")
}

/// Ends a pending login without a session (the identity provider answered with an error).
pub async fn cancel(app: &AppState, relay: &str) -> ServiceResult<()> {
    registry::delete(app.store.as_ref(), &keys::pending_login(relay.trim())).await
}

/// Completes a login: one use per request and per assertion, then the session.
pub async fn complete(
    app: &AppState,
    relay: &str,
    pending: &Pending,
    asserted: &Asserted,
) -> ServiceResult<Outcome> {
    let until =
        asserted.valid_until.max(app.clock.now()) + Duration::minutes(REPLAY_MARGIN_MINUTES);
    let once = vec![
        (
            registry::marker(keys::used_assertion(&asserted.assertion_id)).expiring(until),
            Condition::IfAbsent,
        ),
        (
            registry::marker(keys::used_request(&pending.request_id)).expiring(until),
            Condition::IfAbsent,
        ),
    ];
    let refused = |why| {
        count(app, &pending.idp, "refused");
        Ok(Outcome::Refused(why))
    };
    match app.store.transact(once).await {
        Ok(()) => {}
        Err(PortError::ConditionFailed) => return refused(Refusal::Replayed),
        Err(e) => return Err(e.into()),
    }
    cancel(app, relay).await?;
    let raw = asserted.fiscal_number.as_str();
    let cf = raw.strip_prefix("TINIT-").unwrap_or(raw);
    let Ok(cf) = CodiceFiscale::parse(cf) else {
        return refused(Refusal::NoFiscalNumber);
    };
    enroll(
        app,
        &cf,
        &pending.idp,
        asserted.level,
        asserted.email.as_deref(),
        asserted.pec.as_deref(),
        None,
    )
    .await
}

/// Counts a login's outcome at an identity provider (its registry name, never the person).
pub fn count(app: &AppState, idp: &str, outcome: &'static str) {
    app.metrics.count(crate::metrics::login(idp, outcome));
}

/// First access: a citizen found in the registry gets a session (with the profile from the
/// identity provider's attributes); anyone else is told they are not in the registry.
pub(crate) async fn enroll(
    app: &AppState,
    cf: &CodiceFiscale,
    idp: &str,
    level: u8,
    email: Option<&str>,
    pec: Option<&str>,
    detail: Option<String>,
) -> ServiceResult<Outcome> {
    let Some(person) = registry::person(app.store.as_ref(), cf.as_str()).await? else {
        count(app, idp, "not_in_registry");
        return Ok(Outcome::NotInRegistry);
    };
    let profile = profile::enroll(app, cf.as_str(), email, pec).await?;
    let identity = Identity {
        codice_fiscale: person.codice_fiscale.clone(),
        cognome: person.cognome.clone(),
        nome: person.nome.clone(),
        email: profile.email,
        idp: idp.to_string(),
        level,
    };
    let operator = app.config.operator(&person.codice_fiscale).is_some();
    let (token, _) = sessions::create(app, identity, operator).await?;
    let me = person.codice_fiscale.clone();
    audit::record(app, &me, vec![me.clone()], AuditAction::Login, detail).await?;
    count(app, idp, "session");
    Ok(Outcome::Session { token })
}
