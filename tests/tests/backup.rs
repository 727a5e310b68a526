//! Backup and restore of the local runner (`anagrafe-local backup|restore`): a snapshot of a
//! portal's data directory restored into an empty one gives the same household view, the
//! same "I miei certificati" and the same verification of an issued certificate; a running
//! portal, a non-empty target and a damaged backup are refused.

use std::path::Path;
use std::process::Command;

use e2e::aws::workspace_bin;
use e2e::{PdfFile, Portal};
use serde_json::json;

/// `anagrafe-local <args>` on `data_dir`: success and its output, or failure and its error.
fn local(data_dir: &Path, args: &[&str]) -> (bool, String) {
    let out = Command::new(workspace_bin("anagrafe-local"))
        .args(args)
        .env("DATA_DIR", data_dir)
        .env("MUNICIPALITY_NAME", "Valdemo")
        .env_remove("TABLE_NAME")
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

/// What a citizen and a recipient see: the household, "I miei certificati", the verification
/// page of the QR link (the portal's own address left out: each run listens elsewhere).
async fn seen(portal: &Portal, link_path: &str) -> (String, String, String) {
    let me = portal.citizen();
    let who = portal.session(&me, false).await;
    let (s1, household) = portal.get("/api/household", Some(&who.cookie)).await;
    let (s2, mine) = portal
        .get("/api/certificates/mine", Some(&who.cookie))
        .await;
    let page = reqwest::get(format!("{}{link_path}", portal.base))
        .await
        .unwrap();
    assert_eq!((s1, s2, page.status().as_u16()), (200, 200, 200));
    let page = page.text().await.unwrap().replace(&portal.base, "<portal>");
    (household.to_string(), mine.to_string(), page)
}

#[tokio::test]
async fn a_restored_backup_shows_the_same_household_certificates_and_verification() {
    let root = tempfile::tempdir().unwrap();
    let (data, snapshot, restored) = (
        root.path().join("data"),
        root.path().join("backup"),
        root.path().join("restored"),
    );
    let portal = Portal::start(&data).await;
    let me = portal.citizen();
    let who = portal.session(&me, false).await;
    let body = json!({"person": me.codice_fiscale, "type": "residenza", "uso": "pensioni", "delivery": "download"});
    let resp = portal.post("/api/certificates", &who, &body, &[]).await;
    assert_eq!(resp.status(), 201);
    let pdf = resp.bytes().await.unwrap().to_vec();
    let link = PdfFile::new(&pdf).qr_codes().remove(0);
    let link_path = link[link.find("/verifica/").unwrap()..].to_string();
    let before = seen(&portal, &link_path).await;
    assert!(before.2.contains("Certificato valido"), "{}", before.2);

    // While the portal runs, the store is in use: the backup refuses.
    let (ok, text) = local(&data, &["backup", snapshot.to_str().unwrap()]);
    assert!(!ok && text.contains("stop the portal"), "{text}");
    portal.stop().await;

    let (ok, text) = local(&data, &["backup", snapshot.to_str().unwrap()]);
    assert!(ok, "{text}");
    assert!(text.contains("backup written to"), "{text}");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(snapshot.join("manifest.json")).unwrap()).unwrap();
    let paths: Vec<&str> = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    for needed in ["registry.redb", "signer/ca.pem", "tsa/key.pem"] {
        assert!(paths.contains(&needed), "{needed} not in {paths:?}");
    }
    assert!(
        paths.iter().any(|p| p.starts_with("archive/certificati/")),
        "{paths:?}"
    );

    // Into a directory that is not empty: refused, nothing touched.
    let (ok, text) = local(&data, &["restore", snapshot.to_str().unwrap()]);
    assert!(
        !ok && text.contains("only into an empty directory"),
        "{text}"
    );
    // Into an empty one: the same views.
    let (ok, text) = local(&restored, &["restore", snapshot.to_str().unwrap()]);
    assert!(ok, "{text}");
    let portal = Portal::start(&restored).await;
    let after = seen(&portal, &link_path).await;
    assert_eq!(after.0, before.0, "the household view");
    assert_eq!(after.1, before.1, "I miei certificati");
    assert_eq!(after.2, before.2, "the verification page");
    portal.stop().await;

    // A damaged backup is refused before anything is copied.
    let archived = paths
        .iter()
        .find(|p| p.starts_with("archive/certificati/"))
        .unwrap();
    let file = snapshot.join("data").join(archived);
    let mut bytes = std::fs::read(&file).unwrap();
    bytes[100] ^= 1;
    std::fs::write(&file, bytes).unwrap();
    let elsewhere = root.path().join("elsewhere");
    let (ok, text) = local(&elsewhere, &["restore", snapshot.to_str().unwrap()]);
    assert!(!ok && text.contains("the backup is damaged"), "{text}");
    assert!(!elsewhere.exists() || std::fs::read_dir(&elsewhere).unwrap().next().is_none());
}
