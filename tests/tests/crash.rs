//! Crash consistency: the local portal (`crash-portal`, the runner's router on a data
//! directory) is killed with SIGKILL at a random moment while certificates in bollo are
//! issued and a large import runs, `CRASH_KILLS` times (5 by default; 50 in the full
//! reliability run). After each kill an invariant checker reads the store and the archive:
//! every certificate answered 201 has its record; every record has its archived original;
//! every consumed marca (a completed ledger entry) has its certificate with the same hash; no
//! archived original without a record (or a pending one) from before the last start. At the
//! end the import runs to completion and the registry equals a clean import's.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use e2e::aws::{free_port, wait_for, workspace_bin};
use rand::Rng;
use serde_json::{json, Value};
use shared::adapters::clock::SystemClock;
use shared::adapters::local_store::RedbStore;
use shared::domain::certificate::CertificateRecord;

fn kills() -> usize {
    std::env::var("CRASH_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5)
}

/// Where the portal listens and the sessions it opened.
#[derive(Clone)]
struct Endpoint {
    base: String,
    logins: Value,
}

struct Running {
    child: Child,
    at: Endpoint,
    started: SystemTime,
}

/// Starts the portal on `dir` and waits until it serves (after its startup sweep).
fn start(dir: &Path) -> Running {
    let sessions = dir.with_extension("sessions.json");
    let _ = std::fs::remove_file(&sessions);
    let port = free_port();
    let started = SystemTime::now();
    let child = Command::new(workspace_bin("crash-portal"))
        .env("DATA_DIR", dir)
        .env("PORT", port.to_string())
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for(port);
    let logins = serde_json::from_slice(&std::fs::read(&sessions).unwrap()).unwrap();
    Running {
        child,
        at: Endpoint {
            base: format!("http://127.0.0.1:{port}"),
            logins,
        },
        started,
    }
}

fn kill(mut r: Running) -> SystemTime {
    r.child.kill().unwrap(); // SIGKILL
    r.child.wait().unwrap();
    r.started
}

/// The export the import loads: households and persons of the demo generator.
fn big_export(persons: usize) -> Vec<u8> {
    let spec = shared::testkit::demo::DemoSpec {
        persons,
        seed: 4242,
        today: e2e::today(),
        municipality: shared::config::Config::for_tests("/tmp".into()).municipality,
    };
    let mut out = Vec::new();
    shared::testkit::demo::write_jsonl(&shared::testkit::demo::generate(&spec), &mut out).unwrap();
    out
}

async fn import(r: &Endpoint, export: Vec<u8>) -> Result<Value, reqwest::Error> {
    let op = &r.logins["operator"];
    reqwest::Client::new()
        .post(format!("{}/api/import", r.base))
        .header("Cookie", op["cookie"].as_str().unwrap())
        .header("X-CSRF-Token", op["csrf"].as_str().unwrap())
        .body(export)
        .send()
        .await?
        .json()
        .await
}

/// Issues certificates in bollo, each with a new marca, until the portal dies; the IDs it
/// answered 201 for go into `issued`.
async fn issue_until_killed(r: &Endpoint, marca: Arc<Mutex<u64>>, issued: Arc<Mutex<Vec<String>>>) {
    let c = &r.logins["citizen"];
    let client = reqwest::Client::new();
    let today = chrono::Utc::now().date_naive().to_string();
    loop {
        let n = {
            let mut m = marca.lock().unwrap();
            *m += 1;
            *m
        };
        let body = json!({"person": c["cf"], "type": "residenza", "uso": "uso_privato",
            "bollo": {"id": format!("{n:014}"), "date": today}, "delivery": "download"});
        let sent = client
            .post(format!("{}/api/certificates", r.base))
            .header("Cookie", c["cookie"].as_str().unwrap())
            .header("X-CSRF-Token", c["csrf"].as_str().unwrap())
            .header("Idempotency-Key", format!("k-{n}"))
            .json(&body)
            .send()
            .await;
        match sent {
            Ok(resp) if resp.status() == 201 => {
                let id = resp.headers()["x-certificate-id"]
                    .to_str()
                    .unwrap()
                    .to_string();
                issued.lock().unwrap().push(id);
            }
            Ok(resp) => assert!(resp.status().as_u16() < 500, "{}", resp.status()),
            Err(_) => return,
        }
    }
}

/// Every live item of the store of `dir`, by partition and sort key.
fn items(dir: &Path) -> BTreeMap<(String, String), Vec<u8>> {
    let store = RedbStore::open(&dir.join("registry.redb"), Arc::new(SystemClock)).unwrap();
    store
        .items()
        .unwrap()
        .into_iter()
        .map(|i| ((i.pk, i.sk), i.data))
        .collect()
}

/// Every file under the archive of `dir` with its change time.
fn archived(dir: &Path) -> HashMap<String, SystemTime> {
    let root = dir.join("archive");
    let mut out = HashMap::new();
    let mut todo = vec![root.clone()];
    while let Some(d) = todo.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let path: PathBuf = e.path();
            if path.is_dir() {
                todo.push(path);
            } else if !path.to_string_lossy().contains(".tmp-") {
                let key = path
                    .strip_prefix(&root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.insert(key, ctime(&path));
            }
        }
    }
    out
}

