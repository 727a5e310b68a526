//! The cloud adapters against an AWS-compatible server (moto, started here on 127.0.0.1) and a
//! real SMTP server (aiosmtpd): the same contract suite as the local adapters, a certificate
//! sealed through KMS and accepted by pyHanko, an e-mail read back from the mailbox.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
    TimeToLiveSpecification,
};
use aws_sdk_kms::types::{KeySpec, KeyUsageType};
use aws_sdk_s3::types::{BucketLocationConstraint, CreateBucketConfiguration};
use chrono::{TimeZone, Utc};
use e2e::{venv_bin, PdfFile};
use shared::adapters::clock::ManualClock;
use shared::adapters::dynamo::DynamoStore;
use shared::adapters::kms::KmsSigner;
use shared::adapters::s3::S3Archive;
use shared::adapters::smtp::{SmtpMailer, SmtpSettings};
use shared::contract;
use shared::ports::{Attachment, Mail, Mailer};

const REGION: &str = "eu-south-1";

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A child process that is killed when the test ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn wait_for(port: u16) {
    for _ in 0..200 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("server on port {port} did not start");
}

fn moto() -> (Server, String) {
    let port = free_port();
    let child = Command::new(venv_bin("moto_server"))
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("moto_server from the test venv");
    wait_for(port);
    (Server(child), format!("http://127.0.0.1:{port}"))
}

async fn sdk(endpoint: &str) -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(aws_config::Region::new(REGION))
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
            "test", "test", None, None, "test",
        ))
        .load()
        .await
}

fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 11, 23, 10, 0, 0).unwrap(),
    ))
}

#[tokio::test]
async fn dynamodb_store_passes_the_contract() {
    let (_moto, endpoint) = moto();
    let cfg = sdk(&endpoint).await;
    let client = aws_sdk_dynamodb::Client::new(&cfg);
    let attr = |n: &str| {
        AttributeDefinition::builder()
            .attribute_name(n)
            .attribute_type(ScalarAttributeType::S)
            .build()
            .unwrap()
    };
    let key = |n: &str, t| {
        KeySchemaElement::builder()
            .attribute_name(n)
            .key_type(t)
            .build()
            .unwrap()
    };
    client
        .create_table()
        .table_name("anagrafe")
        .attribute_definitions(attr("pk"))
        .attribute_definitions(attr("sk"))
        .key_schema(key("pk", KeyType::Hash))
        .key_schema(key("sk", KeyType::Range))
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .unwrap();
    client
        .update_time_to_live()
        .table_name("anagrafe")
        .time_to_live_specification(
            TimeToLiveSpecification::builder()
                .attribute_name("ttl")
                .enabled(true)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
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
        shared::ports::query_all(store.as_ref(), "BIG", "")
            .await
            .unwrap()
            .len(),
        260
    );
}

#[tokio::test]
async fn s3_archive_passes_the_contract() {
    let (_moto, endpoint) = moto();
    let cfg = sdk(&endpoint).await;
    let client = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&cfg)
            .force_path_style(true)
            .build(),
    );
    client
        .create_bucket()
        .bucket("archivio")
        .create_bucket_configuration(
            CreateBucketConfiguration::builder()
                .location_constraint(BucketLocationConstraint::from(REGION))
                .build(),
        )
        .send()
        .await
        .unwrap();
    let clock = clock();
    let archive = Arc::new(S3Archive::new(client.clone(), "archivio", clock.clone()));
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

#[tokio::test]
async fn a_certificate_sealed_through_kms_is_accepted_by_pyhanko() {
    let (_moto, endpoint) = moto();
    let cfg = sdk(&endpoint).await;
    let kms = aws_sdk_kms::Client::new(&cfg);
    let key = kms
        .create_key()
        .key_spec(KeySpec::EccNistP256)
        .key_usage(KeyUsageType::SignVerify)
        .send()
        .await
        .unwrap();
    let key_id = key.key_metadata().unwrap().key_id().to_string();
    let public = kms.get_public_key().key_id(&key_id).send().await.unwrap();
    // The dev certificate of the KMS key, issued by a test CA.
    let ca_key = p256::ecdsa::SigningKey::random(&mut rand::rngs::OsRng);
    let (leaf, root) = shared::adapters::local_signer::issue_certificates_for(
        public.public_key().unwrap().as_ref(),
        &ca_key,
        "Comune di Valdemo",
    )
    .unwrap();
    use der::{Encode, EncodePem};
    let signer = KmsSigner::new(
        kms,
        key_id,
        vec![leaf.to_der().unwrap(), root.to_der().unwrap()],
    );

    let doc = shared::pdf::Doc {
        title: "Certificato di prova".into(),
        author: "Comune di Valdemo".into(),
        parts: vec![shared::pdf::Part::para(
            "Sigillato con una chiave KMS.",
            11.0,
        )],
        footer: shared::pdf::Footer::None,
    };
    let pdf = shared::pdf::render_doc(&doc, Utc::now());
    let sealed = shared::pdf::pades::sign_pdf(&pdf, &signer, Utc::now(), "Comune di Valdemo")
        .await
        .unwrap();
    shared::pdf::pades::verify_seal(&sealed).expect("the seal verifies");
    let dir = tempfile::tempdir().unwrap();
    let root_pem = dir.path().join("root.pem");
    std::fs::write(&root_pem, root.to_pem(der::pem::LineEnding::LF).unwrap()).unwrap();
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
    )
    .unwrap();
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
