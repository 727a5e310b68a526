//! The demo identity provider of the local runner (never deployed): a real SAML IdP with its
//! own key and metadata, trusted only by the local portal. It shows the demo citizens and
//! answers the SP's AuthnRequest with a SPID-shaped Response whose Assertion it signs, posted
//! back to the ACS: the login goes through every check a real IdP's answer goes through.

use std::io::Read;
use std::sync::Arc;

use axum::extract::{Form, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use base64::{engine::general_purpose::STANDARD as B64, Engine as _};
use chrono::Duration;
use openssl::pkey::{PKey, Private};
use samael::crypto::{Crypto, CryptoProvider};
use samael::schema::AuthnRequest;
use serde::Deserialize;

use shared::config::IdpEntry;
use shared::domain::person::PosizioneAnagrafica;
use shared::services::import::Record;
use shared::services::registry;
use shared::web::AppState;

use crate::demo_response::esc;
pub use crate::demo_response::ResponseSpec;

pub const KEY: &str = "demo";
/// The demo IdP playing the CIE identity provider (the Ministry's, federated separately).
pub const CIE_KEY: &str = "demo-cie";

/// Which identity provider the demo plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    Spid,
    Cie,
}

pub struct DemoIdp {
    base: String,
    entity_id: String,
    /// As the CIE IdP: its entityID is its SSO URL.
    cie_entity_id: String,
    sp_entity_id: String,
    cie_sp_entity_id: String,
    acs: String,
    key: PKey<Private>,
}

impl DemoIdp {
    fn entity(&self, p: Profile) -> &str {
        match p {
            Profile::Spid => &self.entity_id,
            Profile::Cie => &self.cie_entity_id,
        }
    }

    fn sp_entity(&self, p: Profile) -> &str {
        match p {
            Profile::Spid => &self.sp_entity_id,
            Profile::Cie => &self.cie_sp_entity_id,
        }
    }

    fn sso(&self, p: Profile) -> String {
        match p {
            Profile::Spid => format!("{}/sso", self.base),
            Profile::Cie => format!("{}/cie/sso", self.base),
        }
    }
}

/// The signed metadata of the demo IdP as `entity_id`, answering at `sso`.
fn signed_metadata(keys: &auth::sp::Keys, entity_id: &str, sso: &str) -> anyhow::Result<String> {
    let id = format!("_{}", uuid::Uuid::new_v4());
    let cert = B64.encode(keys.cert.to_der()?);
    let (eid, sso) = (esc(entity_id), esc(sso));
    let xml = format!(
        r##"<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="{eid}" ID="{id}">
<ds:Signature><ds:SignedInfo><ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/><ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/><ds:Reference URI="#{id}"><ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/><ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue/></ds:Reference></ds:SignedInfo><ds:SignatureValue/><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></ds:Signature>
<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol" WantAuthnRequestsSigned="true">
<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
<md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:transient</md:NameIDFormat>
<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="{sso}"/>
<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="{sso}"/>
</md:IDPSSODescriptor>
</md:EntityDescriptor>"##
    );
    Crypto::sign_xml(xml, &keys.key.private_key_to_der()?)
        .map_err(|e| anyhow::anyhow!("demo IdP metadata: {e}"))
}

/// Creates (first start) or loads the demo IdP's key, writes its signed metadata under
/// `DATA_DIR/demo-idp/`, and adds it to the identity providers the portal trusts.
pub fn install(mut state: AppState) -> anyhow::Result<(AppState, Arc<DemoIdp>)> {
    let config = state.config.as_ref();
    let base = format!("{}/demo-idp", config.public_base_url);
    let entity_id = format!("{base}/metadata");
    let dir = config.data_dir.join("demo-idp");
    let keys = auth::sp::load_or_create(
        &dir.join("idp-key.pem"),
        &dir.join("idp-cert.pem"),
        (&entity_id, "IdP demo di Anagrafe online", "Valdemo", "demo"),
    )
    .map_err(|e| anyhow::anyhow!("demo IdP key: {e}"))?;
    let idp = DemoIdp {
        cie_entity_id: format!("{base}/cie/sso"),
        base,
        entity_id,
        sp_entity_id: format!("{}/saml/metadata", config.public_base_url),
        cie_sp_entity_id: format!("{}/saml/cie/metadata", config.public_base_url),
        acs: format!("{}/saml/acs", config.public_base_url),
        key: keys.key.clone(),
    };
    let mut entries = Vec::new();
    for (profile, key, name, kind, file) in [
        (
            Profile::Spid,
            KEY,
            "IdP demo (solo ambiente locale)",
            shared::config::IdpKind::Demo,
            "metadata.xml",
        ),
        (
            Profile::Cie,
            CIE_KEY,
            "CIE demo (solo ambiente locale)",
            shared::config::IdpKind::Cie,
            "cie-metadata.xml",
        ),
    ] {
        let path = dir.join(file);
        std::fs::write(
            &path,
            signed_metadata(&keys, idp.entity(profile), &idp.sso(profile))?,
        )?;
        entries.push(IdpEntry {
            key: key.into(),
            name: name.into(),
            kind,
            metadata: path,
            logo: None,
        });
    }
    let idp = Arc::new(idp);
    let mut config = config.clone();
    config.idps.retain(|i| i.key != KEY && i.key != CIE_KEY);
    config.idps.extend(entries);
    state.config = Arc::new(config);
    Ok((state, idp))
}

