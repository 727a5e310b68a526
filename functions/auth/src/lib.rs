//! The `auth` function: the SAML 2.0 service provider of the portal for SPID, CIE and
//! regional identity providers (samael + the SPID checks of `checks`), sessions, logout and
//! "Mio account".

pub mod checks;
pub mod cli;
pub mod pages;
pub mod sp;

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Form, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Duration, Utc};
use samael::crypto::CertificateDer;
use samael::metadata::EntityDescriptor;
use samael::service_provider::ServiceProviderBuilder;
use serde::{Deserialize, Serialize};

use shared::config::IdpEntry;
use shared::domain::codice_fiscale::CodiceFiscale;
use shared::ports::{Condition, Item, StoreError};
use shared::services::{profile, registry, sessions};
use shared::web::{
    check_csrf, cookie, harden, health, json_body, ApiResult, AppState, CurrentSession,
};

use crate::sp::{Error, Sp, REDIRECT};

/// How long a login may take between the AuthnRequest and the Response.
const PENDING_MINUTES: i64 = 10;

/// A trusted identity provider, from its metadata.
pub struct Idp {
    pub entry: IdpEntry,
    pub entity_id: String,
    pub sso_redirect: String,
    pub certs: Vec<CertificateDer>,
}

/// The SP and the identity providers it trusts.
pub struct Saml {
    pub sp: Sp,
    pub idps: Vec<Idp>,
}

impl Saml {
    pub fn load(app: &AppState) -> Result<Saml, Error> {
        let sp = Sp::load(&app.config)?;
        let mut idps = Vec::new();
        for entry in &app.config.idps {
            let xml = std::fs::read_to_string(&entry.metadata)
                .map_err(|e| format!("{}: {e}", entry.metadata.display()))?;
            let md: EntityDescriptor = xml
                .parse()
                .map_err(|e| format!("{}: {e}", entry.metadata.display()))?;
            let entity_id = md.entity_id.clone().unwrap_or_default();
            let built = ServiceProviderBuilder::default()
                .entity_id(sp.entity_id.clone())
                .acs_url(sp.acs.clone())
                .idp_metadata(md)
                .build()
                .map_err(|e| format!("{}: {e}", entry.key))?;
            // Without signing certificates nothing could be verified: refuse the IdP.
            let certs = built
                .idp_signing_certs()
                .map_err(|e| e.to_string())?
                .filter(|c| !c.is_empty())
                .ok_or_else(|| format!("{}: no signing certificate in the metadata", entry.key))?;
            let sso_redirect = built
                .sso_binding_location(REDIRECT)
                .ok_or_else(|| format!("{}: no HTTP-Redirect SSO", entry.key))?;
            idps.push(Idp {
                entry: entry.clone(),
                entity_id,
                sso_redirect,
                certs,
            });
        }
        Ok(Saml { sp, idps })
    }

    fn idp(&self, key: &str) -> Option<&Idp> {
        self.idps.iter().find(|i| i.entry.key == key)
    }
}

#[derive(Clone)]
struct Ctx {
    app: AppState,
    saml: Arc<Saml>,
}

impl axum::extract::FromRef<Ctx> for AppState {
    fn from_ref(ctx: &Ctx) -> AppState {
        ctx.app.clone()
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct Pending {
    request_id: String,
    idp: String,
    level: u8,
    issued_at: DateTime<Utc>,
}

fn error_page(status: StatusCode, title: &str, message: &str) -> Response {
    (status, Html(pages::page(title, message))).into_response()
}

/// The page of a temporary failure of the store: nothing was decided, the citizen retries.
fn busy_page() -> Response {
    error_page(
        StatusCode::SERVICE_UNAVAILABLE,
        "Accesso non disponibile",
        "Il servizio non è momentaneamente disponibile: riprova tra qualche minuto.",
    )
}

fn random_token() -> String {
    use rand::RngCore;
    let mut b = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

fn secure_cookies(app: &AppState) -> bool {
    !app.config.public_base_url.starts_with("http://")
}

async fn metadata(State(ctx): State<Ctx>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "application/samlmetadata+xml; charset=utf-8",
        )],
        ctx.saml.sp.metadata.clone(),
    )
        .into_response()
}

