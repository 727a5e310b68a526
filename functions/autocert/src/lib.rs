//! The `autocert` function: autocertificazioni and atti notori pre-filled with the registry
//! data of a member of the citizen's household, to download or send by e-mail.

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};

use shared::services::autocert::{self, Request};
use shared::services::ServiceError;
use shared::web::{
    check_csrf, harden, health, json_body, ApiResult, AppState, CurrentSession, Delivery,
    DeliveryBody, PersonParam,
};

type Body = DeliveryBody<Request>;

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
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    check_csrf(&headers, &me)?;
    let body: Body = json_body(&body)?;
    let d = autocert::build(&app, &me.session, &body.request).await?;
    if body.delivery == Delivery::Download {
        let disposition = format!("attachment; filename=\"{}\"", d.filename);
        return Ok((
            [
                (header::CONTENT_TYPE, "application/pdf".to_string()),
                (header::CONTENT_DISPOSITION, disposition),
            ],
            d.pdf,
        )
            .into_response());
    }
    let to = body.recipient(&me)?;
    match autocert::send(&app, &d, &to, body.cc.as_deref(), body.message.as_deref()).await {
        Ok(to) => Ok((
            StatusCode::OK,
            Json(serde_json::json!({ "email": to, "message": format!("La dichiarazione è stata inviata a {to}.") })),
        )
            .into_response()),
        Err(ServiceError::Store(_)) => Err(ServiceError::Conflict {
            code: "mail_failed",
            message: "L'invio per e-mail non è riuscito: riprova o scarica la dichiarazione.".into(),
        }
        .into()),
        Err(e) => Err(e.into()),
    }
}

pub fn router(state: AppState) -> Router {
    harden(
        Router::new()
            .route("/api/autocert/options", get(options))
            .route("/api/autocert", post(build))
            .with_state(state)
            .merge(health("/api/health/autocert", "autocert")),
    )
}
