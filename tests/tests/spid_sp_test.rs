//! AgID's conformance tool, spid-sp-test (PyPI, in the test venv), run against the running
//! local SP: metadata checks, AuthnRequest checks, and its ~110 crafted Responses posted to
//! the ACS (it plays the IdP). Every test must pass.

use std::sync::Arc;

use e2e::{run, tool_bin, Portal};
use shared::config::IdpEntry;

#[tokio::test]
async fn spid_sp_test_passes_metadata_authn_request_and_response_tests() {
    let dir = tempfile::tempdir().unwrap();
    let tool = tool_bin(".venv-spid", "spid_sp_test");
    let idp_metadata = run(&tool, &["--idp-metadata"]);
    // The tool's warnings (stderr) come after the document.
    let start = idp_metadata
        .find("<")
        .expect("IdP metadata from spid_sp_test");
    let end = idp_metadata.rfind("EntityDescriptor>").unwrap() + "EntityDescriptor>".len();
    let path = dir.path().join("spid-sp-test-idp.xml");
    std::fs::write(&path, &idp_metadata[start..end]).unwrap();
    let data = dir.path().join("data");
    let portal = Portal::start_with(&data, move |mut s| {
        let mut config = s.config.as_ref().clone();
        config.idps.push(IdpEntry {
            key: "spid-sp-test".into(),
            name: "spid-sp-test".into(),
            kind: shared::config::IdpKind::Spid,
            metadata: path,
            logo: None,
        });
        s.config = Arc::new(config);
        s
    })
    .await;
    // The tool stamps some Responses with the real time: the portal's clock must agree.
    portal.clock.set(chrono::Utc::now());
    let metadata_url = format!("{}/saml/metadata", portal.base);
    let authn_url = format!("{}/saml/login?idp=spid-sp-test", portal.base);
    let report = dir.path().join("report.json");
    let report_arg = report.to_str().unwrap().to_string();
    let (ok, text) = spid_sp_test(vec![
        "--metadata-url".into(),
        metadata_url,
        "--authn-url".into(),
        authn_url,
        "--extra".into(),
        "-tr".into(),
        "-rf".into(),
        "json".into(),
        "-o".into(),
        report_arg,
    ])
    .await;
    let (executed, failed) = summary(&text);
    assert!(
        executed > 200,
        "metadata, AuthnRequest and Response tests ran: {text}"
    );
    assert_eq!(failed, 0, "{text}");
    assert!(ok, "{text}");
    portal.stop().await;
}

/// Runs the tool (off the async workers) with `args`: whether it succeeded, and all it printed.
async fn spid_sp_test(args: Vec<String>) -> (bool, String) {
    let tool = tool_bin(".venv-spid", "spid_sp_test");
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(tool)
            .args(&args)
            .output()
            .expect("spid_sp_test runs")
    })
    .await
    .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// "executed N tests, M failed" of the tool's closing line.
fn summary(text: &str) -> (usize, usize) {
    let line = text
        .lines()
        .rev()
        .find(|l| l.contains("executed"))
        .unwrap_or_else(|| panic!("no summary in {text}"));
    println!("{line}");
    let number = |after: &str| -> usize {
        line.split(after)
            .nth(1)
            .and_then(|s| s.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no count after {after:?} in {line}"))
    };
    (number("executed "), number("tests, "))
}

#[tokio::test]
async fn spid_sp_test_passes_the_cie_public_sp_profile_on_the_cie_metadata() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::start(dir.path()).await;
    let url = format!("{}/saml/cie/metadata", portal.base);
    let (ok, text) = spid_sp_test(vec![
        "--metadata-url".into(),
        url,
        "-pr".into(),
        "cie-sp-public".into(),
    ])
    .await;
    let (executed, failed) = summary(&text);
    assert!(executed >= 70, "the CIE metadata tests ran: {text}");
    assert_eq!(failed, 0, "{text}");
    assert!(ok, "{text}");
    portal.stop().await;
}