#[derive(Deserialize)]
struct LoginParams {
    idp: Option<String>,
    level: Option<String>,
}

async fn login(State(ctx): State<Ctx>, Query(p): Query<LoginParams>) -> Response {
    let Some(idp) = p.idp.as_deref().and_then(|k| ctx.saml.idp(k)) else {
        return error_page(
            StatusCode::BAD_REQUEST,
            "Gestore dell'identità sconosciuto",
            "Scegli il tuo gestore dell'identità digitale dall'elenco della pagina di accesso.",
        );
    };
    let level = match p.level.as_deref().map(str::parse::<u8>) {
        None => ctx.app.config.saml.level,
        Some(Ok(l)) if (1..=3).contains(&l) => l,
        Some(_) => {
            return error_page(
                StatusCode::BAD_REQUEST,
                "Livello di sicurezza non valido",
                "Il livello di sicurezza SPID deve essere 1, 2 o 3.",
            )
        }
    };
    // CIE always authenticates at level 3.
    let level = if idp.entry.kind == "cie" { 3 } else { level };
    let now = ctx.app.clock.now();
    let request_id = format!("_{}", uuid::Uuid::new_v4());
    let req = ctx
        .saml
        .sp
        .authn_request(&request_id, now, &idp.sso_redirect, level);
    // RelayState is an opaque key of the pending request kept server side: the IdP's
    // cross-site POST back carries no SameSite cookie.
    let relay = random_token();
    let pending = Pending {
        request_id,
        idp: idp.entry.key.clone(),
        level,
        issued_at: now,
    };
    let item = match serde_json::to_vec(&pending) {
        Ok(data) => Item::new(format!("SAMLREQ#{relay}"), "A", data)
            .expiring(now + Duration::minutes(PENDING_MINUTES)),
        Err(_) => {
            return error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Accesso non disponibile",
                "Riprova tra qualche minuto.",
            )
        }
    };
    if ctx.app.store.put(item, Condition::IfAbsent).await.is_err() {
        return busy_page();
    }
    match req.signed_redirect(&relay, &ctx.saml.sp.keys.key) {
        Ok(Some(url)) => (StatusCode::FOUND, [(header::LOCATION, url.to_string())]).into_response(),
        _ => error_page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Accesso non disponibile",
            "Non è stato possibile preparare la richiesta di accesso.",
        ),
    }
}

#[derive(Deserialize)]
struct AcsForm {
    #[serde(rename = "SAMLResponse")]
    saml_response: Option<String>,
    #[serde(rename = "RelayState")]
    relay_state: Option<String>,
}

fn rejected(reason: &str) -> Response {
    tracing::warn!(reason, "SAML response rejected");
    error_page(
        StatusCode::FORBIDDEN,
        "Accesso non riuscito",
        "La risposta del gestore dell'identità non è valida o è scaduta. Riprova ad accedere.",
    )
}

