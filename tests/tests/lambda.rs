//! The function binaries as Lambda runs them: each one started against a local Runtime API
//! (`e2e::lambda`) in cloud mode on moto, answering a first request that reaches DynamoDB;
//! and the packaged auth function (infra/lambda/package-auth.sh) running in a root that holds
//! nothing but its package, as on `provided.al2023` where none of Debian's libraries exist.

use std::path::Path;
use std::process::Command;

use e2e::aws::{moto, sdk, workspace_bin};
use e2e::lambda::{
    answered, cloud_env, cold_start, first_requests, http_event, packaged_auth_command,
    packaged_auth_root, sp_keys, LAMBDA_LD_LIBRARY_PATH,
};
use serde_json::{json, Value};

/// The signed SP metadata checked by xmlsec1's own command line against the SP certificate.
fn assert_signed_metadata(body: &str, cert: &Path) {
    assert!(body.contains("EntityDescriptor") && body.contains("SignatureValue"));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("metadata.xml");
    std::fs::write(&file, body).unwrap();
    let out = e2e::run(
        "xmlsec1",
        &[
            "--verify",
            "--pubkey-cert-pem",
            cert.to_str().unwrap(),
            "--id-attr:ID",
            "urn:oasis:names:tc:SAML:2.0:metadata:EntityDescriptor",
            file.to_str().unwrap(),
        ],
    );
    assert!(out.contains("OK"), "{out}");
}

/// A function's log as CloudWatch gets it: JSON lines, the request's line naming the
/// invocation's request id (the runtime's span) and the function, never the path.
fn assert_json_log_with_request_id(name: &str, logs: &str) {
    let events: Vec<Value> = logs
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|_| panic!("{name}: not a JSON line: {l}")))
        .collect();
    let request = events
        .iter()
        .find(|e| e["message"] == "request")
        .unwrap_or_else(|| panic!("{name}: no request line in {logs}"));
    let spans = request["spans"].to_string();
    assert!(spans.contains("requestId"), "{name}: {request}");
    assert!(
        spans.contains(&format!("\"function\":\"{name}\"")),
        "{name}: {request}"
    );
    assert!(
        request["route"].is_string() && request["status"].is_u64(),
        "{name}: {request}"
    );
}

/// A count in the Embedded Metric Format on the function's stdout, as CloudWatch Logs reads
/// it: the stack's namespace, the metric and its dimension at the document's root.
fn assert_emf_count(stdout: &str, metric: &str, (dim, value): (&str, &str)) {
    let found = stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|d| d[metric] == 1)
        .unwrap_or_else(|| panic!("no EMF count of {metric} in {stdout}"));
    let cw = &found["_aws"]["CloudWatchMetrics"][0];
    assert_eq!(cw["Namespace"], "AnagrafeOnline/test", "{found}");
    assert_eq!(cw["Metrics"][0]["Name"], metric, "{found}");
    assert!(found["_aws"]["Timestamp"].is_i64(), "{found}");
    assert_eq!(found[dim], value, "{found}");
    assert_eq!(found["Service"], "anagrafe", "{found}");
}

#[tokio::test]
async fn every_function_answers_through_the_runtime_api_in_cloud_mode() {
    let (_moto, endpoint) = moto();
    let env = cloud_env(&endpoint).await;
    let dir = tempfile::tempdir().unwrap();
    let (key, cert) = (
        dir.path().join("sp-key.pem"),
        dir.path().join("sp-cert.pem"),
    );
    sp_keys(&key, &cert);

    for (name, (event, status, text)) in first_requests() {
        let mut command = Command::new(workspace_bin(name));
        command.envs(env.clone()).env_remove("DATA_DIR");
        let run = cold_start(command, name, event).await;
        let (got, body) = answered(&run.outcome, &run.logs);
        assert_eq!(got, status, "{name}: {body}\n{}", run.logs);
        assert!(body.contains(text), "{name}: {body}");
        assert!(run.init <= run.first_response);
        assert_json_log_with_request_id(name, &run.logs);
        if name == "verify" {
            assert_emf_count(&run.stdout, "Verifications", ("Outcome", "not_found"));
        }
    }

    let mut command = Command::new(workspace_bin("auth"));
    command
        .envs(env.clone())
        .env("SAML_KEY_FILE", &key)
        .env("SAML_CERT_FILE", &cert);
    let run = cold_start(command, "auth", http_event("GET", "/saml/metadata", &[])).await;
    let (status, body) = answered(&run.outcome, &run.logs);
    assert_eq!(status, 200, "{body}\n{}", run.logs);
    assert!(body.contains("https://servizi.comune.example/saml/acs"));
    assert_signed_metadata(&body, &cert);

    // In the cloud a missing SP key is a configuration error shown as such, not a new key.
    let mut command = Command::new(workspace_bin("auth"));
    command
        .envs(env)
        .env("SAML_KEY_FILE", dir.path().join("assente.pem"))
        .env("SAML_CERT_FILE", &cert);
    let run = cold_start(command, "auth", http_event("GET", "/saml/metadata", &[])).await;
    let (status, body) = answered(&run.outcome, &run.logs);
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("non è configurato correttamente"), "{body}");
    assert!(!dir.path().join("assente.pem").exists());
}

/// The event template.yaml's schedule `name` delivers.
fn scheduled_event(name: &str) -> Value {
    let template =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../template.yaml")).unwrap();
    let at = template.find(&format!("{name}:")).expect("the schedule");
    let line = template[at..]
        .lines()
        .find(|l| l.trim_start().starts_with("Input: '"))
        .unwrap();
    let json = line
        .trim()
        .trim_start_matches("Input: '")
        .trim_end_matches('\'');
    serde_json::from_str(json).expect("the schedule's input is JSON")
}

