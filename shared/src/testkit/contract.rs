//! Contract tests every `RegistryStore`, `ArchiveStore` and `Protocollo` adapter must pass: the local ones
//! here, the cloud ones against an AWS-compatible server. One suite, every backend.

use chrono::Duration;
use std::sync::Arc;

use super::clock::ManualClock;
use crate::ports::{query_all, ArchiveStore, Clock, Condition, Item, PortError, RegistryStore};

fn item(pk: &str, sk: &str, data: &str) -> Item {
    Item::new(pk, sk, data.as_bytes().to_vec())
}

/// Runs every registry-store check; `clock` is the clock the store was built with.
/// Keys are prefixed with `ns` so several runs can share a backend.
pub async fn registry_store(store: Arc<dyn RegistryStore>, clock: &ManualClock, ns: &str) {
    basics(&store, clock, ns).await;
    conditional_writes(&store, clock, ns).await;
    expiry(&store, clock, ns).await;
    transactions(&store, clock, ns).await;
    batches_and_pages(&store, clock, ns).await;
    bulk_reads(&store, clock, ns).await;
    counters(&store, clock, ns).await;
}

/// `get_many`: answers in the order asked, absent and expired keys as `None`, a key asked
/// twice answered twice, more keys than one backend request holds.
async fn bulk_reads(store: &Arc<dyn RegistryStore>, clock: &ManualClock, ns: &str) {
    let pk = |s: &str| format!("{ns}{s}");
    let items: Vec<Item> = (0..230)
        .map(|i| item(&pk("M"), &format!("{i:04}"), &format!("v{i}")))
        .collect();
    store.put_batch(items).await.unwrap();
    let soon = clock.now() + chrono::Duration::seconds(60);
    store
        .put(item(&pk("M"), "gone", "x").expiring(soon), Condition::None)
        .await
        .unwrap();
    clock.advance(chrono::Duration::seconds(61));
    let mut keys: Vec<(String, String)> = (0..230)
        .rev()
        .map(|i| (pk("M"), format!("{i:04}")))
        .collect();
    keys.insert(7, (pk("M"), "absent".into()));
    keys.insert(9, (pk("M"), "gone".into()));
    keys.push((pk("M"), "0003".into()));
    let got = store.get_many(&keys).await.unwrap();
    assert_eq!(got.len(), keys.len());
    for ((_, sk), item) in keys.iter().zip(&got) {
        match sk.as_str() {
            "absent" | "gone" => assert!(item.is_none(), "{sk}"),
            _ => {
                let item = item.as_ref().unwrap_or_else(|| panic!("{sk} missing"));
                assert_eq!(&item.sk, sk);
                assert_eq!(
                    item.data,
                    format!("v{}", sk.parse::<u32>().unwrap()).as_bytes()
                );
            }
        }
    }
    assert!(store.get_many(&[]).await.unwrap().is_empty());
}

async fn basics(store: &Arc<dyn RegistryStore>, _clock: &ManualClock, ns: &str) {
    let pk = |s: &str| format!("{ns}{s}");
    // put / get / overwrite / delete
    assert_eq!(store.get(&pk("P"), "a").await.unwrap(), None);
    store
        .put(item(&pk("P"), "a", "1"), Condition::None)
        .await
        .unwrap();
    assert_eq!(store.get(&pk("P"), "a").await.unwrap().unwrap().data, b"1");
    store
        .put(item(&pk("P"), "a", "2"), Condition::None)
        .await
        .unwrap();
    assert_eq!(store.get(&pk("P"), "a").await.unwrap().unwrap().data, b"2");
    store.delete(&pk("P"), "a").await.unwrap();
    assert_eq!(store.get(&pk("P"), "a").await.unwrap(), None);
}

