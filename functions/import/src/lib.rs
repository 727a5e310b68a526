//! The `import` function: loads the municipality's registry export (JSON Lines, see
//! `shared::services::import`). As a Lambda it takes the export in the body of
//! `POST /api/import` from an operator; as a CLI it reads a file. The schedule invokes it
//! after midnight to seal the day before's audit chains (`POST /internal/audit/seal`), which
//! the CLI does on demand (`cli`).

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};

use shared::services::audit::seal;
use shared::services::import::{import, ImportReport};
use shared::web::{
    harden, health, requires_level, ApiResult, AppState, Operator, RawBody, Scheduled,
};

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

/// Seals yesterday's (UTC) audit chains; sealing again keeps the first seal.
async fn seal_yesterday(
    State(app): State<AppState>,
    _: Scheduled,
) -> ApiResult<Json<seal::Manifest>> {
    let day = (app.clock.now() - chrono::Duration::days(1)).date_naive();
    let sealed = seal::seal_day(&app, day).await?;
    let manifest =
        serde_json::from_str(&sealed.manifest).map_err(shared::services::ServiceError::from)?;
    Ok(Json(manifest))
}

pub fn router(state: AppState) -> Router {
    let level = state.config.saml.level;
    let scheduled = Router::new()
        .route("/internal/audit/seal", post(seal_yesterday))
        .with_state(state.clone());
    let routes = Router::new()
        .route("/api/import", post(post_import))
        .with_state(state);
    harden(
        requires_level(routes, level)
            .merge(scheduled)
            .merge(health("/api/health/import", "import")),
    )
}
