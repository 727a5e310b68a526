//! The `household` function: the citizen's scheda di famiglia and a member's detail, at a
//! date, who consulted their data (the access log) and all their data in one download.

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::NaiveDate;
use serde::Deserialize;

use shared::domain::situation::Detail;
use shared::services::audit::log;
use shared::services::errors::Invalid;
use shared::services::household::{self, HouseholdView};
use shared::services::own_data;
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

fn parse_flag(name: &'static str, raw: Option<&str>) -> Result<bool, Invalid> {
    match raw.map(str::trim) {
        None | Some("") | Some("false") | Some("0") => Ok(false),
        Some("true") | Some("1") => Ok(true),
        Some(other) => Err(Invalid::Parameter {
            name,
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
    let deceased = parse_flag("deceased", p.deceased.as_deref())?;
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

#[derive(Debug, Default, Deserialize)]
pub struct LogParams {
    person: Option<String>,
    from: Option<String>,
    to: Option<String>,
    own: Option<String>,
    after: Option<String>,
}

/// The `after` cursor as the previous page gave it (`next`), or none.
fn cursor(raw: Option<String>) -> Result<Option<String>, Invalid> {
    match raw.filter(|a| !a.is_empty()) {
        Some(a) if !shared::keys::is_access_entry_sk(&a) => Err(Invalid::Parameter {
            name: "after",
            given: a.chars().take(40).collect(),
            allowed: "il valore «next» della pagina precedente",
        }),
        other => Ok(other),
    }
}

/// "Chi ha consultato i miei dati": the session's own access log, or a citizen's for an
/// operator (`person`).
async fn get_access_log(
    State(app): State<AppState>,
    me: CurrentSession,
    Query(p): Query<LogParams>,
) -> ApiResult<Json<log::LogPage>> {
    let q = log::LogQuery {
        person: p
            .person
            .map(|cf| cf.trim().to_ascii_uppercase())
            .filter(|cf| !cf.is_empty()),
        from: parse_date(p.from.as_deref())?,
        to: parse_date(p.to.as_deref())?,
        own: parse_flag("own", p.own.as_deref())?,
        after: cursor(p.after)?,
    };
    Ok(Json(log::page(&app, &me.session, &q).await?))
}

/// All the citizen's data in one ZIP (GDPR art. 15 and 20).
async fn get_own_data(State(app): State<AppState>, me: CurrentSession) -> ApiResult<Response> {
    let data = own_data::own_data(&app, &me.session).await?;
    let headers = [
        (header::CONTENT_TYPE, "application/zip".to_string()),
        (
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}\"", data.filename),
        ),
    ];
    Ok((headers, data.zip).into_response())
}

pub fn router(state: AppState) -> Router {
    let level = state.config.saml.level;
    let routes = Router::new()
        .route("/api/household", get(get_household))
        .route("/api/household/persons/{cf}", get(get_person))
        .route("/api/accessi", get(get_access_log))
        .route("/api/miei-dati", get(get_own_data))
        .with_state(state);
    harden(requires_level(routes, level).merge(health("/api/health/household", "household")))
}
