//! The fee of an application paid through pagoPA: where the payment stands, a new checkout,
//! the citizen's cancellation at the checkout, the payment notice. Same shape as a
//! certificate's payment, so the return page serves both.

use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};

use shared::services::applications::fee;
use shared::services::payments::PaymentView;
use shared::web::{ApiResult, AppState, CurrentSession};

/// `GET /api/istanze/{id}/payment`: where the fee's payment stands (a paid application is
/// presented by this very reading).
async fn payment(
    State(app): State<AppState>,
    me: CurrentSession,
    Path(id): Path<String>,
) -> ApiResult<Json<PaymentView>> {
    Ok(Json(fee::payment(&app, &me.session, &id).await?))
}

/// `POST /api/istanze/{id}/payment`: a new checkout.
async fn pay(
    State(app): State<AppState>,
    me: CurrentSession,
    Path(id): Path<String>,
) -> ApiResult<Json<PaymentView>> {
    Ok(Json(fee::pay(&app, &me.session, &id).await?))
}

/// `POST /api/istanze/{id}/payment/cancel`: the citizen gave up at the checkout.
async fn cancel(
    State(app): State<AppState>,
    me: CurrentSession,
    Path(id): Path<String>,
) -> ApiResult<Json<PaymentView>> {
    Ok(Json(fee::cancel(&app, &me.session, &id).await?))
}

/// `GET /api/istanze/{id}/payment/avviso`: the payment notice as a PDF.
async fn notice(
    State(app): State<AppState>,
    me: CurrentSession,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let pdf = fee::notice_pdf(&app, &me.session, &id).await?;
    let file = ("avviso-pagamento.pdf".into(), "application/pdf".into(), pdf);
    Ok(super::file_response(file))
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/istanze/{id}/payment", get(payment).post(pay))
        .route("/api/istanze/{id}/payment/cancel", post(cancel))
        .route("/api/istanze/{id}/payment/avviso", get(notice))
}
