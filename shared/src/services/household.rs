//! Scheda di famiglia and person detail at a date, for the logged-in citizen.

use chrono::NaiveDate;
use serde::Serialize;

use super::{audit, registry, ServiceError, ServiceResult};
use crate::domain::codice_fiscale::CodiceFiscale;
use crate::domain::person::{Persona, SpecieFamiglia};
use crate::domain::situation::{detail_at, members_at, Detail, Member};
use crate::ports::{Clock, RegistryStore};

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct HouseholdView {
    pub date: NaiveDate,
    pub famiglia: String,
    pub specie: SpecieFamiglia,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub denominazione: Option<String>,
    pub members: Vec<Member>,
}

/// The requested date, today when absent; a date in the future is refused.
fn date_or_today(clock: &dyn Clock, date: Option<NaiveDate>) -> ServiceResult<NaiveDate> {
    let today = clock.today();
    match date {
        None => Ok(today),
        Some(d) if d > today => Err(ServiceError::invalid(
            "invalid_date",
            "La data richiesta è successiva a oggi: indica una data passata o quella odierna.",
        )),
        Some(d) => Ok(d),
    }
}

struct Loaded {
    date: NaiveDate,
    view: HouseholdView,
    persons: Vec<Persona>,
}

async fn load(
    store: &dyn RegistryStore,
    clock: &dyn Clock,
    actor: &str,
    date: Option<NaiveDate>,
    include_deceased: bool,
) -> ServiceResult<Loaded> {
    let date = date_or_today(clock, date)?;
    let me = registry::person(store, actor).await?.ok_or_else(|| {
        ServiceError::NotFound(
            "Non risulti iscritto nell'anagrafe del Comune: per informazioni rivolgiti \
             all'Ufficio Anagrafe."
                .into(),
        )
    })?;
    let id = me
        .membership_at(date)
        .map(|m| m.famiglia.clone())
        .ok_or_else(|| {
            ServiceError::NotFound(format!(
                "Alla data del {} non risulti iscritto in una famiglia anagrafica del Comune.",
                date.format("%d/%m/%Y")
            ))
        })?;
    let famiglia = registry::household(store, &id).await?.ok_or_else(|| {
        ServiceError::Store(crate::ports::StoreError::Backend(
            "household index without household record".into(),
        ))
    })?;
    let persons = registry::household_persons(store, &id).await?;
    let members = members_at(&persons, &id, date, include_deceased);
    Ok(Loaded {
        date,
        view: HouseholdView {
            date,
            famiglia: id,
            specie: famiglia.specie,
            denominazione: famiglia.denominazione,
            members,
        },
        persons,
    })
}

/// The scheda di famiglia of the citizen `actor` at `date` (today when absent).
pub async fn household_of(
    store: &dyn RegistryStore,
    clock: &dyn Clock,
    actor: &str,
    date: Option<NaiveDate>,
    include_deceased: bool,
) -> ServiceResult<HouseholdView> {
    let loaded = load(store, clock, actor, date, include_deceased).await?;
    let subjects = loaded
        .view
        .members
        .iter()
        .map(|m| m.codice_fiscale.clone())
        .collect();
    audit::record(store, clock, actor, subjects, "household").await?;
    Ok(loaded.view)
}

/// A member's detail at `date`. Only persons of the citizen's own household at that date
/// (deceased members included) may be read.
pub async fn person_detail(
    store: &dyn RegistryStore,
    clock: &dyn Clock,
    actor: &str,
    target: &str,
    date: Option<NaiveDate>,
) -> ServiceResult<Detail> {
    let target = CodiceFiscale::parse(target).map_err(|e| {
        ServiceError::invalid(
            "invalid_codice_fiscale",
            format!("Codice fiscale non valido: {e}."),
        )
    })?;
    let loaded = load(store, clock, actor, date, true).await?;
    let forbidden = || {
        ServiceError::Forbidden(
            "Puoi consultare soltanto i dati delle persone della tua famiglia anagrafica.".into(),
        )
    };
    if !loaded
        .view
        .members
        .iter()
        .any(|m| m.codice_fiscale == target.as_str())
    {
        return Err(forbidden());
    }
    let person = loaded
        .persons
        .iter()
        .find(|p| p.codice_fiscale == target.as_str())
        .ok_or_else(forbidden)?;
    let detail = detail_at(person, loaded.date);
    audit::record(
        store,
        clock,
        actor,
        vec![person.codice_fiscale.clone()],
        "person_detail",
    )
    .await?;
    Ok(detail)
}
