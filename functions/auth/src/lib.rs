//! The `auth` function: the SAML 2.0 service provider of the portal for SPID, CIE and
//! regional identity providers (samael + the SPID checks of `checks`), sessions, logout and
//! "Mio account". The login use case is `shared::services::login`; this file keeps the
//! routes, the SAML protocol and the pages.

pub mod checks;
pub mod cli;
pub mod cns;
pub mod lockdown;
pub mod pages;
pub mod saml;
pub mod shape;
pub mod sp;

use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use shared::config::IdpKind;
use shared::services::login::{self, Lookup, Outcome};
use shared::services::{profile, sessions};
use shared::web::{
    cookie, harden, health, requires_level, ApiError, ApiResult, AppState, CurrentSession,
    FormBody, FormSession, JsonBody, Query,
};

pub use pages::Page;
pub use saml::Saml;

#[derive(Clone)]
struct Ctx {
    app: AppState,
    saml: Arc<Saml>,
    /// The CNS login is configured (its button is shown).
    cns_login: bool,
}

impl axum::extract::FromRef<Ctx> for AppState {
    fn from_ref(ctx: &Ctx) -> AppState {
        ctx.app.clone()
    }
}

pub(crate) fn secure_cookies(app: &AppState) -> bool {
    !app.config.public_base_url.starts_with("http://")
}

fn metadata_response(xml: &str) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "application/samlmetadata+xml; charset=utf-8",
        )],
        xml.to_string(),
    )
        .into_response()
}

/// The SPID metadata (the entity registered with AgID).
async fn metadata(State(ctx): State<Ctx>) -> Response {
    metadata_response(&ctx.saml.sp.metadata)
}

/// The CIE metadata (the entity federated on the Ministry's portal).
async fn cie_metadata(State(ctx): State<Ctx>) -> Response {
    metadata_response(&ctx.saml.sp.cie_metadata)
}

#[derive(Deserialize)]
struct LoginParams {
    idp: Option<String>,
    level: Option<String>,
}

async fn login(State(ctx): State<Ctx>, Query(p): Query<LoginParams>) -> Result<Response, Page> {
    let idp = p
        .idp
        .as_deref()
        .and_then(|k| ctx.saml.idp(k))
        .ok_or(Page::UnknownIdp)?;
    let asked = match p.level.as_deref().map(str::parse::<u8>) {
        None => None,
        Some(Ok(l)) if (1..=3).contains(&l) => Some(l),
        Some(_) => return Err(Page::BadLevel),
    };
    // CIE always authenticates at level 3; a level asked can only raise the configured one.
    let asked = if idp.entry.kind == IdpKind::Cie {
        Some(3)
    } else {
        asked
    };
    let started = login::start(&ctx.app, &idp.entry.key, asked)
        .await
        .map_err(|_| Page::Busy)?;
    let url = ctx
        .saml
        .redirect(idp, &started.pending, &started.relay_state)
        .ok_or(Page::RequestFailed)?;
    let cookie = login::browser_cookie(&started.browser_secret, secure_cookies(&ctx.app));
    Ok((
        StatusCode::FOUND,
        [(header::LOCATION, url), (header::SET_COOKIE, cookie)],
    )
        .into_response())
}

#[derive(Deserialize)]
struct AcsForm {
    #[serde(rename = "SAMLResponse")]
    saml_response: Option<String>,
    #[serde(rename = "RelayState")]
    relay_state: Option<String>,
}

fn rejected(reason: &str) -> Page {
    tracing::warn!(reason, "SAML response rejected");
    Page::Rejected
}

