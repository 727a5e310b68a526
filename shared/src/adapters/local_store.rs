//! `RegistryStore` on redb: one embedded, transactional file under `DATA_DIR`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use redb::{Database, Durability, ReadableDatabase, ReadableTable, TableDefinition};
use std::path::Path;
use std::sync::Arc;

use crate::ports::{Clock, Condition, Item, Page, Port, PortError, PortResult, RegistryStore};

/// (pk, sk) -> (expires_at or i64::MAX, JSON payload).
const ITEMS: TableDefinition<(&str, &str), (i64, &[u8])> = TableDefinition::new("items");
const NEVER: i64 = i64::MAX;
/// The page cache of `open` (redb's default is 1 GiB); the runner's is `STORE_CACHE_MB`.
pub const CACHE_BYTES: usize = 256 * 1024 * 1024;

pub struct RedbStore {
    db: Database,
    clock: Arc<dyn Clock>,
}

fn backend(e: impl std::fmt::Display) -> PortError {
    PortError::unavailable(Port::Store, e.to_string())
}

impl RedbStore {
    pub fn open(path: &Path, clock: Arc<dyn Clock>) -> PortResult<Self> {
        Self::open_with_cache(path, clock, CACHE_BYTES)
    }

    /// As `open`, with a page cache of `cache_bytes`.
    pub fn open_with_cache(
        path: &Path,
        clock: Arc<dyn Clock>,
        cache_bytes: usize,
    ) -> PortResult<Self> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(backend)?;
        }
        // redb's page cache is the store's memory: bounded whatever the registry's size.
        let db = Database::builder()
            .set_cache_size(cache_bytes)
            .create(path)
            .map_err(backend)?;
        let tx = db.begin_write().map_err(backend)?;
        tx.open_table(ITEMS).map_err(backend)?;
        tx.commit().map_err(backend)?;
        Ok(RedbStore { db, clock })
    }

    fn now(&self) -> i64 {
        self.clock.now().timestamp()
    }

    /// Every live item in key order: for the tools and checks that read the whole store
    /// (the crash test's invariant checker).
    pub fn items(&self) -> PortResult<Vec<Item>> {
        let tx = self.db.begin_read().map_err(backend)?;
        let table = tx.open_table(ITEMS).map_err(backend)?;
        let now = self.now();
        let mut out = Vec::new();
        for row in table.iter().map_err(backend)? {
            let (k, v) = row.map_err(backend)?;
            let ((pk, sk), (exp, data)) = (k.value(), v.value());
            if exp > now {
                out.push(to_item(pk, sk, exp, data));
            }
        }
        Ok(out)
    }

    fn write<R>(
        &self,
        f: impl FnOnce(&mut redb::Table<(&str, &str), (i64, &[u8])>, i64) -> PortResult<R>,
    ) -> PortResult<R> {
        self.write_with(Durability::Immediate, f)
    }

    fn write_with<R>(
        &self,
        durability: Durability,
        f: impl FnOnce(&mut redb::Table<(&str, &str), (i64, &[u8])>, i64) -> PortResult<R>,
    ) -> PortResult<R> {
        let now = self.now();
        let mut tx = self.db.begin_write().map_err(backend)?;
        tx.set_durability(durability).map_err(backend)?;
        let r = {
            let mut table = tx.open_table(ITEMS).map_err(backend)?;
            f(&mut table, now)?
        };
        tx.commit().map_err(backend)?;
        Ok(r)
    }
}

