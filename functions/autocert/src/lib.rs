//! The `autocert` function. Only its health route for now: its issue fills it.

use axum::Router;
use shared::web::{harden, health, AppState};

pub fn router(_state: AppState) -> Router {
    harden(health("/api/health/autocert", "autocert"))
}