async fn conditional_writes(store: &Arc<dyn RegistryStore>, _clock: &ManualClock, ns: &str) {
    let pk = |s: &str| format!("{ns}{s}");
    // conditional write: first wins, second fails and leaves the first untouched
    store
        .put(item(&pk("B"), "x", "first"), Condition::IfAbsent)
        .await
        .unwrap();
    let second = store
        .put(item(&pk("B"), "x", "second"), Condition::IfAbsent)
        .await;
    assert!(
        matches!(second, Err(PortError::ConditionFailed)),
        "{second:?}"
    );
    assert_eq!(
        store.get(&pk("B"), "x").await.unwrap().unwrap().data,
        b"first"
    );

    // concurrent conditional writes: exactly one succeeds
    let mut tasks = Vec::new();
    for i in 0..8 {
        let s = store.clone();
        let key = pk("RACE");
        tasks.push(tokio::spawn(async move {
            s.put(item(&key, "once", &i.to_string()), Condition::IfAbsent)
                .await
        }));
    }
    let mut ok = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(()) => ok += 1,
            Err(PortError::ConditionFailed) => {}
            Err(e) => panic!("unexpected {e}"),
        }
    }
    assert_eq!(ok, 1, "exactly one conditional write wins");
}

async fn expiry(store: &Arc<dyn RegistryStore>, clock: &ManualClock, ns: &str) {
    let pk = |s: &str| format!("{ns}{s}");
    // expiry: invisible after the instant, and absent for conditional writes
    let soon = clock.now() + Duration::seconds(60);
    store
        .put(item(&pk("T"), "t", "v").expiring(soon), Condition::None)
        .await
        .unwrap();
    assert!(store.get(&pk("T"), "t").await.unwrap().is_some());
    assert_eq!(
        store
            .query(&pk("T"), "", None, 10)
            .await
            .unwrap()
            .items
            .len(),
        1
    );
    clock.advance(Duration::seconds(61));
    assert_eq!(store.get(&pk("T"), "t").await.unwrap(), None);
    assert!(store
        .query(&pk("T"), "", None, 10)
        .await
        .unwrap()
        .items
        .is_empty());
    store
        .put(item(&pk("T"), "t", "again"), Condition::IfAbsent)
        .await
        .unwrap();
    assert_eq!(
        store.get(&pk("T"), "t").await.unwrap().unwrap().data,
        b"again"
    );
}

async fn transactions(store: &Arc<dyn RegistryStore>, _clock: &ManualClock, ns: &str) {
    let pk = |s: &str| format!("{ns}{s}");
    // transactions: all or nothing
    store
        .put(item(&pk("X"), "taken", "0"), Condition::None)
        .await
        .unwrap();
    let failed = store
        .transact(vec![
            (item(&pk("X"), "new", "1"), Condition::IfAbsent),
            (item(&pk("X"), "taken", "1"), Condition::IfAbsent),
        ])
        .await;
    assert!(
        matches!(failed, Err(PortError::ConditionFailed)),
        "{failed:?}"
    );
    assert_eq!(
        store.get(&pk("X"), "new").await.unwrap(),
        None,
        "nothing written"
    );
    store
        .transact(vec![
            (item(&pk("X"), "new", "1"), Condition::IfAbsent),
            (item(&pk("X"), "other", "2"), Condition::None),
        ])
        .await
        .unwrap();
    assert!(store.get(&pk("X"), "new").await.unwrap().is_some());
    assert!(store.get(&pk("X"), "other").await.unwrap().is_some());
}

async fn batches_and_pages(store: &Arc<dyn RegistryStore>, _clock: &ManualClock, ns: &str) {
    let pk = |s: &str| format!("{ns}{s}");
    // batch + query with prefix and pagination, in sort-key order
    let batch: Vec<Item> = (0..120)
        .map(|i| item(&pk("Q"), &format!("idx-{i:04}"), "{}"))
        .chain([item(&pk("Q"), "A", "{}"), item(&pk("Q2"), "idx-0000", "{}")])
        .collect();
    store.put_batch(batch).await.unwrap();
    let first = store.query(&pk("Q"), "idx-", None, 50).await.unwrap();
    assert_eq!(first.items.len(), 50);
    assert_eq!(first.items[0].sk, "idx-0000");
    assert!(first.next.is_some());
    let all = query_all(
        store.as_ref(),
        &crate::keys::Prefix {
            pk: pk("Q"),
            sk_prefix: "idx-".into(),
        },
    )
    .await
    .unwrap();
    assert_eq!(all.len(), 120, "prefix and partition respected");
    let sks: Vec<&str> = all.iter().map(|i| i.sk.as_str()).collect();
    let mut sorted = sks.clone();
    sorted.sort();
    assert_eq!(sks, sorted);
}

