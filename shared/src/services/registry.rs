//! Typed access to the records of the `RegistryStore`: persons, households, and JSON items
//! at the keys of `crate::keys`.

use serde::{de::DeserializeOwned, Serialize};

use super::ServiceResult;
use crate::domain::person::{Famiglia, Persona};
use crate::keys::{self, Key, Prefix};
use crate::ports::{query_all, Condition, Item, RegistryStore};

pub fn json_item<T: Serialize>(key: Key, value: &T) -> ServiceResult<Item> {
    Ok(Item::at(key, serde_json::to_vec(value)?))
}

/// An item that only marks that something exists (an index entry, a replay-cache entry).
pub fn marker(key: Key) -> Item {
    Item::at(key, b"{}".to_vec())
}

pub async fn get_json<T: DeserializeOwned>(
    store: &dyn RegistryStore,
    key: &Key,
) -> ServiceResult<Option<T>> {
    match store.get(&key.pk, &key.sk).await? {
        Some(item) => Ok(Some(serde_json::from_slice(&item.data)?)),
        None => Ok(None),
    }
}

pub async fn put_json<T: Serialize>(
    store: &dyn RegistryStore,
    key: Key,
    value: &T,
    condition: Condition,
) -> ServiceResult<()> {
    store.put(json_item(key, value)?, condition).await?;
    Ok(())
}

pub async fn delete(store: &dyn RegistryStore, key: &Key) -> ServiceResult<()> {
    store.delete(&key.pk, &key.sk).await?;
    Ok(())
}

/// Every item of a query, decoded.
pub async fn list_json<T: DeserializeOwned>(
    store: &dyn RegistryStore,
    prefix: &Prefix,
) -> ServiceResult<Vec<T>> {
    query_all(store, prefix)
        .await?
        .iter()
        .map(|i| Ok(serde_json::from_slice(&i.data)?))
        .collect()
}

pub async fn person(store: &dyn RegistryStore, cf: &str) -> ServiceResult<Option<Persona>> {
    get_json(store, &keys::person(cf)).await
}

pub async fn household(store: &dyn RegistryStore, id: &str) -> ServiceResult<Option<Famiglia>> {
    get_json(store, &keys::household(id)).await
}

/// Every person who ever belonged to the household.
pub async fn household_persons(store: &dyn RegistryStore, id: &str) -> ServiceResult<Vec<Persona>> {
    let index = query_all(store, &keys::household_members(id)).await?;
    let mut persons = Vec::with_capacity(index.len());
    for entry in index {
        let Some(cf) = keys::member_of(&entry.sk) else {
            continue;
        };
        if let Some(p) = person(store, cf).await? {
            persons.push(p);
        }
    }
    Ok(persons)
}

/// The items that store a person: the record, the generalità index entry, and an index
/// entry in each household they ever belonged to.
pub fn person_items(p: &Persona) -> ServiceResult<Vec<Item>> {
    let mut items = vec![
        json_item(keys::person(&p.codice_fiscale), p)?,
        marker(keys::generalita(
            &p.cognome,
            &p.nome,
            p.nascita.data,
            &p.codice_fiscale,
        )),
    ];
    let mut ids: Vec<&str> = p.household_ids().collect();
    ids.sort_unstable();
    ids.dedup();
    for id in ids {
        items.push(marker(keys::household_member(id, &p.codice_fiscale)));
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
    Ok(query_all(store, &keys::generalita_all(cognome, nome, born))
        .await?
        .into_iter()
        .map(|i| i.sk)
        .collect())
}

pub fn household_item(f: &Famiglia) -> ServiceResult<Item> {
    json_item(keys::household(&f.id), f)
}
