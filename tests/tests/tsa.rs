//! Trusted time (RFC 3161): the runner's TSA answers any RFC 3161 client and openssl verifies
//! its tokens; the cloud's TSA client gets tokens from an independent TSA (openssl's, behind
//! HTTP basic credentials) and the seal it time-stamps is PAdES B-T for pyHanko.

use std::process::Command;

use e2e::aws::{free_port, wait_for, Server};
use e2e::{venv_bin, PdfFile, Portal};
use shared::adapters::http_tsa::HttpTsa;
use shared::adapters::local_signer::SoftwareSigner;
use shared::config::TsaSettings;
use shared::ports::{Signer, Timestamper};

fn openssl(dir: &std::path::Path, args: &[&str]) -> String {
    let out = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("openssl");
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

async fn post_query(portal: &Portal, content_type: &str, body: Vec<u8>) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{}/tsa", portal.base))
        .header("Content-Type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_runner_answers_rfc3161_queries_that_openssl_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::start(&dir.path().join("data")).await;
    let work = dir.path();
    std::fs::write(work.join("d.txt"), "certificato di residenza").unwrap();
    openssl(
        work,
        &[
            "ts", "-query", "-data", "d.txt", "-sha256", "-cert", "-out", "q.tsq",
        ],
    );
    let resp = post_query(
        &portal,
        "application/timestamp-query",
        std::fs::read(work.join("q.tsq")).unwrap(),
    )
    .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.headers()["content-type"],
        "application/timestamp-reply"
    );
    std::fs::write(work.join("r.tsr"), resp.bytes().await.unwrap()).unwrap();
    let text = openssl(work, &["ts", "-reply", "-in", "r.tsr", "-text"]);
    assert!(text.contains("Status: Granted."), "{text}");
    assert!(text.contains("Nonce: 0x"), "{text}");
    let ca = portal.seal_root();
    let ca = ca.to_str().unwrap();
    // Imprint and nonce against the query, signature and EKU against the local root.
    let verified = openssl(
        work,
        &[
            "ts",
            "-verify",
            "-queryfile",
            "q.tsq",
            "-in",
            "r.tsr",
            "-CAfile",
            ca,
        ],
    );
    assert!(verified.contains("Verification: OK"), "{verified}");
    let other = openssl(
        work,
        &[
            "ts", "-verify", "-data", "q.tsq", "-in", "r.tsr", "-CAfile", ca,
        ],
    );
    assert!(!other.contains("Verification: OK"), "{other}");

    // A SHA-1 imprint and a query that does not parse are rejected in the protocol.
    openssl(
        work,
        &[
            "ts", "-query", "-data", "d.txt", "-sha1", "-out", "sha1.tsq",
        ],
    );
    let sha1 = std::fs::read(work.join("sha1.tsq")).unwrap();
    for (query, why) in [
        (sha1, "unrecognized or unsupported algorithm"),
        (
            b"\x30\x03\x02\x01".to_vec(),
            "the data submitted has the wrong format",
        ),
    ] {
        let resp = post_query(&portal, "application/timestamp-query", query).await;
        assert_eq!(resp.status(), 200);
        std::fs::write(work.join("no.tsr"), resp.bytes().await.unwrap()).unwrap();
        let text = openssl(work, &["ts", "-reply", "-in", "no.tsr", "-text"]);
        assert!(text.contains("Status: Rejected."), "{text}");
        assert!(text.contains(&format!("Failure info: {why}")), "{text}");
        assert!(text.contains("TST info:\nNot included."), "{text}");
    }

    // Not a time-stamp query, or too large for one: refused in Italian before any work.
    let resp = post_query(&portal, "application/json", b"{}".to_vec()).await;
    assert_eq!(resp.status(), 415);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("application/timestamp-query"),
        "{body}"
    );
    let resp = post_query(&portal, "application/timestamp-query", vec![0x30; 5000]).await;
    assert_eq!(resp.status(), 413);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert!(
        body["message"].as_str().unwrap().contains("troppo grande"),
        "{body}"
    );

    // The cloud's client speaks to it too.
    let client = HttpTsa::new(TsaSettings {
        url: format!("{}/tsa", portal.base),
        username: None,
        password: None,
    })
    .unwrap();
    let token = client.timestamp(&[9u8; 32]).await.unwrap();
    std::fs::write(work.join("local.tst"), &token).unwrap();
    let digest = hex(&[9u8; 32]);
    let verified = openssl(
        work,
        &[
            "ts",
            "-verify",
            "-token_in",
            "-in",
            "local.tst",
            "-digest",
            &digest,
            "-CAfile",
            ca,
        ],
    );
    assert!(verified.contains("Verification: OK"), "{verified}");
    portal.stop().await;
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test]
async fn the_cloud_client_time_stamps_seals_with_an_independent_tsa() {
    let dir = tempfile::tempdir().unwrap();
    let pki = dir.path().join("tsa");
    let port = free_port();
    let child = Command::new(venv_bin("python"))
        .args([
            &e2e::script("openssl_tsa.py"),
            pki.to_str().unwrap(),
            &port.to_string(),
            "anagrafe:segreto",
        ])
        .spawn()
        .expect("the openssl TSA");
    let _tsa = Server(child);
    wait_for(port);
    let settings = |password: &str| TsaSettings {
        url: format!("http://127.0.0.1:{port}/"),
        username: Some("anagrafe".into()),
        password: Some(password.into()),
    };

    // Wrong credentials: the TSA refuses, and so does the client (nothing to seal with).
    let refused = HttpTsa::new(settings("sbagliata"))
        .unwrap()
        .timestamp(&[1u8; 32])
        .await;
    assert!(refused.unwrap_err().to_string().contains("401"));

    let tsa = HttpTsa::new(settings("segreto")).unwrap();
    let token = tsa.timestamp(&[1u8; 32]).await.unwrap();
    std::fs::write(dir.path().join("t.tst"), &token).unwrap();
    let ca = pki.join("ca.pem");
    let verified = openssl(
        dir.path(),
        &[
            "ts",
            "-verify",
            "-token_in",
            "-in",
            "t.tst",
            "-digest",
            &hex(&[1u8; 32]),
            "-CAfile",
            ca.to_str().unwrap(),
        ],
    );
    assert!(verified.contains("Verification: OK"), "{verified}");

    // A seal time-stamped by it is PAdES B-T for pyHanko, trusting both roots.
    let signer =
        SoftwareSigner::open_or_create(&dir.path().join("signer"), "Comune di Valdemo").unwrap();
    let doc = shared::pdf::Doc {
        title: "Prova".into(),
        author: "Comune di Valdemo".into(),
        running_header: "Prova".into(),
        parts: vec![shared::pdf::Part::para(
            "Sigillato con marca temporale.",
            11.0,
        )],
        footer: shared::pdf::Footer::None,
        watermark: false,
        arms_ratio: 1.0,
    };
    let render = |reserved| {
        let field = shared::pdf::SignatureField {
            name: "Comune di Valdemo".into(),
            reason: "Prova".into(),
            signed_at: chrono::Utc::now(),
            reserved,
        };
        shared::pdf::render_doc(&doc, chrono::Utc::now(), None, Some(&field))
    };
    let sealed = shared::pdf::pades::seal(render, &signer, Some(&tsa))
        .await
        .unwrap();
    let roots = dir.path().join("roots.pem");
    let mut pem = std::fs::read(ca).unwrap();
    pem.extend(std::fs::read(dir.path().join("signer/ca.pem")).unwrap());
    std::fs::write(&roots, pem).unwrap();
    let file = PdfFile::new(&sealed);
    let hanko = file.pyhanko(&roots);
    assert!(
        hanko.contains(":INTACT:TRUSTED,TIMESTAMP_TOKEN<INTACT:TRUSTED>,UNTOUCHED"),
        "{hanko}"
    );
    assert!(file.pades_structure().contains("PAdES-B-T structure OK"));
    assert_eq!(signer.certificate_chain().await.unwrap().len(), 2);
}
