//! The `import` function: loads the municipality's registry export (JSON Lines, see
//! `shared::services::import`). As a Lambda it takes the export in the body of
//! `POST /api/import` from an operator; as a CLI it reads a file.

use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};

use shared::services::import::{import, ImportReport};
use shared::services::ServiceError;
use shared::web::{harden, health, ApiResult, AppState, CurrentSession};

pub mod cli;

async fn post_import(
    State(app): State<AppState>,
    me: CurrentSession,
    body: Bytes,
) -> ApiResult<Json<ImportReport>> {
    if !me.session.operator {
        return Err(ServiceError::Forbidden(
            "L'importazione dell'anagrafe è riservata agli operatori del Comune.".into(),
        )
        .into());
    }
    let report = import(app.store.as_ref(), body.as_ref()).await?;
    Ok(Json(report))
}

pub fn router(state: AppState) -> Router {
    harden(
        Router::new()
            .route("/api/import", post(post_import))
            .with_state(state)
            .merge(health("/api/health/import", "import")),
    )
}
