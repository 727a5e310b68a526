//! The `applications` function: online applications (istanze). Citizens under
//! `/api/istanze` (catalogue, drafts, attachments, submission, following, answering,
//! withdrawing); operators under `/api/operatore/istanze` (queue, reading, taking in
//! charge, actions, internal notes); the fee's payment under `/api/istanze/{id}/payment`.

mod desk;
mod payment;

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use shared::services::applications::views::{ApplicationView, ServiceSummary};
use shared::services::applications::{citizen, drafts, record, Application};
use shared::services::errors::NotFound;
use shared::web::{
    harden, health, requires_level, ApiResult, AppState, CurrentSession, JsonBody, Query, RawBody,
};

/// The largest upload the route reads; each field's own limit (at most 4 MB) is checked
/// by the use case, with the field's name in the refusal.
const UPLOAD_LIMIT: usize = 5 * 1024 * 1024;

pub(crate) fn view(app: &AppState, a: &Application) -> ApiResult<Value> {
    let service = record::service(app, &a.service)?;
    Ok(
        serde_json::to_value(ApplicationView::of(a, service, app.clock.today(), false))
            .unwrap_or_default(),
    )
}

/// A stored file as a download.
pub(crate) fn file_response((name, content_type, bytes): (String, String, Vec<u8>)) -> Response {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let headers = [
        (header::CONTENT_TYPE, content_type),
        (
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{ascii}\""),
        ),
        (header::CACHE_CONTROL, "private, no-store".to_string()),
    ];
    (headers, bytes).into_response()
}

async fn services(State(app): State<AppState>, _me: CurrentSession) -> Json<Value> {
    let list: Vec<ServiceSummary> = app
        .services
        .services
        .iter()
        .map(ServiceSummary::of)
        .collect();
    Json(json!({ "services": list }))
}

async fn service(
    State(app): State<AppState>,
    _me: CurrentSession,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let s = app.services.get(&id).ok_or(NotFound::Service)?;
    let mut v = serde_json::to_value(ServiceSummary::of(s)).unwrap_or_default();
    v["steps"] = serde_json::to_value(&s.steps).unwrap_or_default();
    Ok(Json(v))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Start {
    service: String,
}

async fn start(
    State(app): State<AppState>,
    me: CurrentSession,
    JsonBody(b): JsonBody<Start>,
) -> ApiResult<Response> {
    let a = drafts::start(&app, &me.session, &b.service).await?;
    Ok((StatusCode::CREATED, Json(view(&app, &a)?)).into_response())
}

async fn list(State(app): State<AppState>, me: CurrentSession) -> ApiResult<Json<Value>> {
    Ok(Json(
        json!({ "applications": citizen::list(&app, &me.session).await? }),
    ))
}

async fn read(
    State(app): State<AppState>,
    me: CurrentSession,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let a = record::load_own(&app, me.codice_fiscale(), &id).await?;
    Ok(Json(view(&app, &a)?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Save {
    data: Map<String, Value>,
}

async fn save(
    State(app): State<AppState>,
    me: CurrentSession,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<Save>,
) -> ApiResult<Json<Value>> {
    let (a, problems) = drafts::save(&app, &me.session, &id, b.data).await?;
    let mut v = view(&app, &a)?;
    v["problems"] = serde_json::to_value(problems).unwrap_or_default();
    Ok(Json(v))
}

async fn delete(
    State(app): State<AppState>,
    me: CurrentSession,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    drafts::delete(&app, &me.session, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UploadParams {
    field: String,
    #[serde(default)]
    name: String,
}

async fn attach(
    State(app): State<AppState>,
    me: CurrentSession,
    Path(id): Path<String>,
    Query(p): Query<UploadParams>,
    RawBody(bytes): RawBody<UPLOAD_LIMIT>,
) -> ApiResult<Response> {
    let upload = drafts::Upload {
        field: &p.field,
        name: &p.name,
        bytes: &bytes,
    };
    let file = drafts::attach(&app, &me.session, &id, upload).await?;
    let body = json!({ "attachment": shared::services::applications::views::FileView::of(&file) });
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

async fn own_file(
    State(app): State<AppState>,
    me: CurrentSession,
    Path((id, file)): Path<(String, String)>,
) -> ApiResult<Response> {
    let a = record::load_own(&app, me.codice_fiscale(), &id).await?;
    Ok(file_response(citizen::file(&app, &a, &file).await?))
}

async fn detach(
    State(app): State<AppState>,
    me: CurrentSession,
    Path((id, file)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    drafts::detach(&app, &me.session, &id, &file).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn submit(
    State(app): State<AppState>,
    me: CurrentSession,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let (a, checkout_url) = citizen::submit(&app, &me.session, &id).await?;
    let mut v = view(&app, &a)?;
    if let Some(url) = checkout_url {
        v["checkout_url"] = Value::from(url);
    }
    Ok(Json(v))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Withdraw {
    #[serde(default)]
    reason: String,
}

async fn withdraw(
    State(app): State<AppState>,
    me: CurrentSession,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<Withdraw>,
) -> ApiResult<Json<Value>> {
    let a = citizen::withdraw(&app, &me.session, &id, &b.reason).await?;
    Ok(Json(view(&app, &a)?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Answer {
    text: String,
    #[serde(default)]
    attachments: Vec<String>,
}

async fn answer(
    State(app): State<AppState>,
    me: CurrentSession,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<Answer>,
) -> ApiResult<Json<Value>> {
    let a = citizen::answer(&app, &me.session, &id, &b.text, &b.attachments).await?;
    Ok(Json(view(&app, &a)?))
}

pub fn router(state: AppState) -> Router {
    let level = state.config.saml.level;
    let routes = Router::new()
        .route("/api/istanze/servizi", get(services))
        .route("/api/istanze/servizi/{id}", get(service))
        .route("/api/istanze", get(list).post(start))
        .route("/api/istanze/{id}", get(read).put(save).delete(delete))
        .route("/api/istanze/{id}/allegati", post(attach))
        .route(
            "/api/istanze/{id}/allegati/{file}",
            get(own_file).delete(detach),
        )
        .route("/api/istanze/{id}/documenti/{file}", get(own_file))
        .route("/api/istanze/{id}/invia", post(submit))
        .route("/api/istanze/{id}/ritira", post(withdraw))
        .route("/api/istanze/{id}/risposta", post(answer))
        .merge(desk::routes())
        .merge(payment::routes())
        .with_state(state);
    harden(requires_level(routes, level).merge(health("/api/health/applications", "applications")))
}
