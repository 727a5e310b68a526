//! The operators' routes under `/api/operatore/istanze`.

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use shared::services::applications::desk::{self, Filter};
use shared::services::applications::views::DeskView;
use shared::services::applications::{record, Application};
use shared::web::{ApiResult, AppState, JsonBody, Operator, Query};

fn desk_view(app: &AppState, a: &Application) -> ApiResult<Json<Value>> {
    let service = record::service(app, &a.service)?;
    Ok(Json(
        serde_json::to_value(DeskView::of(a, service, app.clock.today())).unwrap_or_default(),
    ))
}

async fn queue(
    State(app): State<AppState>,
    Operator(op): Operator,
    Query(f): Query<Filter>,
) -> ApiResult<Json<Value>> {
    Ok(Json(
        json!({ "applications": desk::queue(&app, &op.session, &f).await? }),
    ))
}

async fn read(
    State(app): State<AppState>,
    Operator(op): Operator,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let a = desk::read(&app, &op.session, &id).await?;
    desk_view(&app, &a)
}

async fn file(
    State(app): State<AppState>,
    Operator(op): Operator,
    Path((id, f)): Path<(String, String)>,
) -> ApiResult<axum::response::Response> {
    Ok(super::file_response(
        desk::file(&app, &op.session, &id, &f).await?,
    ))
}

async fn take(
    State(app): State<AppState>,
    Operator(op): Operator,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let a = desk::take(&app, &op.session, &id).await?;
    desk_view(&app, &a)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Act {
    action: String,
    #[serde(default)]
    reason: String,
}

async fn act(
    State(app): State<AppState>,
    Operator(op): Operator,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<Act>,
) -> ApiResult<Json<Value>> {
    let a = desk::act(&app, &op.session, &id, &b.action, &b.reason).await?;
    desk_view(&app, &a)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NoteBody {
    text: String,
}

async fn note(
    State(app): State<AppState>,
    Operator(op): Operator,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<NoteBody>,
) -> ApiResult<Json<Value>> {
    let a = desk::note(&app, &op.session, &id, &b.text).await?;
    desk_view(&app, &a)
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/operatore/istanze", get(queue))
        .route("/api/operatore/istanze/{id}", get(read))
        .route("/api/operatore/istanze/{id}/allegati/{file}", get(file))
        .route("/api/operatore/istanze/{id}/documenti/{file}", get(file))
        .route("/api/operatore/istanze/{id}/prendi", post(take))
        .route("/api/operatore/istanze/{id}/azioni", post(act))
        .route("/api/operatore/istanze/{id}/note", post(note))
}