fn live_at(
    table: &impl ReadableTable<(&'static str, &'static str), (i64, &'static [u8])>,
    pk: &str,
    sk: &str,
    now: i64,
) -> PortResult<Option<(i64, Vec<u8>)>> {
    Ok(table
        .get((pk, sk))
        .map_err(backend)?
        .map(|v| {
            let (exp, data) = v.value();
            (exp, data.to_vec())
        })
        .filter(|(exp, _)| *exp > now))
}

fn insert(
    table: &mut redb::Table<(&str, &str), (i64, &[u8])>,
    item: &Item,
    condition: Condition,
    now: i64,
) -> PortResult<()> {
    if condition == Condition::IfAbsent && live_at(table, &item.pk, &item.sk, now)?.is_some() {
        return Err(PortError::ConditionFailed);
    }
    table
        .insert(
            (item.pk.as_str(), item.sk.as_str()),
            (item.expires_at.unwrap_or(NEVER), item.data.as_slice()),
        )
        .map_err(backend)?;
    Ok(())
}

fn to_item(pk: &str, sk: &str, exp: i64, data: &[u8]) -> Item {
    Item {
        pk: pk.to_string(),
        sk: sk.to_string(),
        data: data.to_vec(),
        expires_at: (exp != NEVER).then_some(exp),
    }
}

#[async_trait]
impl RegistryStore for RedbStore {
    async fn get(&self, pk: &str, sk: &str) -> PortResult<Option<Item>> {
        let tx = self.db.begin_read().map_err(backend)?;
        let table = tx.open_table(ITEMS).map_err(backend)?;
        Ok(live_at(&table, pk, sk, self.now())?.map(|(exp, data)| to_item(pk, sk, exp, &data)))
    }

    async fn put(&self, item: Item, condition: Condition) -> PortResult<()> {
        self.write(|t, now| insert(t, &item, condition, now))
    }

    async fn get_many(&self, keys: &[(String, String)]) -> PortResult<Vec<Option<Item>>> {
        let tx = self.db.begin_read().map_err(backend)?;
        let table = tx.open_table(ITEMS).map_err(backend)?;
        let now = self.now();
        keys.iter()
            .map(|(pk, sk)| {
                Ok(live_at(&table, pk, sk, now)?.map(|(exp, data)| to_item(pk, sk, exp, &data)))
            })
            .collect()
    }

    async fn transact(&self, items: Vec<(Item, Condition)>) -> PortResult<()> {
        // An error inside `write` drops the transaction uncommitted: nothing is written.
        self.write(|t, now| {
            items
                .iter()
                .try_for_each(|(item, cond)| insert(t, item, *cond, now))
        })
    }

    async fn put_batch(&self, mut items: Vec<Item>) -> PortResult<()> {
        // In key order: the B-tree's leaves are then touched one after the other. Not synced
        // to disk here: `persist_batches` (or any later write) makes them durable at once.
        items.sort_unstable_by(|a, b| (&a.pk, &a.sk).cmp(&(&b.pk, &b.sk)));
        self.write_with(Durability::None, |t, now| {
            items
                .iter()
                .try_for_each(|item| insert(t, item, Condition::None, now))
        })
    }

    async fn persist_batches(&self) -> PortResult<()> {
        self.write(|_, _| Ok(()))
    }

    async fn delete(&self, pk: &str, sk: &str) -> PortResult<()> {
        self.write(|t, _| {
            t.remove((pk, sk)).map_err(backend)?;
            Ok(())
        })
    }

    async fn query(
        &self,
        pk: &str,
        sk_prefix: &str,
        after: Option<&str>,
        limit: usize,
    ) -> PortResult<Page> {
        let now = self.now();
        let tx = self.db.begin_read().map_err(backend)?;
        let table = tx.open_table(ITEMS).map_err(backend)?;
        let start = after.unwrap_or(sk_prefix);
        let mut items = Vec::new();
        let mut next = None;
        for entry in table.range((pk, start)..).map_err(backend)? {
            let (k, v) = entry.map_err(backend)?;
            let (kpk, ksk) = k.value();
            if kpk != pk || !ksk.starts_with(sk_prefix) {
                break;
            }
            if after == Some(ksk) {
                continue;
            }
            let (exp, data) = v.value();
            if exp <= now {
                continue;
            }
            if items.len() == limit {
                next = items.last().map(|i: &Item| i.sk.clone());
                break;
            }
            items.push(to_item(kpk, ksk, exp, data));
        }
        Ok(Page { items, next })
    }

    async fn increment(
        &self,
        pk: &str,
        sk: &str,
        by: i64,
        expires_at: Option<DateTime<Utc>>,
    ) -> PortResult<i64> {
        self.write(|t, now| {
            let (exp, current) = match live_at(t, pk, sk, now)? {
                Some((exp, data)) => (exp, serde_json::from_slice::<i64>(&data).map_err(backend)?),
                None => (expires_at.map_or(NEVER, |e| e.timestamp()), 0),
            };
            let value = current + by;
            let data = serde_json::to_vec(&value).map_err(backend)?;
            t.insert((pk, sk), (exp, data.as_slice()))
                .map_err(backend)?;
            Ok(value)
        })
    }
}
