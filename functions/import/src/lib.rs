//! The `import` function: loads the municipality's registry export (JSON Lines, see
//! `shared::services::import`). As a Lambda it takes the export in the body of
//! `POST /api/import` from an operator; as a CLI it reads a file.

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};

use shared::services::import::{import, ImportReport};
use shared::web::{harden, health, requires_level, ApiResult, AppState, Operator, RawBody};

pub mod cli;

/// The largest export accepted over HTTP (Lambda's synchronous payload is 6 MB); larger
/// registries are loaded with the command line.
pub const BODY_LIMIT: usize = 5 * 1024 * 1024;

async fn post_import(
    State(app): State<AppState>,
    _operator: Operator,
    RawBody(body): RawBody<BODY_LIMIT>,
) -> ApiResult<Json<ImportReport>> {
    Ok(Json(import(&app, body.as_ref()).await?))
}

pub fn router(state: AppState) -> Router {
    let level = state.config.saml.level;
    let routes = Router::new()
        .route("/api/import", post(post_import))
        .with_state(state);
    harden(requires_level(routes, level).merge(health("/api/health/import", "import")))
}
