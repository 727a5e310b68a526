//! The registry change an accepted residence declaration makes, in the import format
//! (JSON Lines of `famiglia` and `persona` records), kept in an outbox in the same write as
//! the acceptance: the municipality's registry system takes it from there; the local runner
//! applies it to its own registry with the import (`apply_pending`).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::super::import::{import, ImportReport, Record};
use super::super::{registry, ServiceResult};
use super::flow;
use super::record::Application;
use crate::app::AppState;
use crate::domain::applications::catalog::Effect;
use crate::domain::applications::form::Address;
use crate::domain::applications::Service;
use crate::domain::dated::Dated;
use crate::domain::person::{Appartenenza, Famiglia, Indirizzo, Persona, Rapporto, SpecieFamiglia};
use crate::keys;
use crate::ports::{Condition, Item};
use crate::services::errors::Conflict;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub application: String,
    pub created_at: DateTime<Utc>,
    /// The records to import, one JSON object per line.
    pub lines: String,
    #[serde(default)]
    pub applied_at: Option<DateTime<Utc>>,
    pub keep_until: DateTime<Utc>,
}

/// Ends the open fact at `date` and opens `value` from it; `false` (and nothing changed)
/// when a fact starts on or after `date`: the history is never rewritten.
fn move_to<T: Clone>(history: &mut Vec<Dated<T>>, date: NaiveDate, value: T) -> bool {
    if history.iter().any(|f| f.from >= date) {
        return false;
    }
    for f in history
        .iter_mut()
        .filter(|f| f.to.is_none_or(|to| to > date))
    {
        f.to = Some(date);
    }
    history.push(Dated::new(date, None, value));
    true
}

/// The new household of movers who leave part of theirs behind: the applicant heads it;
/// the others keep their relation if the applicant headed the old one. `None` when a
/// mover's household history goes past `date`.
fn split(persons: &mut [Persona], applicant: &str, date: NaiveDate, id: &str) -> Option<Famiglia> {
    let headed = persons.iter().any(|p| {
        p.codice_fiscale == applicant
            && p.membership_at(date)
                .is_some_and(|m| m.rapporto == Rapporto::IntestatarioScheda)
    });
    for p in persons.iter_mut() {
        let old = p.membership_at(date).map(|m| m.rapporto);
        let rapporto = match (p.codice_fiscale == applicant, headed, old) {
            (true, _, _) => Rapporto::IntestatarioScheda,
            (false, true, Some(r)) => r,
            _ => Rapporto::Convivente,
        };
        let member = Appartenenza {
            famiglia: id.to_string(),
            rapporto,
        };
        if !move_to(&mut p.famiglia, date, member) {
            return None;
        }
    }
    Some(Famiglia {
        id: id.to_string(),
        specie: SpecieFamiglia::Famiglia,
        denominazione: None,
    })
}

/// The outbox entry of an accepted declaration of `service`, if it changes the registry.
pub async fn change_for(
    app: &AppState,
    a: &Application,
    service: &Service,
) -> ServiceResult<Vec<(Item, Condition)>> {
    let (Some(Effect::Residence), Some((movers, date))) =
        (service.effect, flow::movers(a, service))
    else {
        return Ok(vec![]);
    };
    let Some(address) = a
        .data
        .get("indirizzo")
        .and_then(|v| serde_json::from_value::<Address>(v.clone()).ok())
    else {
        return Ok(vec![]);
    };
    let m = &app.config.municipality;
    let indirizzo = Indirizzo {
        via: address.via.trim().into(),
        civico: address.civico.trim().into(),
        interno: address.interno.filter(|i| !i.trim().is_empty()),
        cap: address.cap,
        comune: m.name.clone(),
        provincia: m.province.clone(),
    };
    let mut persons = Vec::new();
    for cf in &movers {
        if let Some(p) = registry::person(app.store.as_ref(), cf).await? {
            persons.push(p);
        }
    }
    let changed = Conflict::RegistryChangedSince(date);
    for p in persons.iter_mut() {
        if !move_to(&mut p.residenza, date, indirizzo.clone()) {
            return Err(changed.into());
        }
    }
    let mut records = Vec::new();
    let whole = a
        .household
        .iter()
        .all(|h| movers.contains(&h.codice_fiscale));
    if !whole {
        let id = format!("F-{}", a.id.to_uppercase());
        let famiglia = split(&mut persons, &a.applicant.codice_fiscale, date, &id);
        records.push(Record::Famiglia(famiglia.ok_or(changed)?));
    }
    records.extend(persons.into_iter().map(|p| Record::Persona(Box::new(p))));
    let mut lines = String::new();
    for r in &records {
        lines.push_str(&serde_json::to_string(r)?);
        lines.push('\n');
    }
    let change = Change {
        application: a.id.clone(),
        created_at: app.clock.now(),
        lines,
        applied_at: None,
        keep_until: a.keep_until,
    };
    let item = registry::json_item(keys::registry_change(&a.id), &change)?.expiring(a.keep_until);
    Ok(vec![(item, Condition::IfAbsent)])
}

/// Applies the changes not applied yet to this registry (the local runner's registry
/// system); each is applied once, and applying one again changes nothing.
pub async fn apply_pending(app: &AppState) -> ServiceResult<Vec<ImportReport>> {
    let mut out = Vec::new();
    let pending: Vec<Change> =
        registry::list_json(app.store.as_ref(), &keys::registry_outbox()).await?;
    for mut c in pending.into_iter().filter(|c| c.applied_at.is_none()) {
        let report = import(app, c.lines.as_bytes()).await?;
        let refused = !report.errors.is_empty();
        out.push(report);
        // A change the import refused stays pending (and in the log) for the registry's staff.
        if refused {
            tracing::warn!(application = %c.application, "registry change refused by the import");
            continue;
        }
        c.applied_at = Some(app.clock.now());
        let item =
            registry::json_item(keys::registry_change(&c.application), &c)?.expiring(c.keep_until);
        app.store.put(item, Condition::None).await?;
    }
    Ok(out)
}
