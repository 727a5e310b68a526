//! The cloud adapters against an AWS-compatible server (moto, started here on 127.0.0.1) and a
//! real SMTP server (aiosmtpd): the same contract suite as the local adapters, a certificate
//! sealed through KMS and accepted by pyHanko, an e-mail read back from the mailbox.

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use e2e::aws::{
    create_bucket, create_seal_key, create_table, free_port, moto, moto_authenticating_after,
    ops_command, sdk, sdk_env, wait_for, Server, REGION,
};
use e2e::{venv_bin, PdfFile};
use shared::adapters::dynamo::DynamoStore;
use shared::adapters::kms::KmsSigner;
use shared::adapters::s3::S3Archive;
use shared::adapters::smtp::SmtpMailer;
use shared::config::SmtpSettings;
use shared::ports::{ArchiveStore, Attachment, Mail, Mailer, PortError};
use shared::testkit::contract;
use shared::testkit::ManualClock;

fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 11, 23, 10, 0, 0).unwrap(),
    ))
}

#[tokio::test]
async fn dynamodb_store_passes_the_contract() {
    let (_moto, endpoint) = moto();
    let cfg = sdk(&endpoint).await;
    let client = create_table(&cfg, "anagrafe").await;
    let clock = clock();
    let store = Arc::new(DynamoStore::new(client, "anagrafe", clock.clone()));
    contract::registry_store(store.clone(), &clock, "").await;
    // Batches larger than DynamoDB's 25 items and pages larger than one query.
    let items: Vec<_> = (0..260)
        .map(|i| shared::ports::Item::new("BIG", format!("{i:05}"), b"{}".to_vec()))
        .collect();
    shared::ports::RegistryStore::put_batch(store.as_ref(), items)
        .await
        .unwrap();
    assert_eq!(
        shared::ports::query_all(
            store.as_ref(),
            &shared::keys::Prefix {
                pk: "BIG".into(),
                sk_prefix: String::new(),
            },
        )
        .await
        .unwrap()
        .len(),
        260
    );
}

/// The import on DynamoDB: bulk reads and writes in parallel batches; a second run writes
/// nothing. Prints what one person costs in items and bytes, the figures the README's
/// per-million estimate multiplies.
/// The protocol register on DynamoDB: the same conditional transactions as on redb.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_protocol_register_on_dynamodb_passes_the_contract() {
    let (_moto, endpoint) = moto();
    let cfg = sdk(&endpoint).await;
    let client = create_table(&cfg, "anagrafe").await;
    let clock = clock();
    let store = Arc::new(DynamoStore::new(client, "anagrafe", clock.clone()));
    let register = shared::adapters::store_protocollo::StoreProtocollo::new(store, clock);
    contract::protocollo(Arc::new(register), "").await;
}

#[tokio::test]
async fn an_import_into_dynamodb_is_batched_and_idempotent() {
    use shared::services::import::import;
    use shared::testkit::demo::{generate, write_jsonl, DemoSpec, DEFAULT_SEED};
    let (_moto, endpoint) = moto();
    let cfg = sdk(&endpoint).await;
    let client = create_table(&cfg, "anagrafe").await;
    let clock = clock();
    let dir = tempfile::tempdir().unwrap();
    let local = shared::app::AppState::local(
        shared::config::Config::for_tests(dir.path().to_path_buf()),
        clock.clone(),
    )
    .unwrap();
    let store = Arc::new(DynamoStore::new(client, "anagrafe", clock.clone()));
    let app = shared::app::AppState {
        store: store.clone(),
        ..local
    };
    let records = generate(&DemoSpec {
        persons: 400,
        seed: DEFAULT_SEED,
        today: chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
        municipality: app.config.municipality.clone(),
    });
    let mut file = Vec::new();
    write_jsonl(&records, &mut file).unwrap();
    let started = std::time::Instant::now();
    let first = import(&app, file.as_slice()).await.unwrap();
    let took = started.elapsed();
    assert!(first.errors.is_empty(), "{first}");
    assert_eq!(first.written, records.len());
    let again = import(&app, file.as_slice()).await.unwrap();
    assert_eq!((again.written, again.unchanged), (0, records.len()));

    // What one person costs: its items and their size (DynamoDB bills 1 KB per write unit).
    let mut items = 0usize;
    let mut units = 0usize;
    for r in &records {
        let batch = match r {
            shared::services::import::Record::Persona(p) => {
                shared::services::registry::person_items(p).unwrap()
            }
            shared::services::import::Record::Famiglia(f) => {
                vec![shared::services::registry::household_item(f).unwrap()]
            }
        };
        for i in batch {
            items += 1;
            units += (i.pk.len() + i.sk.len() + i.data.len() + 40).div_ceil(1024);
        }
    }
    let persons = first.persons;
    eprintln!(
        "dynamodb import: {persons} persons, {} records, {items} items, {units} write units ({:.2} per person), {:.1?} on moto",
        records.len(),
        units as f64 / persons as f64,
        took
    );
    let cf = records.iter().find_map(|r| match r {
        shared::services::import::Record::Persona(p) => Some(p.codice_fiscale.clone()),
        _ => None,
    });
    assert!(
        shared::services::registry::person(store.as_ref(), &cf.unwrap())
            .await
            .unwrap()
            .is_some()
    );
}

