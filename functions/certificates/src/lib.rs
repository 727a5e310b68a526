//! The `certificates` function: catalogue, preview, issue and delivery, "I miei
//! certificati", and the operators' certificazione libera.

pub mod cli;

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::NaiveDate;
use serde::Deserialize;

use shared::domain::certificate::{Channel, Libera};
use shared::services::access::Scope;
use shared::services::certificates::{
    self, Delivered, IssueOutcome, Issued, Order, PaymentView, Request,
};
use shared::services::delivery::DeliveryBody;
use shared::services::errors::Invalid;
use shared::web::{
    harden, health, requires_level, ApiResult, AppState, CurrentSession, JsonBody, Operator,
    PersonParam, Query, Scheduled,
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
    let view = certificates::catalog_for(&app, &me.session, &person, Scope::Household).await?;
    Ok(Json(view))
}

async fn operator_catalog(
    State(app): State<AppState>,
    Operator(me): Operator,
    Query(p): Query<PersonParam>,
) -> ApiResult<Response> {
    // Without a person, the whole catalogue for the operator's form.
    let Some(person) = p.given() else {
        return Ok(Json(certificates::full_catalog(&app)).into_response());
    };
    let view = certificates::catalog_for(&app, &me.session, &person, Scope::Registry).await?;
    Ok(Json(view).into_response())
}

fn pdf_response(status: StatusCode, issued: &Issued) -> Response {
    let mut resp = (status, issued.pdf.clone()).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{}\"", issued.filename()))
    {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    if let Ok(v) = HeaderValue::from_str(&issued.record.id) {
        h.insert("x-certificate-id", v);
    }
    if issued.outcome == IssueOutcome::AlreadyIssued {
        h.insert("x-certificate-reissued", HeaderValue::from_static("true"));
    }
    resp
}

fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, Invalid> {
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
        Some(_) => Err(Invalid::IdempotencyKey),
    }
}

/// The answer of an issue: the PDF, or what was sent to whom.
fn delivered(d: Delivered) -> Response {
    match d {
        Delivered::Download(issued) => pdf_response(StatusCode::CREATED, &issued),
        Delivered::Emailed { issued, to } => {
            let id = issued.record.id.clone();
            let message = match issued.outcome {
                IssueOutcome::New => format!("Il certificato {id} è stato inviato a {to}."),
                IssueOutcome::AlreadyIssued => format!("Il certificato {id} era già stato rilasciato per questa richiesta: è stato inviato di nuovo a {to}."),
            };
            let body = serde_json::json!({ "id": id, "email": to, "message": message });
            (StatusCode::CREATED, [("x-certificate-id", id)], Json(body)).into_response()
        }
        Delivered::AwaitingPayment(view) => {
            let id = view.id.clone();
            (StatusCode::ACCEPTED, [("x-certificate-id", id)], Json(view)).into_response()
        }
    }
}

async fn issue(
    State(app): State<AppState>,
    me: CurrentSession,
    headers: HeaderMap,
    JsonBody(body): JsonBody<IssueBody>,
) -> ApiResult<Response> {
    let key = idempotency_key(&headers)?;
    let order = Order {
        request: &body.request,
        channel: Channel::Citizen,
        delivery: &body.delivery,
        idempotency_key: key.as_deref(),
    };
    Ok(delivered(
        certificates::issue_and_deliver(&app, &me.session, order).await?,
    ))
}

async fn issue_libera(
    State(app): State<AppState>,
    Operator(me): Operator,
    headers: HeaderMap,
    JsonBody(mut body): JsonBody<LiberaBody>,
) -> ApiResult<Response> {
    if body.issue.request.person.trim().is_empty() {
        let g = body
            .generalita
            .as_ref()
            .ok_or(Invalid::PersonOrGeneralita)?;
        let born = NaiveDate::parse_from_str(g.data_nascita.trim(), "%Y-%m-%d")
            .map_err(|_| Invalid::BirthDate)?;
        let person = certificates::find_person(
            &app,
            &me.session,
            &g.cognome,
            &g.nome,
            born,
            &g.luogo_nascita,
        )
        .await?;
        body.issue.request.person = person;
    }
    let libera = Libera {
        motivo: body.motivo,
        richiedente: body.richiedente,
        documento_tipo: body.documento.tipo,
        documento_numero: body.documento.numero,
        documento_ente: body.documento.ente,
    };
    let key = idempotency_key(&headers)?;
    let order = Order {
        request: &body.issue.request,
        channel: Channel::Operator(libera),
        delivery: &body.issue.delivery,
        idempotency_key: key.as_deref(),
    };
    Ok(delivered(
        certificates::issue_and_deliver(&app, &me.session, order).await?,
    ))
}