#[derive(Clone)]
struct Ctx {
    app: AppState,
    idp: Arc<DemoIdp>,
}

#[derive(Deserialize)]
struct SsoParams {
    #[serde(rename = "SAMLRequest")]
    saml_request: Option<String>,
    #[serde(rename = "RelayState")]
    relay_state: Option<String>,
}

fn bad(message: &str) -> Response {
    (StatusCode::BAD_REQUEST, Html(format!("<!doctype html><html lang=\"it\"><head><meta charset=\"utf-8\"><title>IdP demo</title></head><body><h1>Richiesta non valida</h1><p>{}</p></body></html>", esc(message)))).into_response()
}

/// Decodes an AuthnRequest of the HTTP-Redirect (deflated) or HTTP-POST binding, within
/// the bounds of a request: at most `SAML_REQUEST.max_bytes` inflated, then scanned.
fn decode_request(b64: &str) -> Option<AuthnRequest> {
    let limit = shared::xml::SAML_REQUEST.max_bytes;
    let compact: String = b64.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    if compact.len() > limit * 4 / 3 + 4 {
        return None;
    }
    let raw = B64.decode(compact).ok()?;
    let mut inflated = Vec::new();
    let xml = match flate2::read::DeflateDecoder::new(raw.as_slice())
        .take(limit as u64 + 1)
        .read_to_end(&mut inflated)
    {
        Ok(n) if n > limit => return None,
        Ok(_) => String::from_utf8(inflated).ok()?,
        Err(_) => String::from_utf8(raw).ok()?,
    };
    shared::xml::scan(&xml, &shared::xml::SAML_REQUEST).ok()?;
    xml.parse().ok()
}

async fn sso(ctx: Ctx, profile: Profile, params: SsoParams) -> Response {
    let Some(req) = params.saml_request.as_deref().and_then(decode_request) else {
        return bad("AuthnRequest mancante o illeggibile.");
    };
    if req.issuer.as_ref().and_then(|i| i.value.as_deref()) != Some(ctx.idp.sp_entity(profile)) {
        return bad(
            "Il service provider che ha inviato la richiesta non è registrato presso questo IdP.",
        );
    }
    // CIE: every request forces a new authentication, always at level 3.
    if profile == Profile::Cie && req.force_authn != Some(true) {
        return bad("Le richieste di autenticazione CIE devono avere ForceAuthn.");
    }
    let asked = req
        .requested_authn_context
        .as_ref()
        .and_then(|c| c.authn_context_class_refs.as_ref())
        .and_then(|r| r.first())
        .and_then(|r| r.value.as_deref())
        .and_then(|v| v.strip_prefix("https://www.spid.gov.it/SpidL"))
        .and_then(|l| l.parse::<u8>().ok())
        .unwrap_or(1);
    let level = if profile == Profile::Cie { 3 } else { asked };
    let profile_name = if profile == Profile::Cie {
        "cie"
    } else {
        "spid"
    };
    let relay = params.relay_state.unwrap_or_default();
    // The demo citizens: living residents of the demo export.
    let export = std::fs::read_to_string(ctx.app.config.data_dir.join("demo-export.jsonl"))
        .unwrap_or_default();
    let today = shared::ports::Clock::today(ctx.app.clock.as_ref());
    let mut options = String::new();
    for line in export.lines() {
        let Ok(Record::Persona(p)) = serde_json::from_str::<Record>(line) else {
            continue;
        };
        if p.posizione_at(today) != Some(PosizioneAnagrafica::Residente)
            || p.nascita.data > today - chrono::Months::new(12 * 18)
        {
            continue;
        }
        options.push_str(&format!(
            "<li><label><input type=\"radio\" name=\"fiscalNumber\" value=\"{cf}\" required> {c} {n} <small>({cf})</small></label></li>\n",
            cf = esc(&p.codice_fiscale),
            c = esc(&p.cognome),
            n = esc(&p.nome)
        ));
        if options.matches("<li>").count() >= 40 {
            break;
        }
    }
    Html(format!(
        r##"<!doctype html>
<html lang="it"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>IdP demo – Accesso</title>
<link rel="stylesheet" href="/verifica/stile.css"></head>
<body><header class="testata"><div class="wrap"><p class="ente">IdP demo</p><p class="servizio">Identità di prova per l'ambiente locale: non è SPID</p></div></header>
<main class="wrap"><h1>Scegli un cittadino della popolazione demo</h1>
<p>Livello di autenticazione richiesto: SpidL{level}.</p>
<form method="post" action="{base}/login" class="modulo">
<input type="hidden" name="request_id" value="{id}"><input type="hidden" name="relay_state" value="{relay}"><input type="hidden" name="level" value="{level}"><input type="hidden" name="profile" value="{profile_name}">
<ul class="cittadini">
{options}</ul>
<button type="submit">Accedi</button>
</form></main></body></html>"##,
        base = esc(&ctx.idp.base),
        id = esc(&req.id),
        relay = esc(&relay),
    ))
    .into_response()
}