#[tokio::test]
async fn s3_archive_passes_the_contract() {
    let (_moto, endpoint) = moto();
    let cfg = sdk(&endpoint).await;
    let client = create_bucket(&cfg, "archivio").await;
    let clock = clock();
    let archive = Arc::new(S3Archive::new(&cfg, "archivio", clock.clone()));
    contract::archive_store(archive.clone(), &clock, "").await;
    // Objects are stored encrypted.
    shared::ports::ArchiveStore::put(
        archive.as_ref(),
        "2026/X.pdf",
        b"%PDF",
        clock.now_utc() + chrono::Duration::days(1),
    )
    .await
    .unwrap();
    let head = client
        .head_object()
        .bucket("archivio")
        .key("2026/X.pdf")
        .send()
        .await
        .unwrap();
    assert_eq!(
        head.server_side_encryption().map(|s| s.as_str()),
        Some("AES256")
    );
}

/// The archive signs its own S3 calls (aws-sigv4): moto, checking every signature against its
/// IAM users, takes them from a user allowed the archive's calls and refuses them, with
/// nothing written, under a wrong secret.
#[tokio::test]
async fn the_archive_signs_its_s3_calls_as_s3_checks_them() {
    // Four requests before moto authenticates: the bucket, the user, its policy, its key.
    let (_moto, endpoint) = moto_authenticating_after(Some(4));
    create_bucket(&sdk(&endpoint).await, "archivio").await;
    let out = Command::new(venv_bin("python"))
        .args([&e2e::script("iam_user.py"), &endpoint, REGION, "archivio"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let key: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let as_user = |secret: &str| {
        aws_config::SdkConfig::builder()
            .behavior_version(aws_config::BehaviorVersion::latest())
            .endpoint_url(&endpoint)
            .region(aws_config::Region::new(REGION))
            .credentials_provider(aws_sdk_dynamodb::config::SharedCredentialsProvider::new(
                aws_sdk_dynamodb::config::Credentials::new(
                    key["id"].as_str().unwrap(),
                    secret,
                    None,
                    None,
                    "test",
                ),
            ))
            .build()
    };
    let clock = clock();
    let until = clock.now_utc() + chrono::Duration::days(183);
    let (name, pdf) = ("certificati/2026/FIRM-A.pdf", b"%PDF-1.7 signed".to_vec());

    let forged = S3Archive::new(&as_user("not-the-secret"), "archivio", clock.clone());
    let refused = ArchiveStore::put(&forged, name, &pdf, until).await;
    assert!(
        matches!(&refused, Err(PortError::Unavailable { detail, .. }) if detail.contains("403") && detail.contains("SignatureDoesNotMatch")),
        "{refused:?}"
    );
    let archive = S3Archive::new(
        &as_user(key["secret"].as_str().unwrap()),
        "archivio",
        clock.clone(),
    );
    assert_eq!(
        ArchiveStore::get(&archive, name).await.unwrap(),
        None,
        "nothing written"
    );
    ArchiveStore::put(&archive, name, &pdf, until)
        .await
        .unwrap();
    assert_eq!(
        ArchiveStore::get(&archive, name).await.unwrap(),
        Some(pdf.clone())
    );
    assert!(
        ArchiveStore::get(&forged, name).await.is_err(),
        "a wrong secret reads nothing"
    );
    ArchiveStore::delete(&archive, name).await.unwrap();
    assert_eq!(ArchiveStore::get(&archive, name).await.unwrap(), None);
}

/// The archive's Object Lock on moto's S3: an original is locked in governance mode until
/// its expiry; the service cannot replace it (a conditional write), a plain overwrite only
/// adds a version, a deletion only a delete marker, and deleting the locked version itself
/// is refused — the original's bytes stay retrievable until the lock ends.
#[tokio::test]
async fn a_locked_archived_original_can_be_neither_overwritten_nor_deleted() {
    let (_moto, endpoint) = moto();
    let cfg = sdk(&endpoint).await;
    let client = create_bucket(&cfg, "archivio").await;
    let clock = clock();
    let archive = S3Archive::new(&cfg, "archivio", clock.clone());
    let (key, original) = ("certificati/2026/ABCD.pdf", b"%PDF-1.7 original".to_vec());
    let until = clock.now_utc() + chrono::Duration::days(183);
    ArchiveStore::put(&archive, key, &original, until)
        .await
        .unwrap();
    let head = client
        .head_object()
        .bucket("archivio")
        .key(key)
        .send()
        .await
        .unwrap();
    assert_eq!(
        head.object_lock_mode().map(|m| m.as_str()),
        Some("GOVERNANCE")
    );
    let locked_until = head.object_lock_retain_until_date().unwrap().secs();
    assert_eq!(locked_until, until.timestamp(), "locked until its expiry");
    let version = head.version_id().unwrap().to_string();
    let read = |v: String| {
        let client = client.clone();
        async move {
            let o = client
                .get_object()
                .bucket("archivio")
                .key(key)
                .version_id(v)
                .send()
                .await
                .unwrap();
            o.body.collect().await.unwrap().into_bytes().to_vec()
        }
    };

    // The service cannot replace it; a plain overwrite makes a new version beside it.
    let forged = b"%PDF-1.7 forged".to_vec();
    let refused = ArchiveStore::put(&archive, key, &forged, until).await;
    assert!(
        matches!(refused, Err(PortError::ConditionFailed)),
        "{refused:?}"
    );
    assert_eq!(
        ArchiveStore::get(&archive, key).await.unwrap(),
        Some(original.clone())
    );
    client
        .put_object()
        .bucket("archivio")
        .key(key)
        .body(forged.clone().into())
        .metadata("expires-at", until.to_rfc3339())
        .send()
        .await
        .unwrap();
    assert_eq!(
        read(version.clone()).await,
        original,
        "the locked version is intact"
    );

    // A deletion hides it; destroying the locked version is refused.
    ArchiveStore::delete(&archive, key).await.unwrap();
    assert_eq!(ArchiveStore::get(&archive, key).await.unwrap(), None);
    let destroyed = client
        .delete_object()
        .bucket("archivio")
        .key(key)
        .version_id(&version)
        .send()
        .await;
    let err = destroyed.expect_err("a locked version cannot be deleted");
    let code = err
        .as_service_error()
        .and_then(|e| e.meta().code().map(String::from));
    assert_eq!(code.as_deref(), Some("AccessDenied"), "{err:?}");
    assert_eq!(read(version).await, original, "still there after both");
}

/// `certificates <args>` (the ops command line) against the KMS of `endpoint`.
fn seal_command(endpoint: &str, key_id: &str, args: &[&str]) -> String {
    let mut env = sdk_env(endpoint);
    env.push(("KMS_KEY_ID", key_id.to_string()));
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    ops_command("certificates", args, &env)
}

#[tokio::test]
async fn a_certificate_sealed_through_kms_is_accepted_by_pyhanko() {
    let (_moto, endpoint) = moto();
    let cfg = sdk(&endpoint).await;
    let (kms, key_id) = create_seal_key(&cfg).await;
    let public = kms.get_public_key().key_id(&key_id).send().await.unwrap();
    let public = public.public_key().unwrap().as_ref().to_vec();
    let dir = tempfile::tempdir().unwrap();
    // The ops command, signing through KMS: the request for the trust service provider...
    let csr = seal_command(&endpoint, &key_id, &["seal-csr"]);
    let csr_file = dir.path().join("seal.csr");
    std::fs::write(&csr_file, &csr).unwrap();
    let checked = e2e::run(
        "openssl",
        &[
            "req",
            "-in",
            csr_file.to_str().unwrap(),
            "-verify",
            "-noout",
            "-subject",
        ],
    );
    assert!(checked.contains("verify OK"), "{checked}");
    assert!(
        checked.contains("CN = Comune di Valdemo - Servizi Demografici"),
        "{checked}"
    );
    {
        use der::{DecodePem, Encode};
        let req = x509_cert::request::CertReq::from_pem(csr.as_bytes()).unwrap();
        assert_eq!(req.info.public_key.to_der().unwrap(), public, "the KMS key");
    }
    // ... and the self-issued certificate that seals here, trusted explicitly.
    let cert = seal_command(&endpoint, &key_id, &["seal-self-signed", "30"]);
    let root_pem = dir.path().join("seal.pem");
    std::fs::write(&root_pem, &cert).unwrap();
    let chain = shared::seal::pem_chain(&cert).unwrap();
    let signer = KmsSigner::new(kms, key_id, chain);

    let doc = shared::pdf::Doc {
        title: "Certificato di prova".into(),
        author: "Comune di Valdemo".into(),
        running_header: "Certificato di prova".into(),
        parts: vec![shared::pdf::Part::para(
            "Sigillato con una chiave KMS.",
            11.0,
        )],
        footer: shared::pdf::Footer::None,
        watermark: false,
        arms_ratio: 1.0,
    };
    let field = shared::pdf::SignatureField {
        name: "Comune di Valdemo".into(),
        reason: "Prova".into(),
        signed_at: Utc::now(),
        reserved: 0,
    };
    let render = |reserved| {
        let field = shared::pdf::SignatureField {
            reserved,
            ..field.clone()
        };
        shared::pdf::render_doc(&doc, Utc::now(), None, Some(&field))
    };
    let sealed = shared::pdf::pades::seal(render, &signer, None)
        .await
        .unwrap();
    shared::pdf::pades::verify_seal(&sealed).expect("the seal verifies");
    let file = PdfFile::new(&sealed);
    let hanko = file.pyhanko(&root_pem);
    assert!(
        hanko
            .lines()
            .any(|l| l.ends_with(":INTACT:TRUSTED,UNTOUCHED")),
        "{hanko}"
    );
    let sig = file.pdfsig(&root_pem);
    assert!(sig.contains("Signature is Valid."), "{sig}");
}

#[tokio::test]
async fn the_smtp_mailer_delivers_to_a_real_server() {
    let port = free_port();
    let dir = tempfile::tempdir().unwrap();
    let mailbox = dir.path().join("mailbox");
    for sub in ["tmp", "new", "cur"] {
        std::fs::create_dir_all(mailbox.join(sub)).unwrap();
    }
    let child = Command::new(venv_bin("python"))
        .args([
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            &format!("127.0.0.1:{port}"),
            "-c",
            "aiosmtpd.handlers.Mailbox",
            mailbox.to_str().unwrap(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("aiosmtpd from the test venv");
    let _server = Server(child);
    wait_for(port);
    let mailer = SmtpMailer::new(
        &SmtpSettings {
            host: "127.0.0.1".into(),
            port,
            username: None,
            password: None,
            starttls: false,
        },
        "Servizi Demografici <anagrafe@comune.example>",
    );
    mailer
        .send(&Mail {
            to: vec!["mario.rossi@example.org".into()],
            cc: vec!["anna.bianchi@example.org".into()],
            subject: "Certificato di residenza".into(),
            text: "In allegato il certificato.".into(),
            attachments: vec![Attachment {
                filename: "certificato.pdf".into(),
                content_type: "application/pdf".into(),
                bytes: b"%PDF-1.7 prova".to_vec(),
            }],
        })
        .await
        .unwrap();
    let mut delivered = Vec::new();
    for _ in 0..50 {
        delivered = std::fs::read_dir(mailbox.join("new"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        if !delivered.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(delivered.len(), 1);
    let mail: serde_json::Value = serde_json::from_str(&e2e::run(
        venv_bin("python"),
        &[&e2e::script("read_eml.py"), delivered[0].to_str().unwrap()],
    ))
    .unwrap();
    assert_eq!(mail["to"], "mario.rossi@example.org");
    assert_eq!(mail["cc"], "anna.bianchi@example.org");
    assert!(mail["text"]
        .as_str()
        .unwrap()
        .contains("In allegato il certificato."));
    assert_eq!(mail["attachments"][0]["filename"], "certificato.pdf");
}
