//! The local adapters pass the port contracts and keep their data across restarts.

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use shared::adapters::local_archive::FsArchive;
use shared::adapters::local_mailer::OutboxMailer;
use shared::adapters::local_store::RedbStore;
use shared::ports::{Attachment, Condition, Item, Mail, Mailer, RegistryStore};
use shared::testkit::contract;
use shared::testkit::ManualClock;

fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 11, 23, 10, 0, 0).unwrap(),
    ))
}

#[tokio::test]
async fn redb_store_passes_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let store = Arc::new(RedbStore::open(&dir.path().join("r.redb"), clock.clone()).unwrap());
    contract::registry_store(store, &clock, "").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_protocol_register_on_redb_passes_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let store = Arc::new(RedbStore::open(&dir.path().join("r.redb"), clock.clone()).unwrap());
    let register = shared::adapters::store_protocollo::StoreProtocollo::new(store, clock);
    contract::protocollo(Arc::new(register), "").await;
}

#[tokio::test]
async fn fs_archive_passes_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let archive = Arc::new(FsArchive::open(dir.path(), clock.clone()).unwrap());
    contract::archive_store(archive, &clock, "").await;
}

#[tokio::test]
async fn fs_archive_refuses_keys_outside_its_directory() {
    let dir = tempfile::tempdir().unwrap();
    let archive = FsArchive::open(&dir.path().join("a"), clock()).unwrap();
    let until = Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap();
    use shared::ports::ArchiveStore;
    for key in ["../escape.pdf", "/etc/passwd", "a/../../b", "", "a b"] {
        assert!(
            archive.put(key, b"x", until).await.is_err(),
            "{key:?} accepted"
        );
    }
    assert!(!dir.path().join("escape.pdf").exists());
}

#[tokio::test]
async fn redb_store_keeps_data_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.redb");
    {
        let store = RedbStore::open(&path, clock()).unwrap();
        store
            .put(
                Item::new("PERSONA#X", "A", b"{\"a\":1}".to_vec()),
                Condition::None,
            )
            .await
            .unwrap();
        store.increment("C", "n", 5, None).await.unwrap();
    }
    let store = RedbStore::open(&path, clock()).unwrap();
    assert_eq!(
        store.get("PERSONA#X", "A").await.unwrap().unwrap().data,
        b"{\"a\":1}"
    );
    assert_eq!(store.increment("C", "n", 1, None).await.unwrap(), 6);
}

#[tokio::test]
async fn outbox_mailer_writes_a_readable_message() {
    let dir = tempfile::tempdir().unwrap();
    let mailer = OutboxMailer::open(dir.path(), "Comune <anagrafe@comune.example>").unwrap();
    let pdf = b"%PDF-1.7 test".to_vec();
    mailer
        .send(&Mail {
            to: vec!["mario.rossi@example.org".into()],
            cc: vec!["anna.bianchi@example.org".into()],
            subject: "Certificato di residenza".into(),
            text: "In allegato il certificato richiesto.".into(),
            attachments: vec![Attachment {
                filename: "certificato.pdf".into(),
                content_type: "application/pdf".into(),
                bytes: pdf,
            }],
        })
        .await
        .unwrap();
    let files: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .collect();
    assert_eq!(files.len(), 1);
    let eml = std::fs::read_to_string(&files[0]).unwrap();
    assert!(eml.contains("To: mario.rossi@example.org"), "{eml}");
    assert!(eml.contains("Cc: anna.bianchi@example.org"));
    assert!(eml.contains("Subject: Certificato di residenza"));
    assert!(eml.contains("In allegato il certificato richiesto."));
    assert!(eml.contains("filename=\"certificato.pdf\""));
    assert!(eml.contains("Content-Type: application/pdf"));
}

#[tokio::test]
async fn outbox_mailer_rejects_an_invalid_address() {
    let dir = tempfile::tempdir().unwrap();
    let mailer = OutboxMailer::open(dir.path(), "anagrafe@comune.example").unwrap();
    let mail = Mail {
        to: vec!["not an address".into()],
        cc: vec![],
        subject: "x".into(),
        text: "x".into(),
        attachments: vec![],
    };
    assert!(mailer.send(&mail).await.is_err());
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "nothing half-written"
    );
}