async fn acs(State(ctx): State<Ctx>, Form(f): Form<AcsForm>) -> Response {
    let app = &ctx.app;
    let (Some(b64), Some(relay)) = (f.saml_response, f.relay_state) else {
        return error_page(
            StatusCode::BAD_REQUEST,
            "Richiesta non valida",
            "Mancano i dati della risposta del gestore dell'identità.",
        );
    };
    let pk = format!("SAMLREQ#{}", relay.trim());
    let pending: Option<Pending> = match registry::get_json(app.store.as_ref(), &pk, "A").await {
        Ok(p) => p,
        Err(_) => return busy_page(),
    };
    let Some(pending) = pending else {
        return error_page(StatusCode::BAD_REQUEST, "Richiesta di accesso scaduta", "La richiesta di accesso è scaduta o non è stata avviata da questo portale. Torna alla pagina di accesso e riprova.");
    };
    let Some(idp) = ctx.saml.idp(&pending.idp) else {
        return rejected("unknown idp");
    };
    // A non-Success status (SPID error codes) comes unsigned: read it only to choose the message.
    if let Some(xml) = base64_xml(&b64) {
        if let Some((_, message)) = checks::status_message(&xml) {
            let _ = app.store.delete(&pk, "A").await;
            return error_page(
                StatusCode::FORBIDDEN,
                "Accesso non completato",
                pages::spid_error(message.as_deref()),
            );
        }
    }
    let expected = checks::Expected {
        request_id: &pending.request_id,
        request_instant: pending.issued_at,
        level: pending.level,
        sp_entity_id: &ctx.saml.sp.entity_id,
        acs: &ctx.saml.sp.acs,
        idp_entity_id: &idp.entity_id,
        now: app.clock.now(),
    };
    let verified = match checks::verify(&b64, &idp.certs, &expected) {
        Ok(v) => v,
        Err(reason) => return rejected(&reason),
    };
    // One use per request and per assertion, until the assertion expires.
    let until = verified.not_on_or_after.max(app.clock.now()) + Duration::minutes(5);
    let once = vec![
        (
            Item::new(
                format!("SAMLASSERTION#{}", verified.assertion_id),
                "A",
                b"{}".to_vec(),
            )
            .expiring(until),
            Condition::IfAbsent,
        ),
        (
            Item::new(
                format!("SAMLUSED#{}", pending.request_id),
                "A",
                b"{}".to_vec(),
            )
            .expiring(until),
            Condition::IfAbsent,
        ),
    ];
    match app.store.transact(once).await {
        Ok(()) => {}
        Err(StoreError::ConditionFailed) => return rejected("replayed assertion or request"),
        Err(_) => return busy_page(),
    }
    let _ = app.store.delete(&pk, "A").await;
    enroll(app, &idp.entry.key, &verified).await
}

fn base64_xml(b64: &str) -> Option<String> {
    use base64::{engine::general_purpose::STANDARD as B64, Engine as _};
    String::from_utf8(B64.decode(b64.trim().replace(['\r', '\n'], "")).ok()?).ok()
}

/// First access: a citizen found in the registry gets a session; anyone else a clear page.
async fn enroll(app: &AppState, idp: &str, v: &checks::Verified) -> Response {
    let raw = v
        .attributes
        .get("fiscalNumber")
        .map(String::as_str)
        .unwrap_or("");
    let cf = raw.strip_prefix("TINIT-").unwrap_or(raw);
    let Ok(cf) = CodiceFiscale::parse(cf) else {
        return rejected("fiscalNumber missing or invalid");
    };
    let store = app.store.as_ref();
    let person = match registry::person(store, cf.as_str()).await {
        Ok(p) => p,
        Err(_) => return busy_page(),
    };
    let Some(person) = person else {
        return (
            StatusCode::OK,
            Html(pages::page(
                "Non risulti iscritto nell'anagrafe",
                &format!("Ti sei identificato correttamente, ma il tuo codice fiscale non risulta nell'anagrafe del Comune di {}. I servizi online sono riservati ai residenti e agli iscritti AIRE del Comune: per informazioni rivolgiti all'Ufficio Anagrafe.", app.config.municipality.name),
            )),
        )
            .into_response();
    };
    let profile = match profile::enroll(
        store,
        cf.as_str(),
        v.attributes.get("email").map(String::as_str),
        v.attributes.get("digitalAddress").map(String::as_str),
    )
    .await
    {
        Ok(p) => p,
        Err(_) => return busy_page(),
    };
    let identity = sessions::Identity {
        codice_fiscale: person.codice_fiscale.clone(),
        cognome: person.cognome.clone(),
        nome: person.nome.clone(),
        email: profile.email.clone(),
        idp: idp.to_string(),
        level: v.level,
    };
    let operator = app
        .config
        .operators
        .iter()
        .any(|o| o == &person.codice_fiscale);
    let Ok((token, _)) = sessions::create(store, app.clock.as_ref(), identity, operator).await
    else {
        return busy_page();
    };
    let _ = shared::services::audit::record(
        store,
        app.clock.as_ref(),
        &person.codice_fiscale,
        vec![person.codice_fiscale.clone()],
        "login",
    )
    .await;
    (
        StatusCode::SEE_OTHER,
        [
            (header::LOCATION, "/famiglia.html".to_string()),
            (
                header::SET_COOKIE,
                sessions::cookie_header(&token, secure_cookies(app)),
            ),
        ],
    )
        .into_response()
}