fn ctime(path: &Path) -> SystemTime {
    use std::os::unix::fs::MetadataExt;
    let secs = std::fs::metadata(path).unwrap().ctime();
    SystemTime::UNIX_EPOCH + Duration::from_secs(secs as u64)
}

/// The invariants after a kill; the number of records and consumed marche seen.
fn check(dir: &Path, issued: &[String], last_start: SystemTime) -> (usize, usize) {
    let items = items(dir);
    let files = archived(dir);
    let mut records = HashMap::new();
    let mut referenced = BTreeSet::new();
    for ((pk, _), data) in &items {
        if let Some(id) = pk.strip_prefix("CERT#") {
            let r: CertificateRecord = serde_json::from_slice(data).unwrap();
            assert!(
                files.contains_key(&r.archive_key),
                "record {id} without its original {}",
                r.archive_key
            );
            referenced.insert(r.archive_key.clone());
            records.insert(id.to_string(), r);
        } else if pk.starts_with("CERTPAY#") {
            let p: Value = serde_json::from_slice(data).unwrap();
            referenced.insert(p["record"]["archive_key"].as_str().unwrap().to_string());
        }
    }
    for id in issued {
        assert!(
            records.contains_key(id),
            "certificate {id} answered 201 but has no record"
        );
    }
    let mut consumed = 0;
    for ((pk, _), data) in &items {
        if pk.starts_with("BOLLO#") {
            let entry: Value = serde_json::from_slice(data).unwrap();
            if let Some(hash) = entry["sha256"].as_str() {
                consumed += 1;
                let id = entry["certificate"].as_str().unwrap();
                let r = records
                    .get(id)
                    .unwrap_or_else(|| panic!("{pk} consumed without its certificate {id}"));
                assert_eq!(r.sha256, hash, "{pk}: the certificate it names");
            }
        }
    }
    let swept_before = last_start - Duration::from_secs(61);
    for (key, at) in &files {
        if key.starts_with("certificati/") && !referenced.contains(key) {
            assert!(
                *at > swept_before,
                "{key}: archived without a record since before the last start"
            );
        }
    }
    (records.len(), consumed)
}

/// The registry's items: persons, households and their indexes.
fn registry(dir: &Path) -> BTreeMap<(String, String), Vec<u8>> {
    let index = shared::keys::generalita("X", "Y", e2e::today(), "Z").pk;
    let index = index.split('#').next().unwrap().to_string() + "#";
    items(dir)
        .into_iter()
        .filter(|((pk, _), _)| {
            pk.starts_with("PERSONA#") || pk.starts_with("FAMIGLIA#") || pk.starts_with(&index)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn killed_at_random_the_portal_loses_nothing_and_the_import_completes() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("data");
    let export = big_export(3000);
    assert!(export.len() < import::BODY_LIMIT, "{} bytes", export.len());
    let marca = Arc::new(Mutex::new(10_000_000_000u64));
    let mut issued_all = Vec::new();
    let mut rng = rand::thread_rng();
    let (mut records, mut consumed, mut interrupted) = (0, 0, 0);
    for round in 0..kills() {
        let r = start(&dir);
        let issued = Arc::new(Mutex::new(Vec::new()));
        let (at, m, i) = (r.at.clone(), marca.clone(), issued.clone());
        let a = tokio::spawn(async move { issue_until_killed(&at, m, i).await });
        let (at, e) = (r.at.clone(), export.clone());
        let b = tokio::spawn(async move { import(&at, e).await.is_err() });
        // The first kill comes early, in the middle of the import; the others at random.
        let delay = if round == 0 {
            300
        } else {
            rng.gen_range(200..2500)
        };
        tokio::time::sleep(Duration::from_millis(delay)).await;
        let last_start = kill(r);
        let (_, cut) = tokio::join!(a, b);
        interrupted += usize::from(cut.unwrap());
        issued_all.extend(issued.lock().unwrap().drain(..));
        (records, consumed) = check(&dir, &issued_all, last_start);
    }
    assert!(
        records > 0 && consumed > 0,
        "certificates were issued between the kills"
    );
    assert!(interrupted > 0, "some kills cut the import short");

    // The import once more, to its end: the registry is a clean import's.
    let r = start(&dir);
    let report = import(&r.at, export.clone()).await.unwrap();
    assert_eq!(report["errors"], json!([]), "{report}");
    let last_start = kill(r);
    check(&dir, &issued_all, last_start);
    let clean = root.path().join("clean");
    let r = start(&clean);
    import(&r.at, export).await.unwrap();
    kill(r);
    assert_eq!(
        registry(&dir),
        registry(&clean),
        "the registry after the kills is a clean import's"
    );
    println!(
        "crash: {} kills survived ({interrupted} in the middle of the import), {records} certificates recorded ({} answered 201), {consumed} marche consumed",
        kills(),
        issued_all.len()
    );
}
