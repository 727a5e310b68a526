//! A failure halfway through issuing (signing, the record after the archive, the e-mail)
//! loses nothing, leaves nothing dangling, and a retry succeeds without a second bollo use.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use e2e::{today, PdfFile, Portal};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use shared::ports::{
    Condition, Item, Mail, Mailer, Page, Port, PortError, PortResult, RegistryStore,
    SignatureAlgorithm, Signer,
};

/// Fails the next `n` calls of the kind it guards.
#[derive(Default)]
struct Faults(AtomicUsize);

impl Faults {
    fn arm(&self, n: usize) {
        self.0.store(n, Ordering::SeqCst);
    }

    fn trip(&self) -> bool {
        self.0
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
    }
}

fn injected() -> PortError {
    PortError::unavailable(Port::Store, "injected failure")
}

/// Fails the transaction that writes a certificate record.
struct FlakyStore {
    inner: Arc<dyn RegistryStore>,
    faults: Arc<Faults>,
}

#[async_trait]
impl RegistryStore for FlakyStore {
    async fn get(&self, pk: &str, sk: &str) -> PortResult<Option<Item>> {
        self.inner.get(pk, sk).await
    }
    async fn put(&self, item: Item, c: Condition) -> PortResult<()> {
        self.inner.put(item, c).await
    }
    async fn transact(&self, items: Vec<(Item, Condition)>) -> PortResult<()> {
        if items
            .iter()
            .any(|(i, _)| i.pk.starts_with(&shared::keys::certificate("").pk))
            && self.faults.trip()
        {
            return Err(injected());
        }
        self.inner.transact(items).await
    }
    async fn put_batch(&self, items: Vec<Item>) -> PortResult<()> {
        self.inner.put_batch(items).await
    }
    async fn delete(&self, pk: &str, sk: &str) -> PortResult<()> {
        self.inner.delete(pk, sk).await
    }
    async fn query(
        &self,
        pk: &str,
        p: &str,
        after: Option<&str>,
        limit: usize,
    ) -> PortResult<Page> {
        self.inner.query(pk, p, after, limit).await
    }
    async fn increment(
        &self,
        pk: &str,
        sk: &str,
        by: i64,
        e: Option<DateTime<Utc>>,
    ) -> PortResult<i64> {
        self.inner.increment(pk, sk, by, e).await
    }
}

struct FlakySigner {
    inner: Arc<dyn Signer>,
    faults: Arc<Faults>,
}

#[async_trait]
impl Signer for FlakySigner {
    fn algorithm(&self) -> SignatureAlgorithm {
        self.inner.algorithm()
    }
    async fn public_key_der(&self) -> PortResult<Vec<u8>> {
        self.inner.public_key_der().await
    }
    async fn certificate_chain(&self) -> PortResult<Vec<Vec<u8>>> {
        self.inner.certificate_chain().await
    }
    async fn sign(&self, message: &[u8]) -> PortResult<Vec<u8>> {
        if self.faults.trip() {
            return Err(injected());
        }
        self.inner.sign(message).await
    }
}

struct FlakyMailer {
    inner: Arc<dyn Mailer>,
    faults: Arc<Faults>,
}

#[async_trait]
impl Mailer for FlakyMailer {
    async fn send(&self, mail: &Mail) -> PortResult<()> {
        if self.faults.trip() {
            return Err(injected());
        }
        self.inner.send(mail).await
    }
}

struct Rig {
    portal: Portal,
    store: Arc<Faults>,
    signer: Arc<Faults>,
    mailer: Arc<Faults>,
    _dir: tempfile::TempDir,
}

async fn rig() -> Rig {
    let dir = tempfile::tempdir().unwrap();
    let (store, signer, mailer) = (
        Arc::new(Faults::default()),
        Arc::new(Faults::default()),
        Arc::new(Faults::default()),
    );
    let (fs, fsig, fm) = (store.clone(), signer.clone(), mailer.clone());
    let portal = Portal::start_with(dir.path(), move |mut s| {
        s.store = Arc::new(FlakyStore {
            inner: s.store,
            faults: fs,
        });
        s.signer = Arc::new(FlakySigner {
            inner: s.signer,
            faults: fsig,
        });
        s.mailer = Arc::new(FlakyMailer {
            inner: s.mailer,
            faults: fm,
        });
        s
    })
    .await;
    Rig {
        portal,
        store,
        signer,
        mailer,
        _dir: dir,
    }
}

fn archived_pdfs(portal: &Portal) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let root = portal.state.config.data_dir.join("archive/certificati");
    for year in std::fs::read_dir(&root).into_iter().flatten().flatten() {
        for f in std::fs::read_dir(year.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            if f.path().extension().is_some_and(|e| e == "pdf") {
                out.push(f.path());
            }
        }
    }
    out
}

