//! The protocol register on the `RegistryStore` (redb locally, DynamoDB in the cloud): per
//! year a head item with the last number and one entry per number. A registration writes
//! entry N+1 *if absent*, the head and the caller's key in one transaction; two writers
//! racing for the same number see one of them fail and retry with the next, so numbers
//! are unique and never skipped, and the head can never go back.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::Datelike;

use crate::keys;
use crate::ports::{
    Clock, Condition, Item, Port, PortError, PortResult, Protocol, Protocollo, Registration,
    RegistryStore,
};

pub struct StoreProtocollo {
    store: Arc<dyn RegistryStore>,
    clock: Arc<dyn Clock>,
}

/// Attempts before giving up when other registrations keep taking the next number.
const ATTEMPTS: usize = 50;

#[derive(serde::Serialize, serde::Deserialize)]
struct Entry {
    #[serde(flatten)]
    protocol: Protocol,
    registration: Registration,
}

fn corrupt(e: serde_json::Error) -> PortError {
    PortError::Corrupt(format!("protocollo: {e}"))
}

fn json<T: serde::Serialize>(v: &T) -> PortResult<Vec<u8>> {
    serde_json::to_vec(v).map_err(corrupt)
}

impl StoreProtocollo {
    pub fn new(store: Arc<dyn RegistryStore>, clock: Arc<dyn Clock>) -> Self {
        StoreProtocollo { store, clock }
    }

    async fn head(&self, year: i32) -> PortResult<u64> {
        let k = keys::protocol_head(year);
        Ok(match self.store.get(&k.pk, &k.sk).await? {
            Some(item) => serde_json::from_slice(&item.data).map_err(corrupt)?,
            None => 0,
        })
    }

    async fn earlier(&self, r: &Registration) -> PortResult<Option<Protocol>> {
        let k = keys::protocol_request(&r.key);
        match self.store.get(&k.pk, &k.sk).await? {
            Some(item) => Ok(Some(serde_json::from_slice(&item.data).map_err(corrupt)?)),
            None => Ok(None),
        }
    }
}

#[async_trait]
impl Protocollo for StoreProtocollo {
    async fn register(&self, r: &Registration) -> PortResult<Protocol> {
        for _ in 0..ATTEMPTS {
            if let Some(p) = self.earlier(r).await? {
                return Ok(p);
            }
            let at = self.clock.now();
            let year = crate::domain::italian_date(at).year();
            let number = self.head(year).await? + 1;
            let protocol = Protocol { year, number, at };
            let entry = Entry {
                protocol: protocol.clone(),
                registration: r.clone(),
            };
            let items = vec![
                (
                    Item::at(keys::protocol_entry(year, number), json(&entry)?),
                    Condition::IfAbsent,
                ),
                (
                    Item::at(keys::protocol_head(year), json(&number)?),
                    Condition::None,
                ),
                (
                    Item::at(keys::protocol_request(&r.key), json(&protocol)?),
                    Condition::IfAbsent,
                ),
            ];
            match self.store.transact(items).await {
                Ok(()) => return Ok(protocol),
                Err(PortError::ConditionFailed) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(PortError::unavailable(
            Port::Protocollo,
            "too many concurrent registrations",
        ))
    }
}
