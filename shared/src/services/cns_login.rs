//! Login with the CNS / TS-CNS card. The portal's host starts a pending login bound to the
//! browser, as SAML does; the login host (the only one that asks for a client certificate)
//! checks the card for that pending login and leaves a short-lived ticket; the portal's host
//! takes the ticket once, for the browser that started, and opens the same session a SAML
//! login opens. Name and surname come from the registry, never from the card.

use chrono::Duration;
use rustls_pki_types::UnixTime;
use serde::{Deserialize, Serialize};

use super::audit::{self, AuditAction};
use super::login::{self, Lookup, Outcome, Pending, Started};
use super::{registry, ServiceResult};
use crate::app::AppState;
use crate::cns::{CnsVerifier, Profile, Refusal};
use crate::domain::codice_fiscale::CodiceFiscale;
use crate::keys;
use crate::ports::{Condition, PortError};

/// The identity provider name CNS logins record.
pub const IDP: &str = "cns";
/// Who the audit names for a refused card (its name is not trusted then).
pub const CNS_ACTOR: &str = "CNS";
/// How long the ticket waits for the browser to come back to the portal's host.
const TICKET_SECONDS: i64 = 120;

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Ticket {
    codice_fiscale: String,
    issuer: String,
}

/// Starts a CNS login on the portal's host (the pending login and the browser binding).
pub async fn start(app: &AppState) -> ServiceResult<Started> {
    login::start(app, IDP, None).await
}

/// What the login host concluded about the card for a pending login.
#[derive(Debug, PartialEq, Eq)]
pub enum Checked {
    /// A good card: the portal's host may take the ticket.
    Accepted,
    Refused(Refusal),
    /// No such pending login (expired, used, or never started).
    Expired,
}

/// On the login host: the card presented (DER, if any) for the pending login `relay`.
pub async fn check_card(
    app: &AppState,
    verifier: &CnsVerifier,
    relay: &str,
    card: Option<&[u8]>,
) -> ServiceResult<Checked> {
    let store = app.store.as_ref();
    let key = keys::pending_login(relay.trim());
    if registry::get_json::<Pending>(store, &key).await?.is_none() {
        return Ok(Checked::Expired);
    }
    let now = UnixTime::since_unix_epoch(std::time::Duration::from_secs(
        app.clock.now().timestamp().max(0) as u64,
    ));
    let holder = match card {
        None => Err(Refusal::NoCertificate),
        Some(der) => verifier.identify(der, now).await,
    };
    let holder = match holder {
        Ok(h) => h,
        Err(refusal) => {
            let issuer = card
                .and_then(|der| Profile::read(der).ok())
                .map(|p| p.issuer);
            let issuer = issuer.unwrap_or_else(|| "sconosciuto".into());
            tracing::info!(outcome = refusal.code(), issuer = %issuer, "CNS login refused");
            super::login::count(app, IDP, "refused");
            let detail = Some(format!("esito {}, emittente {issuer}", refusal.code()));
            audit::record(app, CNS_ACTOR, vec![], AuditAction::CnsLoginRefused, detail).await?;
            return Ok(Checked::Refused(refusal));
        }
    };
    tracing::info!(issuer = %holder.issuer, "CNS card accepted");
    let ticket = Ticket {
        codice_fiscale: holder.codice_fiscale.as_str().to_string(),
        issuer: holder.issuer,
    };
    let until = app.clock.now() + Duration::seconds(TICKET_SECONDS);
    let item = registry::json_item(keys::cns_ticket(relay.trim()), &ticket)?.expiring(until);
    match app.store.put(item, Condition::IfAbsent).await {
        Ok(()) => Ok(Checked::Accepted),
        Err(PortError::ConditionFailed) => Ok(Checked::Expired),
        Err(e) => Err(e.into()),
    }
}

/// How the portal's host ends a CNS login.
#[derive(Debug)]
pub enum Completed {
    Done(Outcome),
    /// No pending login or no ticket for it (expired, used, or the card was not checked).
    Expired,
    /// Started in another browser.
    OtherBrowser,
}

/// On the portal's host: the ticket of the login this browser started, taken once.
pub async fn complete(
    app: &AppState,
    relay: &str,
    browser_secret: Option<&str>,
) -> ServiceResult<Completed> {
    let pending = match login::pending(app, relay, browser_secret).await? {
        Lookup::Pending(p) if p.idp == IDP => p,
        Lookup::OtherBrowser => return Ok(Completed::OtherBrowser),
        _ => return Ok(Completed::Expired),
    };
    let store = app.store.as_ref();
    let key = keys::cns_ticket(relay.trim());
    let Some(ticket) = registry::get_json::<Ticket>(store, &key).await? else {
        return Ok(Completed::Expired);
    };
    let until = app.clock.now() + Duration::minutes(login::PENDING_MINUTES);
    let once = registry::marker(keys::used_request(&pending.request_id)).expiring(until);
    match app.store.put(once, Condition::IfAbsent).await {
        Ok(()) => {}
        Err(PortError::ConditionFailed) => return Ok(Completed::Expired),
        Err(e) => return Err(e.into()),
    }
    registry::delete(store, &key).await?;
    login::cancel(app, relay).await?;
    let cf = CodiceFiscale::parse(&ticket.codice_fiscale)
        .map_err(|_| PortError::Corrupt("CNS ticket without a codice fiscale".into()))?;
    let level = app.config.cns.level;
    let detail = Some(format!("CNS, emittente {}", ticket.issuer));
    let outcome = login::enroll(app, &cf, IDP, level, None, None, detail).await?;
    Ok(Completed::Done(outcome))
}