async fn sso_get(State(ctx): State<Ctx>, Query(p): Query<SsoParams>) -> Response {
    sso(ctx, Profile::Spid, p).await
}

async fn sso_post(State(ctx): State<Ctx>, Form(p): Form<SsoParams>) -> Response {
    sso(ctx, Profile::Spid, p).await
}

async fn cie_sso_get(State(ctx): State<Ctx>, Query(p): Query<SsoParams>) -> Response {
    sso(ctx, Profile::Cie, p).await
}

async fn cie_sso_post(State(ctx): State<Ctx>, Form(p): Form<SsoParams>) -> Response {
    sso(ctx, Profile::Cie, p).await
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(rename = "fiscalNumber")]
    fiscal_number: String,
    request_id: String,
    relay_state: String,
    level: u8,
    #[serde(default = "spid")]
    profile: Profile,
}

fn spid() -> Profile {
    Profile::Spid
}

async fn login(State(ctx): State<Ctx>, Form(f): Form<LoginForm>) -> Response {
    let person = match registry::person(ctx.app.store.as_ref(), f.fiscal_number.trim()).await {
        Ok(Some(p)) => p,
        _ => return bad("Il codice fiscale indicato non è un cittadino della popolazione demo."),
    };
    let idp = &ctx.idp;
    let now = ctx.app.clock.now();
    let cie = f.profile == Profile::Cie;
    let mut attributes = vec![
        (
            "fiscalNumber".into(),
            format!("TINIT-{}", person.codice_fiscale),
        ),
        ("name".into(), person.nome.clone()),
        ("familyName".into(), person.cognome.clone()),
        ("dateOfBirth".into(), person.nascita.data.to_string()),
    ];
    // CIE gives only the minimum data set; the demo SPID identity also has an e-mail.
    if !cie {
        let email = format!(
            "{}.{}@example.org",
            person.nome.to_lowercase().replace(' ', ""),
            person.cognome.to_lowercase().replace([' ', '\''], "")
        );
        attributes.push(("email".into(), email));
    }
    let spec = ResponseSpec {
        idp: idp.entity(f.profile).to_string(),
        sp: idp.sp_entity(f.profile).to_string(),
        acs: idp.acs.clone(),
        in_response_to: f.request_id.clone(),
        issued: now,
        not_before: now,
        until: now + Duration::minutes(5),
        // The CIE IdP always answers at SpidL3, with a Response Issuer without Format.
        level: if cie { 3 } else { f.level.clamp(1, 3) },
        response_issuer_format: !cie,
        attributes,
    };
    let signed = match idp
        .key
        .private_key_to_der()
        .map_err(|e| e.to_string())
        .and_then(|der| spec.signed(&der))
    {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "demo IdP could not sign");
            return (StatusCode::INTERNAL_SERVER_ERROR, "firma non riuscita").into_response();
        }
    };
    let saml_response = B64.encode(signed.as_bytes());
    (
        [(header::CACHE_CONTROL, "no-store")],
        Html(format!(
            r##"<!doctype html>
<html lang="it"><head><meta charset="utf-8"><title>IdP demo – Reindirizzamento</title></head>
<body>
<form method="post" action="{acs}" id="risposta">
<input type="hidden" name="SAMLResponse" value="{saml_response}">
<input type="hidden" name="RelayState" value="{relay}">
<noscript><button type="submit">Continua verso il portale</button></noscript>
</form><script src="/demo-idp/invio.js"></script></body></html>"##,
            relay = esc(&f.relay_state),
            acs = esc(&idp.acs),
        )),
    )
        .into_response()
}

async fn metadata(State(ctx): State<Ctx>) -> Response {
    let path = ctx.app.config.data_dir.join("demo-idp/metadata.xml");
    match std::fs::read_to_string(path) {
        Ok(xml) => (
            [(
                header::CONTENT_TYPE,
                "application/samlmetadata+xml; charset=utf-8",
            )],
            xml,
        )
            .into_response(),
        Err(_) => (StatusCode::NOT_FOUND, "metadata non disponibili").into_response(),
    }
}

/// Submits the Response form as soon as the page loads (a file: no inline script).
async fn submit_script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        "document.getElementById('risposta').submit();\n",
    )
        .into_response()
}

pub fn router(app: AppState, idp: Arc<DemoIdp>) -> Router {
    Router::new()
        .route("/demo-idp/invio.js", get(submit_script))
        .route("/demo-idp/metadata", get(metadata))
        .route("/demo-idp/sso", get(sso_get).post(sso_post))
        .route("/demo-idp/cie/sso", get(cie_sso_get).post(cie_sso_post))
        .route("/demo-idp/login", post(login))
        .with_state(Ctx { app, idp })
}
