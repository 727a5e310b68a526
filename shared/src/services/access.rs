//! Whose data a requester may have documents about. Online, a citizen only about themselves
//! and the members of their household (deceased members included: DM 3 Nov 2021 art. 2);
//! an operator at the counter, through certificazione libera, about anyone in the registry.

use chrono::NaiveDate;

use super::errors::{Forbidden, Invalid, NotFound};
use super::sessions::Session;
use super::{registry, ServiceResult};
use crate::app::AppState;
use crate::domain::codice_fiscale::CodiceFiscale;
use crate::domain::person::{Persona, SpecieFamiglia};
use crate::domain::situation::{members_at, Member};

/// Who is asking, and through which door.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The citizen online: themselves and their household.
    Household,
    /// An operator of the registry office: anyone in the registry.
    Registry,
}

/// The person a document is about, with the household context of the rules.
pub struct Target {
    pub person: Persona,
    /// Living members of the person's household today, intestatario first.
    pub members: Vec<Member>,
    pub specie: Option<SpecieFamiglia>,
    pub denominazione: Option<String>,
}

async fn household_context(
    app: &AppState,
    p: &Persona,
    date: NaiveDate,
) -> ServiceResult<(Vec<Member>, Option<SpecieFamiglia>, Option<String>)> {
    let store = app.store.as_ref();
    let Some(m) = p.membership_at(date) else {
        return Ok((Vec::new(), None, None));
    };
    let f = registry::household(store, &m.famiglia).await?;
    let persons = registry::household_persons(store, &m.famiglia).await?;
    Ok((
        members_at(&persons, &m.famiglia, date, false),
        f.as_ref().map(|f| f.specie),
        f.and_then(|f| f.denominazione),
    ))
}

/// Refuses `cf` unless it is the actor or a member of the actor's household today.
async fn check_household(app: &AppState, actor: &Session, cf: &CodiceFiscale) -> ServiceResult<()> {
    if cf.as_str() == actor.identity.codice_fiscale {
        return Ok(());
    }
    let store = app.store.as_ref();
    let today = app.clock.today();
    let me = registry::person(store, &actor.identity.codice_fiscale)
        .await?
        .ok_or(Forbidden::CertificateScope)?;
    let id = me
        .membership_at(today)
        .map(|m| m.famiglia.clone())
        .ok_or(Forbidden::CertificateScope)?;
    let persons = registry::household_persons(store, &id).await?;
    if members_at(&persons, &id, today, true)
        .iter()
        .any(|m| m.codice_fiscale == cf.as_str())
    {
        Ok(())
    } else {
        Err(Forbidden::CertificateScope.into())
    }
}

/// Loads the person and checks the requester may have documents about them in `scope`.
pub async fn target(
    app: &AppState,
    actor: &Session,
    cf: &str,
    scope: Scope,
) -> ServiceResult<Target> {
    let cf = CodiceFiscale::parse(cf).map_err(|e| Invalid::CodiceFiscale(e.to_string()))?;
    match scope {
        Scope::Registry if !actor.operator => return Err(Forbidden::LiberaOperatorsOnly.into()),
        Scope::Registry => {}
        Scope::Household => check_household(app, actor, &cf).await?,
    }
    let store = app.store.as_ref();
    let person = registry::person(store, cf.as_str())
        .await?
        .ok_or(NotFound::Person)?;
    let (members, specie, denominazione) =
        household_context(app, &person, app.clock.today()).await?;
    Ok(Target {
        person,
        members,
        specie,
        denominazione,
    })
}