#[tokio::test]
async fn the_schedule_seals_yesterdays_audit_and_nobody_else_can() {
    let (_moto, endpoint) = moto();
    let env = cloud_env(&endpoint).await;
    let run = |event: Value| {
        let mut command = Command::new(workspace_bin("import"));
        command.envs(env.clone()).env_remove("DATA_DIR");
        cold_start(command, "import", event)
    };
    let out = run(scheduled_event("SealAudit")).await;
    let (status, body) = answered(&out.outcome, &out.logs);
    assert_eq!(status, 200, "{body}\n{}", out.logs);
    let manifest: Value = serde_json::from_str(&body).unwrap();
    let yesterday = (chrono::Utc::now() - chrono::Duration::days(1)).date_naive();
    assert_eq!(manifest["day"], yesterday.to_string(), "{body}");
    assert!(manifest["chains"].is_array());
    // Sealed with the KMS key, kept in the table.
    let cfg = sdk(&endpoint).await;
    let item = aws_sdk_dynamodb::Client::new(&cfg)
        .get_item()
        .table_name("anagrafe")
        .key(
            "pk",
            aws_sdk_dynamodb::types::AttributeValue::S("AUDITSIGILLO".into()),
        )
        .key(
            "sk",
            aws_sdk_dynamodb::types::AttributeValue::S(yesterday.to_string()),
        )
        .send()
        .await
        .unwrap();
    assert!(item.item.is_some(), "the seal is stored");

    // The same route through the API (its own apiId) does not exist.
    let out = run(http_event("POST", "/internal/audit/seal", &[])).await;
    let (status, body) = answered(&out.outcome, &out.logs);
    assert_eq!(status, 404, "{body}");
    assert!(body.contains("non esiste"), "{body}");
}

#[tokio::test]
async fn the_schedules_reconcile_payments_and_sweep_the_archive_and_nobody_else_can() {
    let (_moto, endpoint) = moto();
    let env = cloud_env(&endpoint).await;
    let run = |event: Value| {
        let mut command = Command::new(workspace_bin("certificates"));
        command.envs(env.clone()).env_remove("DATA_DIR");
        cold_start(command, "certificates", event)
    };
    let out = run(scheduled_event("ReconcilePayments")).await;
    let (status, body) = answered(&out.outcome, &out.logs);
    assert_eq!(status, 200, "{body}\n{}", out.logs);
    let report: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(report["checked"], 0, "{body}");
    assert_eq!(report["failed"], 0, "{body}");
    let out = run(http_event("POST", "/internal/payments/reconcile", &[])).await;
    let (status, body) = answered(&out.outcome, &out.logs);
    assert_eq!(status, 404, "{body}");
    // The archive's sweep, on its own schedule, and only on it.
    let out = run(scheduled_event("SweepArchive")).await;
    let (status, body) = answered(&out.outcome, &out.logs);
    assert_eq!(status, 200, "{body}\n{}", out.logs);
    let swept: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (&swept["checked"], &swept["removed"]),
        (&json!(0), &json!(0)),
        "{body}"
    );
    let out = run(http_event("POST", "/internal/archive/sweep", &[])).await;
    let (status, body) = answered(&out.outcome, &out.logs);
    assert_eq!(status, 404, "{body}");
}

#[tokio::test]
async fn the_packaged_auth_function_runs_with_nothing_but_its_package() {
    let root = tempfile::tempdir().unwrap();
    let out = packaged_auth_root(root.path(), &workspace_bin("auth"));
    assert!(out.contains("auth packaged in"), "{out}");
    // A decoy /lib64 on Lambda's LD_LIBRARY_PATH: the package must not pick anything up
    // from there.
    let opt = root.path().join("opt/saml");
    std::fs::create_dir_all(root.path().join("lib64")).unwrap();
    std::fs::write(root.path().join("lib64/libc.so.6"), b"not a library").unwrap();
    sp_keys(&opt.join("sp-key.pem"), &opt.join("sp-cert.pem"));

    // ldd, as the loader in the package sees it from inside that root.
    let listing = Command::new("chroot")
        .arg(root.path())
        .args([
            "/var/task/lib/ld-linux-x86-64.so.2",
            "--list",
            "/var/task/bootstrap",
        ])
        .env("LD_LIBRARY_PATH", LAMBDA_LD_LIBRARY_PATH)
        .output()
        .unwrap();
    let listing = String::from_utf8_lossy(&listing.stdout).into_owned();
    for lib in [
        "libxmlsec1.so.1",
        "libxml2.so.2",
        "libssl.so.3",
        "libc.so.6",
    ] {
        assert!(
            listing.contains(&format!("{lib} => /var/task/lib/{lib}")),
            "{lib} not in the package:\n{listing}"
        );
    }
    assert!(!listing.contains("not found"), "{listing}");

    let (_moto, endpoint) = moto();
    let command = packaged_auth_command(root.path(), &cloud_env(&endpoint).await);
    let run = cold_start(command, "auth", http_event("GET", "/saml/metadata", &[])).await;
    let (status, body) = answered(&run.outcome, &run.logs);
    assert_eq!(status, 200, "{body}\n{}", run.logs);
    assert_signed_metadata(&body, &opt.join("sp-cert.pem"));
}
