//! Typed access to persons and households in the `RegistryStore`.
//!
//! Keys: `PERSONA#<cf>` / `A` holds the person with all history; `FAMIGLIA#<id>` / `A` the
//! household; `FAMIGLIA#<id>` / `M#<cf>` one index entry per person who ever belonged to it.

use serde::{de::DeserializeOwned, Serialize};

use super::ServiceResult;
use crate::domain::person::{Famiglia, Persona};
use crate::ports::{query_all, Item, RegistryStore};

pub const RECORD: &str = "A";

pub fn person_pk(cf: &str) -> String {
    format!("PERSONA#{cf}")
}

pub fn household_pk(id: &str) -> String {
    format!("FAMIGLIA#{id}")
}

/// Index of persons by generalità (for operators' certificazione libera).
pub fn generalita_pk(cognome: &str, nome: &str, born: chrono::NaiveDate) -> String {
    use crate::domain::certificate::normalize_name;
    format!(
        "GEN#{}#{}#{born}",
        normalize_name(cognome),
        normalize_name(nome)
    )
}

pub fn member_sk(cf: &str) -> String {
    format!("M#{cf}")
}

pub fn json_item<T: Serialize>(pk: String, sk: String, value: &T) -> ServiceResult<Item> {
    Ok(Item::new(pk, sk, serde_json::to_vec(value)?))
}

pub async fn get_json<T: DeserializeOwned>(
    store: &dyn RegistryStore,
    pk: &str,
    sk: &str,
) -> ServiceResult<Option<T>> {
    match store.get(pk, sk).await? {
        Some(item) => Ok(Some(serde_json::from_slice(&item.data)?)),
        None => Ok(None),
    }
}

pub async fn person(store: &dyn RegistryStore, cf: &str) -> ServiceResult<Option<Persona>> {
    get_json(store, &person_pk(cf), RECORD).await
}

pub async fn household(store: &dyn RegistryStore, id: &str) -> ServiceResult<Option<Famiglia>> {
    get_json(store, &household_pk(id), RECORD).await
}

/// Every person who ever belonged to the household.
pub async fn household_persons(store: &dyn RegistryStore, id: &str) -> ServiceResult<Vec<Persona>> {
    let index = query_all(store, &household_pk(id), "M#").await?;
    let mut persons = Vec::with_capacity(index.len());
    for entry in index {
        let cf = entry.sk.trim_start_matches("M#");
        if let Some(p) = person(store, cf).await? {
            persons.push(p);
        }
    }
    Ok(persons)
}

/// The items that store a person: the record and an index entry in each household.
pub fn person_items(p: &Persona) -> ServiceResult<Vec<Item>> {
    let mut items = vec![
        json_item(person_pk(&p.codice_fiscale), RECORD.into(), p)?,
        Item::new(
            generalita_pk(&p.cognome, &p.nome, p.nascita.data),
            p.codice_fiscale.clone(),
            b"{}".to_vec(),
        ),
    ];
    let mut ids: Vec<&str> = p.household_ids().collect();
    ids.sort_unstable();
    ids.dedup();
    for id in ids {
        items.push(Item::new(
            household_pk(id),
            member_sk(&p.codice_fiscale),
            b"{}".to_vec(),
        ));
    }
    Ok(items)
}

/// Codici fiscali of the persons with this surname, name and birth date.
pub async fn find_by_generalita(
    store: &dyn RegistryStore,
    cognome: &str,
    nome: &str,
    born: chrono::NaiveDate,
) -> ServiceResult<Vec<String>> {
    Ok(query_all(store, &generalita_pk(cognome, nome, born), "")
        .await?
        .into_iter()
        .map(|i| i.sk)
        .collect())
}

pub fn household_item(f: &Famiglia) -> ServiceResult<Item> {
    json_item(household_pk(&f.id), RECORD.into(), f)
}