async fn logout(State(ctx): State<Ctx>, headers: HeaderMap) -> Response {
    let mut parts = axum::http::Request::new(());
    *parts.headers_mut() = headers;
    let (parts, _) = parts.into_parts();
    if let Some(token) = cookie(&parts, sessions::COOKIE) {
        let _ = sessions::end(ctx.app.store.as_ref(), token).await;
    }
    (
        StatusCode::SEE_OTHER,
        [
            (header::LOCATION, "/".to_string()),
            (
                header::SET_COOKIE,
                sessions::clear_cookie_header(secure_cookies(&ctx.app)),
            ),
        ],
    )
        .into_response()
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
}

async fn me(State(ctx): State<Ctx>, me: CurrentSession) -> ApiResult<Json<Me>> {
    let s = &me.session;
    let p = profile::get(ctx.app.store.as_ref(), &s.identity.codice_fiscale)
        .await?
        .unwrap_or_default();
    Ok(Json(Me {
        codice_fiscale: s.identity.codice_fiscale.clone(),
        cognome: s.identity.cognome.clone(),
        nome: s.identity.nome.clone(),
        email: p.email,
        pec: p.pec,
        csrf_token: s.csrf_token.clone(),
        operator: s.operator,
        idp: s.identity.idp.clone(),
        level: s.identity.level,
    }))
}

#[derive(Deserialize)]
struct ProfileBody {
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    pec: Option<String>,
}

async fn update_me(
    State(ctx): State<Ctx>,
    me: CurrentSession,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<profile::Profile>> {
    check_csrf(&headers, &me)?;
    let b: ProfileBody = json_body(&body)?;
    let store = ctx.app.store.as_ref();
    let p = profile::update(
        store,
        &me.session.identity.codice_fiscale,
        b.email.as_deref(),
        b.pec.as_deref(),
    )
    .await?;
    let mut session = me.session.clone();
    session.identity.email = p.email.clone();
    sessions::save(store, &me.token, &session).await?;
    Ok(Json(p))
}

#[derive(Serialize)]
struct IdpView {
    key: String,
    name: String,
    kind: String,
    logo: Option<String>,
    login: String,
}

async fn idps(State(ctx): State<Ctx>) -> Json<HashMap<&'static str, Vec<IdpView>>> {
    let list = ctx
        .saml
        .idps
        .iter()
        .map(|i| IdpView {
            key: i.entry.key.clone(),
            name: i.entry.name.clone(),
            kind: i.entry.kind.clone(),
            logo: i.entry.logo.clone(),
            login: format!("/saml/login?idp={}", i.entry.key),
        })
        .collect();
    Json(HashMap::from([("idps", list)]))
}

/// Public facts the pages show before login: the municipality and its welcome message.
async fn portal(State(ctx): State<Ctx>) -> Json<serde_json::Value> {
    let c = &ctx.app.config;
    Json(serde_json::json!({
        "municipality": c.municipality.name,
        "province": c.municipality.province,
        "welcome_message": c.welcome_message,
    }))
}

async fn unavailable() -> Response {
    error_page(StatusCode::SERVICE_UNAVAILABLE, "Accesso non disponibile", "L'accesso con SPID e CIE non è configurato correttamente: l'amministratore del servizio è stato avvisato.")
}

pub fn router(state: AppState) -> Router {
    let saml = match Saml::load(&state) {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "SAML configuration unusable");
            return harden(
                Router::new()
                    .route("/saml/{*rest}", axum::routing::any(unavailable))
                    .merge(health("/api/health/auth", "auth")),
            );
        }
    };
    let ctx = Ctx {
        app: state,
        saml: Arc::new(saml),
    };
    harden(
        Router::new()
            .route("/saml/metadata", get(metadata))
            .route("/saml/login", get(login))
            .route("/saml/acs", axum::routing::post(acs))
            .route("/saml/logout", get(logout).post(logout))
            .route("/api/me", get(me).put(update_me))
            .route("/api/auth/idps", get(idps))
            .route("/api/portal", get(portal))
            .with_state(ctx)
            .merge(health("/api/health/auth", "auth")),
    )
}
