//! The `verify` function: public verification of certificates by QR link or by the manual
//! form, for six months from issue. No login; in the cloud it sits on a Function URL.
//! URLs are printed on certificates and must not change (see CONTRACT.md).

pub mod pages;

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRef, FromRequestParts, Path, State};
use axum::http::{header, request::Parts, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use tower_http::set_header::SetResponseHeaderLayer;

use shared::services::verify::{self, Outcome, SealStatus};
use shared::web::{harden, health, ApiResult, AppState, FormBody, Query};

/// The manual form's fields are a dozen characters each.
const FORM_LIMIT: usize = 4 * 1024;

const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The client's address, for the per-client limits. Behind CloudFront the request's source
/// is the edge, so the viewer's address comes from `CloudFront-Viewer-Address` — trusted only
/// when the request carries the secret origin header that only the distribution sets
/// (`ORIGIN_SECRET`, compared in constant time). Otherwise the Lambda request context
/// (Function URL / HTTP API) or the TCP peer; other forwarding headers are never trusted.
pub struct Client(pub String);

pub use shared::web::ORIGIN_HEADER;

fn viewer_address(parts: &Parts, secret: Option<&str>) -> Option<String> {
    if !shared::web::from_edge(parts, secret) {
        return None;
    }
    let viewer = parts
        .headers
        .get("cloudfront-viewer-address")?
        .to_str()
        .ok()?;
    // "198.51.100.10:46532" or "2001:db8::1:46532": the address without its port.
    viewer.rsplit_once(':').map(|(ip, _)| ip.to_string())
}

impl<S> FromRequestParts<S> for Client
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let app = AppState::from_ref(state);
        if let Some(viewer) = viewer_address(parts, app.config.origin_secret.as_deref()) {
            return Ok(Client(viewer));
        }
        #[allow(unreachable_patterns)]
        let from_lambda = parts
            .extensions
            .get::<lambda_http::request::RequestContext>()
            .and_then(|c| match c {
                lambda_http::request::RequestContext::ApiGatewayV2(c) => c.http.source_ip.clone(),
                _ => None,
            });
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip().to_string());
        Ok(Client(
            from_lambda.or(peer).unwrap_or_else(|| "sconosciuto".into()),
        ))
    }
}

#[derive(Deserialize)]
struct LinkParams {
    k: Option<String>,
    t: Option<String>,
}

#[derive(Deserialize)]
struct FormFields {
    #[serde(default)]
    codice: String,
    #[serde(default)]
    cognome: String,
    #[serde(default)]
    nome: String,
}

fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"))
}

fn status_of(outcome: &Outcome) -> StatusCode {
    match outcome {
        Outcome::Valid(_) => StatusCode::OK,
        Outcome::Expired(_) => StatusCode::GONE,
        Outcome::NotFound => StatusCode::NOT_FOUND,
        Outcome::Locked { .. } => StatusCode::TOO_MANY_REQUESTS,
    }
}

