//! Soak: the local portal's release build (`anagrafe-local`, as `cargo build --release` makes
//! it; `SOAK_BIN`) under `SOAK_SECONDS` of mixed load (60 by default; 600 in the full
//! reliability run). Four citizens loop over what a day brings: a demo-IdP login, the
//! household, a preview, a certificate in bollo, a self-declaration, and the verification of
//! an earlier certificate by a recipient from a new address. Afterwards every certificate
//! answered 201 is verified by its ID and names and its original downloaded byte for byte.
//! Asserted: no answer 5xx, no certificate lost, resident memory after the warm-up (the first
//! fifth) grown by less than 10 % — with the store's page cache bounded to `STORE_CACHE_MB`,
//! so that the cache, which grows with the store by design, is full by then.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use e2e::aws::{free_port, wait_for};
use e2e::hidden_input;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

const ORIGIN_SECRET: &str = "soak-origin-secret";
const STORE_CACHE_MB: usize = 8;

fn seconds() -> u64 {
    std::env::var("SOAK_SECONDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(60)
}

/// The release build of the local runner (the test command builds it).
fn binary() -> PathBuf {
    let path = std::env::var("SOAK_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../target/x86_64-unknown-linux-gnu/release/anagrafe-local")
        });
    assert!(
        path.exists(),
        "{} missing: `cargo build --release --target x86_64-unknown-linux-gnu -p anagrafe-local` (the test command builds it)",
        path.display()
    );
    path
}

/// Resident memory of `pid` in KiB.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

fn cookie(r: &reqwest::Response, name: &str) -> String {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .and_then(|v| v.split(';').next())
        .unwrap_or_else(|| panic!("no {name} cookie"))
        .to_string()
}

/// What the load did.
#[derive(Default)]
struct Tally {
    requests: AtomicUsize,
    server_errors: AtomicUsize,
    by_route: Mutex<HashMap<&'static str, usize>>,
    /// Every certificate answered 201: (ID, surname, name, SHA-256 of the PDF).
    issued: Mutex<Vec<(String, String, String, String)>>,
}

impl Tally {
    fn count(&self, route: &'static str, status: u16) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        *self.by_route.lock().unwrap().entry(route).or_default() += 1;
        if status >= 500 {
            self.server_errors.fetch_add(1, Ordering::Relaxed);
            eprintln!("{route}: {status}");
        }
    }
}

struct Load {
    base: String,
    tally: Tally,
    marca: AtomicU64,
    viewer: AtomicU64,
}

impl Load {
    /// A recipient's request: through the edge, from an address of its own.
    fn recipient(&self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        let n = self.viewer.fetch_add(1, Ordering::Relaxed);
        let address = format!("10.{}.{}.{}:443", (n >> 16) & 255, (n >> 8) & 255, n & 255);
        req.header("x-origin-verify", ORIGIN_SECRET)
            .header("cloudfront-viewer-address", address)
            .header("accept", "application/json")
    }

    /// Verifies a certificate by its ID and names; its original, when `download`.
    async fn verify(
        &self,
        http: &reqwest::Client,
        issued: &(String, String, String, String),
        download: bool,
    ) -> bool {
        let (id, cognome, nome, sha) = issued;
        let r = self
            .recipient(http.post(format!("{}/verifica", self.base)))
            .form(&[
                ("codice", id.as_str()),
                ("cognome", cognome),
                ("nome", nome),
            ])
            .send()
            .await
            .unwrap();
        self.tally.count("verifica", r.status().as_u16());
        if r.status() != 200 {
            return false;
        }
        let answer: Value = r.json().await.unwrap();
        if answer["status"] != "valid"
            || answer["id"] != id.as_str()
            || answer["sha256"] != sha.as_str()
        {
            return false;
        }
        if !download {
            return true;
        }
        let Some(href) = answer["download"].as_str() else {
            return false;
        };
        let r = self
            .recipient(http.get(format!("{}{href}", self.base)))
            .send()
            .await
            .unwrap();
        self.tally.count("originale", r.status().as_u16());
        r.status() == 200 && hex::encode(Sha256::digest(r.bytes().await.unwrap())) == *sha
    }