async fn ledger_certificate(portal: &Portal, bollo: &str) -> Value {
    let key = shared::keys::bollo(bollo);
    let item = portal
        .state
        .store
        .get(&key.pk, &key.sk)
        .await
        .unwrap()
        .expect("bollo reserved");
    serde_json::from_slice(&item.data).unwrap()
}

fn body(rig: &Rig, bollo: &str, delivery: &str) -> (Value, shared::domain::person::Persona) {
    let me = rig
        .portal
        .demo()
        .into_iter()
        .find(|p| {
            p.membership_at(today())
                .is_some_and(|m| m.famiglia == "F000001")
        })
        .unwrap();
    let b = json!({
        "person": me.codice_fiscale, "type": "residenza", "uso": "uso_privato",
        "bollo": {"id": bollo, "date": "2026-11-20"}, "delivery": delivery, "email": "mario.rossi@example.org"
    });
    (b, me)
}

#[tokio::test]
async fn record_failure_after_archive_leaves_nothing_dangling_and_retry_completes() {
    let rig = rig().await;
    let (req, me) = body(&rig, "11111111111111", "download");
    let who = rig.portal.session(&me, false).await;
    rig.store.arm(1);
    let resp = rig.portal.post("/api/certificates", &who, &req, &[]).await;
    assert_eq!(resp.status(), 503);
    assert_eq!(resp.json::<Value>().await.unwrap()["error"], "unavailable");
    let reserved = ledger_certificate(&rig.portal, "11111111111111").await["certificate"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        shared::services::certificates::record(&rig.portal.state, &reserved)
            .await
            .unwrap()
            .is_none(),
        "no record"
    );
    assert!(
        archived_pdfs(&rig.portal).is_empty(),
        "no orphan archive object"
    );

    let resp = rig.portal.post("/api/certificates", &who, &req, &[]).await;
    assert_eq!(resp.status(), 201);
    assert_eq!(
        resp.headers()["x-certificate-id"],
        reserved.as_str(),
        "the reserved ID is completed"
    );
    let pdf = resp.bytes().await.unwrap().to_vec();
    let record = shared::services::certificates::record(&rig.portal.state, &reserved)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(archived_pdfs(&rig.portal).len(), 1);
    assert_eq!(record.sha256, hex(&Sha256::digest(&pdf)));
    assert_eq!(
        ledger_certificate(&rig.portal, "11111111111111").await["sha256"],
        record.sha256.as_str()
    );
    assert!(PdfFile::new(&pdf)
        .pyhanko(&rig.portal.seal_root())
        .contains("INTACT:TRUSTED,TIMESTAMP_TOKEN<INTACT:TRUSTED>,UNTOUCHED"));
}

#[tokio::test]
async fn signing_failure_keeps_the_bollo_for_the_retry() {
    let rig = rig().await;
    let (req, me) = body(&rig, "22222222222222", "download");
    let who = rig.portal.session(&me, false).await;
    rig.signer.arm(1);
    let resp = rig.portal.post("/api/certificates", &who, &req, &[]).await;
    assert_eq!(resp.status(), 503);
    assert!(archived_pdfs(&rig.portal).is_empty());
    let resp = rig.portal.post("/api/certificates", &who, &req, &[]).await;
    assert_eq!(
        resp.status(),
        201,
        "the same marca completes its own certificate"
    );
}

#[tokio::test]
async fn mail_failure_after_the_record_is_retried_with_the_same_certificate() {
    let rig = rig().await;
    let (req, me) = body(&rig, "33333333333333", "email");
    let who = rig.portal.session(&me, false).await;
    rig.mailer.arm(1);
    let resp = rig.portal.post("/api/certificates", &who, &req, &[]).await;
    assert_eq!(resp.status(), 409);
    let answer: Value = resp.json().await.unwrap();
    assert_eq!(answer["error"], "mail_failed");
    let id = ledger_certificate(&rig.portal, "33333333333333").await["certificate"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(answer["message"].as_str().unwrap().contains(&id));
    let outbox = rig.portal.state.config.data_dir.join("outbox");
    let count = || std::fs::read_dir(&outbox).unwrap().count();
    assert_eq!(count(), 0);

    let resp = rig.portal.post("/api/certificates", &who, &req, &[]).await;
    assert_eq!(resp.status(), 201);
    assert_eq!(resp.json::<Value>().await.unwrap()["id"], id.as_str());
    assert_eq!(count(), 1);
    assert_eq!(
        archived_pdfs(&rig.portal).len(),
        1,
        "one certificate, one marca"
    );
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}