async fn preview(
    State(app): State<AppState>,
    me: CurrentSession,
    JsonBody(body): JsonBody<IssueBody>,
) -> ApiResult<Response> {
    let pdf = certificates::preview(&app, &me.session, &body.request).await?;
    let headers = [
        (header::CONTENT_TYPE, "application/pdf"),
        (
            header::CONTENT_DISPOSITION,
            "inline; filename=\"anteprima.pdf\"",
        ),
    ];
    Ok((headers, pdf).into_response())
}

async fn mine(State(app): State<AppState>, me: CurrentSession) -> ApiResult<impl IntoResponse> {
    let list = certificates::mine(&app, &me.session).await?;
    Ok(Json(serde_json::json!({ "certificates": list })))
}

async fn download(
    State(app): State<AppState>,
    me: CurrentSession,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let issued = certificates::download(&app, &me.session, &id).await?;
    Ok(pdf_response(StatusCode::OK, &issued))
}

/// `GET /api/certificates/{id}/payment`: where the payment stands (a paid certificate is
/// released by this very reading).
async fn payment(
    State(app): State<AppState>,
    me: CurrentSession,
    Path(id): Path<String>,
) -> ApiResult<Json<PaymentView>> {
    Ok(Json(certificates::payment(&app, &me.session, &id).await?))
}

/// `POST /api/certificates/{id}/payment`: a new checkout.
async fn pay(
    State(app): State<AppState>,
    me: CurrentSession,
    Path(id): Path<String>,
) -> ApiResult<Json<PaymentView>> {
    Ok(Json(certificates::pay(&app, &me.session, &id).await?))
}

/// `POST /api/certificates/{id}/payment/cancel`: the citizen gave up at the checkout.
async fn cancel_payment(
    State(app): State<AppState>,
    me: CurrentSession,
    Path(id): Path<String>,
) -> ApiResult<Json<PaymentView>> {
    Ok(Json(
        certificates::cancel_payment(&app, &me.session, &id).await?,
    ))
}

/// `GET /api/certificates/{id}/payment/avviso`: the payment notice as a PDF.
async fn payment_notice(
    State(app): State<AppState>,
    me: CurrentSession,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let pdf = certificates::notice_pdf(&app, &me.session, &id).await?;
    let headers = [
        (header::CONTENT_TYPE, "application/pdf"),
        (
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"avviso-pagamento.pdf\"",
        ),
    ];
    Ok((headers, pdf).into_response())
}

/// `POST /internal/archive/sweep`, by the scheduler: removes the archived originals of
/// attempts a crash left without a record.
async fn sweep(
    State(app): State<AppState>,
    _: Scheduled,
) -> ApiResult<Json<shared::services::certificates::intent::Swept>> {
    Ok(Json(
        shared::services::certificates::intent::sweep(&app).await?,
    ))
}

/// `POST /internal/payments/reconcile`, by the scheduler: completes what was paid, closes
/// what was cancelled or is past due.
async fn reconcile(
    State(app): State<AppState>,
    _: Scheduled,
) -> ApiResult<Json<shared::services::payments::Reconciled>> {
    Ok(Json(shared::services::payments::reconcile(&app).await?))
}

pub fn router(state: AppState) -> Router {
    let level = state.config.saml.level;
    let routes = Router::new()
        .route("/api/certificates/catalog", get(catalog))
        .route("/api/certificates", post(issue))
        .route("/api/certificates/preview", post(preview))
        .route("/api/certificates/mine", get(mine))
        .route("/api/certificates/{id}/pdf", get(download))
        .route("/api/operator/catalog", get(operator_catalog))
        .route("/api/operator/certificates", post(issue_libera))
        .route("/api/certificates/{id}/payment", get(payment).post(pay))
        .route(
            "/api/certificates/{id}/payment/cancel",
            post(cancel_payment),
        )
        .route("/api/certificates/{id}/payment/avviso", get(payment_notice))
        .with_state(state.clone());
    let scheduled = Router::new()
        .route("/internal/payments/reconcile", post(reconcile))
        .route("/internal/archive/sweep", post(sweep))
        .with_state(state);
    harden(
        requires_level(routes, level)
            .merge(scheduled)
            .merge(health("/api/health/certificates", "certificates")),
    )
}