    /// One citizen's round: login, household, preview, issue, self-declaration, a verification.
    async fn round(&self, http: &reqwest::Client, pick: usize) {
        let t = &self.tally;
        let r = http
            .get(format!("{}/saml/login?idp=demo", self.base))
            .send()
            .await
            .unwrap();
        t.count("saml/login", r.status().as_u16());
        let browser = cookie(&r, "anagrafe_login");
        let sso = r.headers()["location"].to_str().unwrap().to_string();
        let r = http.get(&sso).send().await.unwrap();
        t.count("demo-idp/sso", r.status().as_u16());
        let page = r.text().await.unwrap();
        let citizens: Vec<&str> = page
            .split("name=\"fiscalNumber\" value=\"")
            .skip(1)
            .filter_map(|s| s.split('"').next())
            .collect();
        let cf = citizens[pick % citizens.len()].to_string();
        let mut form = vec![("fiscalNumber", cf.clone())];
        for field in ["request_id", "relay_state", "level", "profile"] {
            form.push((field, hidden_input(&page, field)));
        }
        let r = http
            .post(format!("{}/demo-idp/login", self.base))
            .form(&form)
            .send()
            .await
            .unwrap();
        t.count("demo-idp/login", r.status().as_u16());
        let answer = r.text().await.unwrap();
        let r = http
            .post(format!("{}/saml/acs", self.base))
            .header("Cookie", &browser)
            .form(&[
                ("SAMLResponse", hidden_input(&answer, "SAMLResponse")),
                ("RelayState", hidden_input(&answer, "RelayState")),
            ])
            .send()
            .await
            .unwrap();
        t.count("saml/acs", r.status().as_u16());
        assert_eq!(r.status(), 303, "login of a demo citizen");
        let session = cookie(&r, "anagrafe_session");
        let get = |path: String| {
            http.get(format!("{}{path}", self.base))
                .header("Cookie", &session)
        };
        let r = get("/api/me".into()).send().await.unwrap();
        t.count("api/me", r.status().as_u16());
        let me: Value = r.json().await.unwrap();
        let csrf = me["csrf_token"].as_str().unwrap().to_string();
        let post = |path: &str, body: Value| {
            http.post(format!("{}{path}", self.base))
                .header("Cookie", &session)
                .header("X-CSRF-Token", &csrf)
                .json(&body)
        };
        let today = chrono::Utc::now().date_naive().to_string();
        let r = get(format!("/api/household?date={today}"))
            .send()
            .await
            .unwrap();
        t.count("api/household", r.status().as_u16());
        let household: Value = r.json().await.unwrap();
        assert!(household["members"]
            .as_array()
            .is_some_and(|m| !m.is_empty()));

        let request = json!({"person": cf, "type": "residenza", "uso": "uso_privato", "bollo": null, "delivery": "download"});
        let r = post("/api/certificates/preview", request)
            .send()
            .await
            .unwrap();
        t.count("api/certificates/preview", r.status().as_u16());
        let n = self.marca.fetch_add(1, Ordering::Relaxed);
        let request = json!({"person": cf, "type": "residenza", "uso": "uso_privato",
            "bollo": {"id": format!("{n:014}"), "date": today}, "delivery": "download"});
        let r = post("/api/certificates", request)
            .header("Idempotency-Key", format!("soak-{n}"))
            .send()
            .await
            .unwrap();
        t.count("api/certificates", r.status().as_u16());
        if r.status() == 201 {
            let id = r.headers()["x-certificate-id"]
                .to_str()
                .unwrap()
                .to_string();
            let sha = hex::encode(Sha256::digest(r.bytes().await.unwrap()));
            let who = (
                me["cognome"].as_str().unwrap().to_string(),
                me["nome"].as_str().unwrap().to_string(),
            );
            t.issued.lock().unwrap().push((id, who.0, who.1, sha));
        }
        let r = post(
            "/api/autocert",
            json!({"person": cf, "kind": "cumulativa", "facts": ["nascita", "residenza"]}),
        )
        .send()
        .await
        .unwrap();
        t.count("api/autocert", r.status().as_u16());
        // A recipient checks a certificate issued earlier.
        let earlier = {
            let issued = t.issued.lock().unwrap();
            (!issued.is_empty()).then(|| issued[(n as usize * 7919) % issued.len()].clone())
        };
        if let Some(c) = earlier {
            assert!(
                self.verify(http, &c, false).await,
                "certificate {} verifies",
                c.0
            );
        }
    }
}

