//! The CNS / TS-CNS login routes. On the portal's host: `/cns/start` (the pending login and
//! the browser binding, then off to the login host), `/cns/complete` (the session) and
//! `/cns/esito` (why a card was refused). On the login host, the only one that asks the
//! browser for a client certificate: `/cns/login`, which checks the card and sends the browser
//! back. The use case is `shared::services::cns_login`.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

use shared::adapters::revocation_http::HttpRevocation;
use shared::cns::{CnsVerifier, Refusal, TrustBundle};
use shared::services::cns_login::{self, Checked, Completed};
use shared::services::login::{self, Outcome};
use shared::services::sessions;
use shared::web::{AppState, ClientCertificate, Query};

use crate::{secure_cookies, BrowserBinding, Page};

#[derive(Clone)]
struct Cns {
    app: AppState,
    verifier: Option<Arc<CnsVerifier>>,
}

impl axum::extract::FromRef<Cns> for AppState {
    fn from_ref(c: &Cns) -> AppState {
        c.app.clone()
    }
}

/// The verifier from the settings, or none (the CNS login is then unavailable).
pub fn verifier(app: &AppState) -> Option<Arc<CnsVerifier>> {
    let settings = &app.config.cns;
    let path = settings.trust_bundle.as_ref()?;
    let trust = std::fs::read_to_string(path)
        .map_err(|e| e.to_string())
        .and_then(|pem| TrustBundle::from_pem(&pem));
    let sources = HttpRevocation::new().map_err(|e| e.to_string());
    match (trust, sources) {
        (Ok(trust), Ok(sources)) => Some(Arc::new(CnsVerifier {
            trust,
            policies: settings.policies.clone(),
            revocation: settings.revocation,
            sources: Arc::new(sources),
        })),
        (Err(e), _) | (_, Err(e)) => {
            tracing::error!(error = %e, "CNS trust bundle unusable: CNS login off");
            None
        }
    }
}

#[derive(Deserialize)]
struct StateParam {
    #[serde(default)]
    state: String,
}

#[derive(Deserialize)]
struct Esito {
    #[serde(default)]
    motivo: String,
}

/// A RelayState as this portal makes them (hex), safe to put back in an address.
fn relay(p: &StateParam) -> Option<&str> {
    let s = p.state.trim();
    (!s.is_empty() && s.len() <= 128 && s.bytes().all(|b| b.is_ascii_hexdigit())).then_some(s)
}

/// The browser binding of a CNS login, limited to `/cns/complete` (a top-level navigation
/// from the login host, same site: Lax is enough).
fn binding_cookie(app: &AppState, value: &str) -> String {
    let site = if secure_cookies(app) {
        "SameSite=Lax; Secure"
    } else {
        "SameSite=Lax"
    };
    login::binding_cookie(value, "/cns/complete", site)
}

fn see_other(location: String) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response()
}

async fn start(State(c): State<Cns>) -> Response {
    if c.verifier.is_none() {
        return Page::CnsUnavailable.into_response();
    }
    let Ok(started) = cns_login::start(&c.app).await else {
        return Page::Busy.into_response();
    };
    let binding = binding_cookie(&c.app, &started.browser_secret);
    let base = &c.app.config.cns.base_url;
    let to = format!("{base}/cns/login?state={}", started.relay_state);
    (
        StatusCode::SEE_OTHER,
        [(header::LOCATION, to), (header::SET_COOKIE, binding)],
    )
        .into_response()
}

/// On the login host: check the card, then back to the portal's host.
async fn check(
    State(c): State<Cns>,
    ClientCertificate(card): ClientCertificate,
    Query(p): Query<StateParam>,
) -> Response {
    let portal = &c.app.config.public_base_url;
    let esito = |code: &str| see_other(format!("{portal}/cns/esito?motivo={code}"));
    let (Some(verifier), Some(relay)) = (&c.verifier, relay(&p)) else {
        return esito("scaduto");
    };
    match cns_login::check_card(&c.app, verifier, relay, card.as_deref()).await {
        Ok(Checked::Accepted) => see_other(format!("{portal}/cns/complete?state={relay}")),
        Ok(Checked::Refused(r)) => esito(r.code()),
        Ok(Checked::Expired) => esito("scaduto"),
        Err(_) => esito("non-disponibile"),
    }
}

async fn complete(
    State(c): State<Cns>,
    browser: BrowserBinding,
    Query(p): Query<StateParam>,
) -> Response {
    let Some(relay) = relay(&p) else {
        return Page::Expired.into_response();
    };
    let app = &c.app;
    let secure = secure_cookies(app);
    let mut resp = match cns_login::complete(app, relay, browser.0.as_deref()).await {
        Ok(Completed::Done(Outcome::Session { token })) => (
            StatusCode::SEE_OTHER,
            [
                (header::LOCATION, "/famiglia.html".to_string()),
                (header::SET_COOKIE, sessions::cookie_header(&token, secure)),
            ],
        )
            .into_response(),
        Ok(Completed::Done(Outcome::NotInRegistry)) => Page::NotInRegistry {
            municipality: app.config.municipality.name.clone(),
        }
        .into_response(),
        Ok(Completed::Done(Outcome::Refused(_))) | Ok(Completed::OtherBrowser) => {
            Page::Rejected.into_response()
        }
        Ok(Completed::Expired) => Page::Expired.into_response(),
        Err(_) => Page::Busy.into_response(),
    };
    let site = if secure {
        "SameSite=Lax; Secure"
    } else {
        "SameSite=Lax"
    };
    let clear = login::expired(&login::binding_cookie("", "/cns/complete", site));
    if let Ok(v) = clear.parse() {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

async fn esito(Query(e): Query<Esito>) -> Page {
    match Refusal::from_code(&e.motivo) {
        Some(r) => Page::CardRefused(r),
        None if e.motivo == "non-disponibile" => Page::Busy,
        None => Page::Expired,
    }
}

/// The CNS routes, with the verifier made from the settings (none: the login is off).
pub fn router(app: AppState, verifier: Option<Arc<CnsVerifier>>) -> Router {
    Router::new()
        .route("/cns/start", get(start))
        .route("/cns/login", get(check))
        .route("/cns/complete", get(complete))
        .route("/cns/esito", get(esito))
        .with_state(Cns { app, verifier })
}
