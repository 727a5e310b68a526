//! The `autocert` function: autocertificazioni and atti notori pre-filled with the registry
//! data of a member of the citizen's household, to download or send by e-mail.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};

use shared::services::autocert::{self, Delivered, Request};
use shared::services::delivery::DeliveryBody;
use shared::web::{
    harden, health, requires_level, ApiResult, AppState, CurrentSession, JsonBody, PersonParam,
    Query,
};

async fn options(
    State(app): State<AppState>,
    me: CurrentSession,
    Query(p): Query<PersonParam>,
) -> ApiResult<impl IntoResponse> {
    let person = p.required()?;
    Ok(Json(autocert::options(&app, &me.session, &person).await?))
}

async fn build(
    State(app): State<AppState>,
    me: CurrentSession,
    JsonBody(body): JsonBody<DeliveryBody<Request>>,
) -> ApiResult<Response> {
    match autocert::build_and_deliver(&app, &me.session, &body.request, &body.delivery).await? {
        Delivered::Download(d) => {
            let disposition = format!("attachment; filename=\"{}\"", d.filename);
            let headers = [
                (header::CONTENT_TYPE, "application/pdf".to_string()),
                (header::CONTENT_DISPOSITION, disposition),
            ];
            Ok((headers, d.pdf).into_response())
        }
        Delivered::Emailed { to } => {
            let message = format!("La dichiarazione è stata inviata a {to}.");
            let body = serde_json::json!({ "email": to, "message": message });
            Ok((StatusCode::OK, Json(body)).into_response())
        }
    }
}

pub fn router(state: AppState) -> Router {
    let level = state.config.saml.level;
    let routes = Router::new()
        .route("/api/autocert/options", get(options))
        .route("/api/autocert", post(build))
        .with_state(state);
    harden(requires_level(routes, level).merge(health("/api/health/autocert", "autocert")))
}