/// The answer to a verification, as a page or as JSON; `download` links the original.
async fn answer(
    app: &AppState,
    headers: &HeaderMap,
    outcome: Outcome,
    download: Option<String>,
) -> ApiResult<Response> {
    let seal: Option<SealStatus> = match &outcome {
        Outcome::Valid(r) => verify::seal_status(app, r).await?,
        _ => None,
    };
    let status = status_of(&outcome);
    let mut resp = if wants_json(headers) {
        let mut body = serde_json::to_value(outcome.answer()).unwrap_or_default();
        if let Some(s) = &seal {
            body["signature"] = serde_json::json!({"valid": s.valid, "description": s.description});
        }
        if let (Some(href), Outcome::Valid(_)) = (&download, &outcome) {
            body["download"] = serde_json::Value::String(href.clone());
        }
        (status, Json(body)).into_response()
    } else {
        (
            status,
            Html(pages::result(
                &ente(app),
                &outcome,
                seal.as_ref(),
                download.as_deref(),
            )),
        )
            .into_response()
    };
    if status == StatusCode::TOO_MANY_REQUESTS {
        let retry = (verify::LOCK_MINUTES * 60).to_string();
        if let Ok(v) = HeaderValue::from_str(&retry) {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
    }
    Ok(resp)
}

/// "Comune di …" and its coat of arms, as the pages carry them.
fn ente(app: &AppState) -> pages::Ente {
    pages::Ente {
        name: format!("Comune di {}", app.config.municipality.name),
        arms: app.arms.is_some(),
    }
}

/// The comune's coat of arms as configured (the PNG the documents print).
async fn arms(State(app): State<AppState>) -> Response {
    match &app.arms {
        Some(a) => (
            [
                (header::CONTENT_TYPE, "image/png"),
                (header::CACHE_CONTROL, "public, max-age=3600"),
            ],
            a.png.clone(),
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn form_page(State(app): State<AppState>) -> Html<String> {
    Html(pages::form(&ente(&app), None, ("", "", "")))
}

async fn submit(
    State(app): State<AppState>,
    client: Client,
    headers: HeaderMap,
    FormBody(f): FormBody<FormFields, FORM_LIMIT>,
) -> ApiResult<Response> {
    if f.codice.trim().is_empty() || f.cognome.trim().is_empty() || f.nome.trim().is_empty() {
        let msg = "Compila tutti i campi: ID del certificato o PIN, cognome e nome.";
        if wants_json(&headers) {
            return Ok((
                StatusCode::BAD_REQUEST,
                Json(serde_json::json!({"error": "invalid_request", "message": msg})),
            )
                .into_response());
        }
        return Ok((
            StatusCode::BAD_REQUEST,
            Html(pages::form(
                &ente(&app),
                Some(msg),
                (&f.codice, &f.cognome, &f.nome),
            )),
        )
            .into_response());
    }
    let outcome = verify::by_form(&app, &client.0, &f.codice, &f.cognome, &f.nome).await?;
    if matches!(outcome, Outcome::NotFound) && !wants_json(&headers) {
        // "Riprova" keeps what was typed: the form again, with the reason above it.
        let msg = "Nessun certificato corrisponde ai dati inseriti. Controlla l'ID o il PIN e il cognome e il nome della persona a cui il certificato si riferisce, così come sono stampati sul certificato. Dopo cinque tentativi errati la verifica manuale di un certificato viene sospesa per alcuni minuti.";
        let page = pages::form(&ente(&app), Some(msg), (&f.codice, &f.cognome, &f.nome));
        return Ok((StatusCode::NOT_FOUND, Html(page)).into_response());
    }
    let download = match &outcome {
        Outcome::Valid(r) => Some(format!(
            "/verifica/{}/originale?t={}",
            r.id,
            verify::download_token(&app, &r.id).await?
        )),
        _ => None,
    };
    answer(&app, &headers, outcome, download).await
}

async fn by_link(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(p): Query<LinkParams>,
) -> ApiResult<Response> {
    let k = p.k.unwrap_or_default();
    let outcome = verify::by_link(&app, &id, &k).await?;
    let download = match &outcome {
        Outcome::Valid(r) => Some(format!("/verifica/{}/originale?k={}", r.id, k.trim())),
        _ => None,
    };
    answer(&app, &headers, outcome, download).await
}

async fn original(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(p): Query<LinkParams>,
) -> ApiResult<Response> {
    let outcome = match (&p.k, &p.t) {
        (Some(k), _) => verify::by_link(&app, &id, k).await?,
        (None, Some(t)) => verify::by_token(&app, &id, t).await?,
        (None, None) => Outcome::NotFound,
    };
    let Outcome::Valid(r) = &outcome else {
        return answer(&app, &headers, outcome, None).await;
    };
    let Some(bytes) = verify::download(&app, r).await? else {
        return answer(&app, &headers, Outcome::NotFound, None).await;
    };
    let disposition = format!("attachment; filename=\"certificato-{}.pdf\"", r.id);
    let mut resp = (StatusCode::OK, bytes).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        pages::STYLESHEET,
    )
        .into_response()
}

pub fn router(state: AppState) -> Router {
    let pages = Router::new()
        .route("/verifica", get(form_page).post(submit))
        .route("/verifica/stile.css", get(stylesheet))
        .route("/verifica/stemma.png", get(arms))
        .route("/verifica/{id}", get(by_link))
        .route("/verifica/{id}/originale", get(original))
        .with_state(state)
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store, private"),
        ));
    harden(pages.merge(health("/api/health/verify", "verify")))
}

/// The verification form as hostile input: random and mutated bodies decoded as the route
/// decodes them, the fields normalised as the lookup does, and the page that echoes them.
#[cfg(test)]
mod hostile {
    use super::*;
    use proptest::test_runner::{Config, TestRunner};
    use shared::testkit::hostile::{cases, mutated};

    #[test]
    fn the_verification_form_never_panics_and_never_echoes_markup() {
        let seeds = [
            "codice=ABCD-EFGH-JKMN&cognome=Rossi&nome=Mario",
            "codice=0123456789&cognome=D%27Angelo&nome=Maria+Luisa",
            "codice=&cognome=%3Cscript%3E&nome=%C3%80ngela",
        ]
        .map(String::from)
        .to_vec();
        let ente = pages::Ente {
            name: "Comune di Valdemo".into(),
            arms: false,
        };
        let mut runner = TestRunner::new(Config {
            cases: cases(),
            failure_persistence: None,
            ..Config::default()
        });
        runner
            .run(&mutated(seeds), |body| {
                let Ok(f) = serde_urlencoded::from_bytes::<FormFields>(body.as_bytes()) else {
                    return Ok(());
                };
                let _ = verify::normalize_id(&f.codice);
                let _ = shared::domain::certificate::normalize_name(&f.cognome);
                let page = pages::form(&ente, Some("x"), (&f.codice, &f.cognome, &f.nome));
                // What was typed comes back only escaped: never as markup or out of its value.
                for typed in [&f.codice, &f.cognome, &f.nome] {
                    if typed.contains(['<', '"', '&']) {
                        let raw = format!("value=\"{typed}\"");
                        proptest::prop_assert!(!page.contains(&raw), "{typed:?} echoed raw");
                    }
                }
                Ok(())
            })
            .unwrap();
    }
}