async fn acs(
    State(ctx): State<Ctx>,
    browser: BrowserBinding,
    form: Result<FormBody<AcsForm, { saml::ACS_LIMIT }>, ApiError>,
) -> Response {
    let Ok(FormBody(f)) = form else {
        return Page::MissingAnswer.into_response();
    };
    let (Some(b64), Some(relay)) = (f.saml_response, f.relay_state) else {
        return Page::MissingAnswer.into_response();
    };
    let mut resp = match answer(&ctx, &b64, &relay, browser.0.as_deref()).await {
        Ok(r) | Err(r) => r,
    };
    if let Ok(v) = login::clear_browser_cookie(secure_cookies(&ctx.app)).parse() {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

/// The browser-binding cookie of the login, if the browser sent it.
pub(crate) struct BrowserBinding(pub(crate) Option<String>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for BrowserBinding {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(BrowserBinding(
            cookie(parts, login::BROWSER_COOKIE).map(str::to_string),
        ))
    }
}

/// The outcome of an answer of the identity provider to a pending login.
async fn answer(
    ctx: &Ctx,
    b64: &str,
    relay: &str,
    browser: Option<&str>,
) -> Result<Response, Response> {
    let app = &ctx.app;
    let busy = |_| Page::Busy.into_response();
    let pending = match login::pending(app, relay, browser).await.map_err(busy)? {
        Lookup::Pending(p) => p,
        Lookup::Missing => return Err(Page::Expired.into_response()),
        Lookup::OtherBrowser => {
            return Err(rejected("login started in another browser").into_response())
        }
    };
    let asserted = match ctx.saml.verify(&pending, b64, app.clock.now()).await {
        Ok(saml::Answer::Asserted(a)) => a,
        Ok(saml::Answer::IdpError { message, signed }) => {
            login::count(app, &pending.idp, "idp_error");
            if signed {
                login::cancel(app, relay).await.map_err(busy)?;
            }
            return Err(Page::IdpError(message).into_response());
        }
        Err(reason) => {
            login::count(app, &pending.idp, "rejected");
            return Err(rejected(&reason).into_response());
        }
    };
    match login::complete(app, relay, &pending, &asserted)
        .await
        .map_err(busy)?
    {
        Outcome::Session { token } => Ok((
            StatusCode::SEE_OTHER,
            [
                (header::LOCATION, "/famiglia.html".to_string()),
                (
                    header::SET_COOKIE,
                    sessions::cookie_header(&token, secure_cookies(app)),
                ),
            ],
        )
            .into_response()),
        Outcome::NotInRegistry => Err(Page::NotInRegistry {
            municipality: app.config.municipality.name.clone(),
        }
        .into_response()),
        Outcome::Refused(why) => Err(rejected(&format!("{why:?}")).into_response()),
    }
}

/// `GET /saml/logout`: the page with the logout button (a GET never ends a session).
async fn logout_page(me: Option<CurrentSession>) -> Page {
    match me {
        Some(me) => Page::Logout {
            csrf_token: me.session.csrf_token,
        },
        None => Page::NotLoggedIn,
    }
}

#[derive(Deserialize)]
struct NoFields {}

/// `POST /saml/logout` with the CSRF token (header or form field): ends the session and
/// shows "Sei uscito dal portale".
async fn logout(
    State(ctx): State<Ctx>,
    FormSession(me, _): FormSession<NoFields>,
) -> ApiResult<Response> {
    if let Some(me) = me {
        sessions::end(&ctx.app, &me.token).await?;
    }
    Ok((
        StatusCode::SEE_OTHER,
        [
            (header::LOCATION, "/uscito.html".to_string()),
            (
                header::SET_COOKIE,
                sessions::clear_cookie_header(secure_cookies(&ctx.app)),
            ),
        ],
    )
        .into_response())
}

#[derive(Serialize)]
struct Me {
    codice_fiscale: String,
    cognome: String,
    nome: String,
    email: Option<String>,
    pec: Option<String>,
    csrf_token: String,
    operator: bool,
    idp: String,
    level: u8,
    notify_operator_access: bool,
}

async fn me(State(ctx): State<Ctx>, me: CurrentSession) -> ApiResult<Json<Me>> {
    let s = me.session;
    let p = profile::get(&ctx.app, &s.identity.codice_fiscale)
        .await?
        .unwrap_or_default();
    Ok(Json(Me {
        codice_fiscale: s.identity.codice_fiscale,
        cognome: s.identity.cognome,
        nome: s.identity.nome,
        email: p.email,
        pec: p.pec,
        csrf_token: s.csrf_token,
        operator: s.operator,
        idp: s.identity.idp,
        level: s.identity.level,
        notify_operator_access: p.notify_operator_access,
    }))
}

#[derive(Deserialize)]
struct ProfileBody {
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    pec: Option<String>,
    #[serde(default)]
    notify_operator_access: Option<bool>,
}

async fn update_me(
    State(ctx): State<Ctx>,
    me: CurrentSession,
    JsonBody(b): JsonBody<ProfileBody>,
) -> ApiResult<Json<profile::Profile>> {
    let cf = &me.session.identity.codice_fiscale;
    let p = profile::update(
        &ctx.app,
        cf,
        b.email.as_deref(),
        b.pec.as_deref(),
        b.notify_operator_access,
    )
    .await?;
    let mut session = me.session.clone();
    session.identity.email = p.email.clone();
    sessions::save(&ctx.app, &me.token, &session).await?;
    Ok(Json(p))
}

#[derive(Serialize)]
struct IdpView {
    key: String,
    name: String,
    kind: IdpKind,
    logo: Option<String>,
    login: String,
}

async fn idps(State(ctx): State<Ctx>) -> Json<serde_json::Value> {
    let list: Vec<IdpView> = ctx
        .saml
        .idps
        .iter()
        .map(|i| IdpView {
            key: i.entry.key.clone(),
            name: i.entry.name.clone(),
            kind: i.entry.kind,
            logo: i.entry.logo.clone(),
            login: format!("/saml/login?idp={}", i.entry.key),
        })
        .collect();
    let cns = ctx.cns_login.then_some("/cns/start");
    Json(serde_json::json!({ "idps": list, "cns": cns }))
}

/// Public facts the pages show before login: the municipality and its welcome message.
async fn portal(State(ctx): State<Ctx>) -> Json<serde_json::Value> {
    let c = &ctx.app.config;
    Json(serde_json::json!({
        "municipality": c.municipality.name,
        "province": c.municipality.province,
        "welcome_message": c.welcome_message,
        "accessibility_url": c.accessibility_url,
        "privacy": {"dpo": c.privacy.dpo, "retention": c.privacy.retention},
    }))
}

async fn unavailable() -> Page {
    Page::Unavailable
}

pub fn router(state: AppState) -> Router {
    let saml = match Saml::load(&state) {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "SAML configuration unusable");
            return harden(
                Router::new()
                    .route("/saml/{*rest}", axum::routing::any(unavailable))
                    .merge(cns::router(state.clone(), cns::verifier(&state)))
                    .merge(health("/api/health/auth", "auth")),
            );
        }
    };
    let level = state.config.saml.level;
    let verifier = cns::verifier(&state);
    let ctx = Ctx {
        cns_login: verifier.is_some(),
        app: state.clone(),
        saml: Arc::new(saml),
    };
    let cns_routes = cns::router(state, verifier);
    let account = Router::new()
        .route("/api/me", get(me).put(update_me))
        .with_state(ctx.clone());
    harden(
        Router::new()
            .route("/saml/metadata", get(metadata))
            .route("/saml/cie/metadata", get(cie_metadata))
            .route("/saml/login", get(login))
            .route("/saml/acs", axum::routing::post(acs))
            .route("/saml/logout", get(logout_page).post(logout))
            .route("/api/auth/idps", get(idps))
            .route("/api/portal", get(portal))
            .with_state(ctx)
            .merge(requires_level(account, level))
            .merge(cns_routes)
            .merge(health("/api/health/auth", "auth")),
    )
}
