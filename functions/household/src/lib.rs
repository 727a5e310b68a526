//! The `household` function: the citizen's scheda di famiglia and a member's detail, at a date.

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use chrono::NaiveDate;
use serde::Deserialize;

use shared::domain::situation::Detail;
use shared::services::errors::Invalid;
use shared::services::household::{self, HouseholdView};
use shared::web::{harden, health, requires_level, ApiResult, AppState, CurrentSession, Query};

#[derive(Debug, Default, Deserialize)]
pub struct Params {
    date: Option<String>,
    deceased: Option<String>,
}

fn parse_date(raw: Option<&str>) -> Result<Option<NaiveDate>, Invalid> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| Invalid::Date(s.to_string())),
    }
}

fn parse_flag(raw: Option<&str>) -> Result<bool, Invalid> {
    match raw.map(str::trim) {
        None | Some("") | Some("false") | Some("0") => Ok(false),
        Some("true") | Some("1") => Ok(true),
        Some(other) => Err(Invalid::Parameter {
            name: "deceased",
            given: other.to_string(),
            allowed: "true, false",
        }),
    }
}

async fn get_household(
    State(app): State<AppState>,
    me: CurrentSession,
    Query(p): Query<Params>,
) -> ApiResult<Json<HouseholdView>> {
    let date = parse_date(p.date.as_deref())?;
    let deceased = parse_flag(p.deceased.as_deref())?;
    let view = household::household_of(&app, me.codice_fiscale(), date, deceased).await?;
    Ok(Json(view))
}

async fn get_person(
    State(app): State<AppState>,
    me: CurrentSession,
    Path(cf): Path<String>,
    Query(p): Query<Params>,
) -> ApiResult<Json<Detail>> {
    let date = parse_date(p.date.as_deref())?;
    let detail = household::person_detail(&app, me.codice_fiscale(), &cf, date).await?;
    Ok(Json(detail))
}

pub fn router(state: AppState) -> Router {
    let level = state.config.saml.level;
    let routes = Router::new()
        .route("/api/household", get(get_household))
        .route("/api/household/persons/{cf}", get(get_person))
        .with_state(state);
    harden(requires_level(routes, level).merge(health("/api/health/household", "household")))
}
