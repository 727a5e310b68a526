//! Scheda di famiglia and person detail at a date, for the logged-in citizen.

use chrono::NaiveDate;
use serde::Serialize;

use super::audit::{self, AuditAction};
use super::errors::{Forbidden, Invalid, NotFound};
use super::{registry, ServiceResult};
use crate::app::AppState;
use crate::domain::codice_fiscale::CodiceFiscale;
use crate::domain::person::{Indirizzo, Persona, SpecieFamiglia};
use crate::domain::situation::{detail_at, members_at, Detail, Member};
use crate::ports::{Clock, PortError};

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct HouseholdView {
    pub date: NaiveDate,
    pub famiglia: String,
    pub specie: SpecieFamiglia,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub denominazione: Option<String>,
    /// Where the household lives at the date: the citizen's own residence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub indirizzo: Option<Indirizzo>,
    pub members: Vec<Member>,
}

/// The requested date, today when absent; a date in the future is refused.
fn date_or_today(clock: &dyn Clock, date: Option<NaiveDate>) -> ServiceResult<NaiveDate> {
    let today = clock.today();
    match date {
        None => Ok(today),
        Some(d) if d > today => Err(Invalid::FutureDate.into()),
        Some(d) => Ok(d),
    }
}

struct Loaded {
    date: NaiveDate,
    view: HouseholdView,
    persons: Vec<Persona>,
}

async fn load(
    app: &AppState,
    actor: &str,
    date: Option<NaiveDate>,
    include_deceased: bool,
) -> ServiceResult<Loaded> {
    let store = app.store.as_ref();
    let date = date_or_today(app.clock.as_ref(), date)?;
    let me = registry::person(store, actor)
        .await?
        .ok_or(NotFound::NotInRegistry)?;
    let id = me
        .membership_at(date)
        .map(|m| m.famiglia.clone())
        .ok_or(NotFound::NoHouseholdAt(date))?;
    let famiglia = registry::household(store, &id)
        .await?
        .ok_or_else(|| PortError::Corrupt("household index without household record".into()))?;
    let persons = registry::household_persons(store, &id).await?;
    let members = members_at(&persons, &id, date, include_deceased);
    let indirizzo = detail_at(&me, date).residenza;
    Ok(Loaded {
        date,
        view: HouseholdView {
            date,
            famiglia: id,
            specie: famiglia.specie,
            denominazione: famiglia.denominazione,
            indirizzo,
            members,
        },
        persons,
    })
}

/// The scheda di famiglia of the citizen `actor` at `date` (today when absent).
pub async fn household_of(
    app: &AppState,
    actor: &str,
    date: Option<NaiveDate>,
    include_deceased: bool,
) -> ServiceResult<HouseholdView> {
    let loaded = load(app, actor, date, include_deceased).await?;
    let subjects = loaded
        .view
        .members
        .iter()
        .map(|m| m.codice_fiscale.clone())
        .collect();
    audit::record(app, actor, subjects, AuditAction::Household, None).await?;
    Ok(loaded.view)
}

/// A member's detail at `date`. Only persons of the citizen's own household at that date
/// (deceased members included) may be read.
pub async fn person_detail(
    app: &AppState,
    actor: &str,
    target: &str,
    date: Option<NaiveDate>,
) -> ServiceResult<Detail> {
    let target = CodiceFiscale::parse(target).map_err(|e| Invalid::CodiceFiscale(e.to_string()))?;
    let loaded = load(app, actor, date, true).await?;
    if !loaded
        .view
        .members
        .iter()
        .any(|m| m.codice_fiscale == target.as_str())
    {
        return Err(Forbidden::HouseholdScope.into());
    }
    let person = loaded
        .persons
        .iter()
        .find(|p| p.codice_fiscale == target.as_str())
        .ok_or(Forbidden::HouseholdScope)?;
    let detail = detail_at(person, loaded.date);
    let subjects = vec![person.codice_fiscale.clone()];
    audit::record(app, actor, subjects, AuditAction::PersonDetail, None).await?;
    Ok(detail)
}