fn start(dir: &std::path::Path, port: u16) -> Child {
    let child = Command::new(binary())
        .env("DATA_DIR", dir)
        .env("PORT", port.to_string())
        .env("CNS_PORT", "0")
        .env("ORIGIN_SECRET", ORIGIN_SECRET)
        // The store's page cache grows with the store until its bound (256 MiB by default):
        // bounded here so that it is full after the warm-up, and growth after it is a leak.
        .env("STORE_CACHE_MB", STORE_CACHE_MB.to_string())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    wait_for(port);
    child
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mixed_load_loses_no_certificate_answers_no_5xx_and_keeps_its_memory() {
    let root = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut portal = start(&root.path().join("data"), port);
    let pid = portal.id();
    let load = Arc::new(Load {
        base: format!("http://127.0.0.1:{port}"),
        tally: Tally::default(),
        marca: AtomicU64::new(20_000_000_000),
        viewer: AtomicU64::new(1),
    });
    let total = Duration::from_secs(seconds());
    let warm_up = total / 5;
    let started = Instant::now();
    let users: Vec<_> = (0..4)
        .map(|u| {
            let load = load.clone();
            tokio::spawn(async move {
                let http = client();
                let mut pick = u * 11;
                while started.elapsed() < total {
                    load.round(&http, pick).await;
                    pick += 1;
                }
            })
        })
        .collect();
    let mut samples = Vec::new();
    while started.elapsed() < total {
        tokio::time::sleep(Duration::from_secs(1)).await;
        samples.push((started.elapsed(), rss_kib(pid)));
    }
    for u in users {
        u.await.unwrap();
    }
    let after_warm_up = samples
        .iter()
        .find(|(at, _)| *at >= warm_up)
        .map(|s| s.1)
        .unwrap();
    let peak = samples
        .iter()
        .filter(|(at, _)| *at >= warm_up)
        .map(|s| s.1)
        .max()
        .unwrap();
    let requests = load.tally.requests.load(Ordering::Relaxed);

    // Every certificate answered 201 is there: verified by its ID and names, original intact.
    let issued = load.tally.issued.lock().unwrap().clone();
    let http = client();
    let mut lost = Vec::new();
    for c in &issued {
        if !load.verify(&http, c, true).await {
            lost.push(c.0.clone());
        }
    }
    let _ = portal.kill();
    let _ = portal.wait();
    let errors = load.tally.server_errors.load(Ordering::Relaxed);
    let growth = (peak as f64 - after_warm_up as f64) / after_warm_up as f64 * 100.0;
    println!(
        "soak: {} s, {requests} requests ({:.0}/s), {errors} server errors, {} certificates issued, {} lost; RSS {} MiB after the warm-up, peak {} MiB after it ({growth:+.1} %); by route: {:?}",
        total.as_secs(),
        requests as f64 / total.as_secs_f64(),
        issued.len(),
        lost.len(),
        after_warm_up / 1024,
        peak / 1024,
        load.tally.by_route.lock().unwrap(),
    );
    assert_eq!(errors, 0, "no answer 5xx");
    assert!(!issued.is_empty(), "certificates were issued");
    assert!(lost.is_empty(), "certificates not verifiable: {lost:?}");
    assert!(growth < 10.0, "RSS grew {growth:.1} % after the warm-up");
}
