//! The `certificates` function: catalogue, preview, issue and delivery, "I miei
//! certificati", and the operators' certificazione libera.

pub mod cli;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::NaiveDate;
use serde::Deserialize;

use shared::domain::certificate::Libera;
use shared::services::certificates::{self, Issued, Request};
use shared::services::ServiceError;
use shared::web::{
    check_csrf, harden, health, invalid, json_body, ApiResult, AppState, CurrentSession, Delivery,
    DeliveryBody, PersonParam,
};

type IssueBody = DeliveryBody<Request>;

#[derive(Deserialize)]
struct Generalita {
    cognome: String,
    nome: String,
    data_nascita: String,
    #[serde(default)]
    luogo_nascita: String,
}

#[derive(Deserialize)]
struct Documento {
    tipo: String,
    numero: String,
    ente: String,
}

/// `POST /api/operator/certificates`: certificazione libera.
#[derive(Deserialize)]
struct LiberaBody {
    #[serde(flatten)]
    issue: IssueBody,
    #[serde(default)]
    generalita: Option<Generalita>,
    motivo: String,
    richiedente: String,
    documento: Documento,
}

async fn catalog(
    State(app): State<AppState>,
    me: CurrentSession,
    Query(p): Query<PersonParam>,
) -> ApiResult<impl IntoResponse> {
    let person = p.required()?;
    Ok(Json(
        certificates::catalog_for(&app, &me.session, &person, false).await?,
    ))
}

async fn operator_catalog(
    State(app): State<AppState>,
    me: CurrentSession,
    Query(p): Query<PersonParam>,
) -> ApiResult<impl IntoResponse> {
    let person = p.required()?;
    Ok(Json(
        certificates::catalog_for(&app, &me.session, &person, true).await?,
    ))
}

fn pdf_response(status: StatusCode, issued: &Issued, disposition: &str) -> Response {
    let mut resp = (status, issued.pdf.clone()).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{disposition}; filename=\"{}\"",
        issued.filename()
    )) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    if let Ok(v) = HeaderValue::from_str(&issued.record.id) {
        h.insert("x-certificate-id", v);
    }
    resp
}

fn idempotency_key(headers: &HeaderMap) -> ApiResult<Option<String>> {
    match headers
        .get("idempotency-key")
        .map(|v| v.to_str().map(str::trim))
    {
        None => Ok(None),
        Some(Ok(k))
            if !k.is_empty() && k.len() <= 128 && k.bytes().all(|b| b.is_ascii_graphic()) =>
        {
            Ok(Some(k.to_string()))
        }
        Some(_) => Err(invalid(
            "invalid_idempotency_key",
            "Intestazione Idempotency-Key non valida (massimo 128 caratteri stampabili).",
        )),
    }
}

async fn deliver(
    app: &AppState,
    me: &CurrentSession,
    issued: Issued,
    body: &IssueBody,
) -> ApiResult<Response> {
    match body.delivery {
        Delivery::Download => Ok(pdf_response(StatusCode::CREATED, &issued, "attachment")),
        Delivery::Email => {
            let to = body.recipient(me)?;
            match certificates::send_by_email(app, &issued, &to, body.cc.as_deref(), body.message.as_deref()).await {
                Ok(()) => Ok((
                    StatusCode::CREATED,
                    [("x-certificate-id", issued.record.id.clone())],
                    Json(serde_json::json!({
                        "id": issued.record.id,
                        "email": to.trim(),
                        "message": format!("Il certificato {} è stato inviato a {}.", issued.record.id, to.trim()),
                    })),
                )
                    .into_response()),
                Err(ServiceError::Store(_)) => Err(ServiceError::Conflict {
                    code: "mail_failed",
                    message: format!(
                        "Il certificato {} è stato emesso ma l'invio per e-mail non è riuscito. Riprova: non sarà usata un'altra marca da bollo, oppure scaricalo da «I miei certificati».",
                        issued.record.id
                    ),
                }
                .into()),
                Err(e) => Err(e.into()),
            }
        }
    }
}

async fn issue(
    State(app): State<AppState>,
    me: CurrentSession,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    check_csrf(&headers, &me)?;
    let body: IssueBody = json_body(&body)?;
    let key = idempotency_key(&headers)?;
    let issued =
        certificates::issue(&app, &me.session, &body.request, key.as_deref(), None).await?;
    deliver(&app, &me, issued, &body).await
}

async fn issue_libera(
    State(app): State<AppState>,
    me: CurrentSession,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    check_csrf(&headers, &me)?;
    if !me.session.operator {
        return Err(ServiceError::Forbidden(
            "La certificazione libera è riservata agli operatori dell'Ufficio Anagrafe.".into(),
        )
        .into());
    }
    let mut body: LiberaBody = json_body(&body)?;
    if body.issue.request.person.trim().is_empty() {
        let g = body.generalita.as_ref().ok_or_else(|| {
            invalid(
                "person_required",
                "Indica il codice fiscale oppure le generalità complete della persona.",
            )
        })?;
        let born = NaiveDate::parse_from_str(g.data_nascita.trim(), "%Y-%m-%d").map_err(|_| {
            invalid(
                "invalid_date",
                "Data di nascita non valida: usa il formato AAAA-MM-GG.",
            )
        })?;
        body.issue.request.person = certificates::find_person(
            &app,
            &me.session,
            &g.cognome,
            &g.nome,
            born,
            &g.luogo_nascita,
        )
        .await?;
    }
    let libera = Libera {
        motivo: body.motivo.clone(),
        richiedente: body.richiedente.clone(),
        documento_tipo: body.documento.tipo.clone(),
        documento_numero: body.documento.numero.clone(),
        documento_ente: body.documento.ente.clone(),
    };
    let key = idempotency_key(&headers)?;
    let issued = certificates::issue(
        &app,
        &me.session,
        &body.issue.request,
        key.as_deref(),
        Some(libera),
    )
    .await?;
    deliver(&app, &me, issued, &body.issue).await
}

async fn preview(
    State(app): State<AppState>,
    me: CurrentSession,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    check_csrf(&headers, &me)?;
    let body: IssueBody = json_body(&body)?;
    let pdf = certificates::preview(&app, &me.session, &body.request).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf"),
            (
                header::CONTENT_DISPOSITION,
                "inline; filename=\"anteprima.pdf\"",
            ),
        ],
        pdf,
    )
        .into_response())
}

async fn mine(State(app): State<AppState>, me: CurrentSession) -> ApiResult<impl IntoResponse> {
    Ok(Json(
        serde_json::json!({ "certificates": certificates::mine(&app, &me.session).await? }),
    ))
}

async fn download(
    State(app): State<AppState>,
    me: CurrentSession,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let issued = certificates::download(&app, &me.session, &id).await?;
    Ok(pdf_response(StatusCode::OK, &issued, "attachment"))
}

pub fn router(state: AppState) -> Router {
    harden(
        Router::new()
            .route("/api/certificates/catalog", get(catalog))
            .route("/api/certificates", post(issue))
            .route("/api/certificates/preview", post(preview))
            .route("/api/certificates/mine", get(mine))
            .route("/api/certificates/{id}/pdf", get(download))
            .route("/api/operator/catalog", get(operator_catalog))
            .route("/api/operator/certificates", post(issue_libera))
            .with_state(state)
            .merge(health("/api/health/certificates", "certificates")),
    )
}