async fn counters(store: &Arc<dyn RegistryStore>, clock: &ManualClock, ns: &str) {
    let pk = |s: &str| format!("{ns}{s}");
    // atomic counters, concurrent increments all count, expiry resets
    let until = clock.now() + Duration::seconds(300);
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let s = store.clone();
        let key = pk("C");
        tasks.push(tokio::spawn(async move {
            s.increment(&key, "n", 1, Some(until)).await
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(
        store
            .increment(&pk("C"), "n", 1, Some(until))
            .await
            .unwrap(),
        11
    );
    clock.advance(Duration::seconds(301));
    assert_eq!(store.increment(&pk("C"), "n", 1, None).await.unwrap(), 1);
}

/// Runs every archive check.
pub async fn archive_store(archive: Arc<dyn ArchiveStore>, clock: &ManualClock, ns: &str) {
    let key = format!("{ns}2026/CERT-1.pdf");
    let bytes: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    assert_eq!(archive.get(&key).await.unwrap(), None);
    let until = clock.now() + Duration::days(183);
    archive.put(&key, &bytes, until).await.unwrap();
    assert_eq!(
        archive.get(&key).await.unwrap().as_deref(),
        Some(bytes.as_slice())
    );
    // A retried put with the same bytes is harmless; other bytes never replace an original.
    archive.put(&key, &bytes, until).await.unwrap();
    let mut other = bytes.clone();
    other[12_345] ^= 1;
    assert!(matches!(
        archive.put(&key, &other, until).await,
        Err(PortError::ConditionFailed)
    ));
    assert_eq!(
        archive.get(&key).await.unwrap().as_deref(),
        Some(bytes.as_slice())
    );
    clock.advance(Duration::days(184));
    assert_eq!(
        archive.get(&key).await.unwrap(),
        None,
        "expired objects are not served"
    );
    archive.delete(&key).await.unwrap();
    archive.delete(&key).await.unwrap();
}

fn registration(key: &str) -> crate::ports::Registration {
    crate::ports::Registration {
        key: key.into(),
        direction: crate::ports::Direction::Entrata,
        correspondent: "RSSMRA80A01H501U".into(),
        subject: "Prova".into(),
        fingerprints: vec![("a.pdf".into(), "00".repeat(32))],
    }
}

/// Concurrent registrations get the numbers 1..=N of the year, each once; registering a
/// key again answers its first number. Run it on a register with no entries yet.
pub async fn protocollo(register: Arc<dyn crate::ports::Protocollo>, ns: &str) {
    let tasks: Vec<_> = (0..12)
        .map(|i| {
            let r = register.clone();
            let key = format!("{ns}k{i}");
            tokio::spawn(async move { r.register(&registration(&key)).await })
        })
        .collect();
    let mut numbers = Vec::new();
    for t in tasks {
        numbers.push(t.await.unwrap().unwrap());
    }
    let again = register
        .register(&registration(&format!("{ns}k7")))
        .await
        .unwrap();
    assert!(
        numbers.contains(&again),
        "a retry answers the first registration"
    );
    let mut n: Vec<u64> = numbers.iter().map(|p| p.number).collect();
    n.sort();
    assert_eq!(n, (1..=12).collect::<Vec<_>>());
    let next = register
        .register(&registration(&format!("{ns}k12")))
        .await
        .unwrap();
    assert_eq!(
        (next.number, next.to_string()),
        (13, format!("{}/0000013", next.year))
    );
}
