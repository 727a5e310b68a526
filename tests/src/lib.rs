//! Test harness: the whole local portal in-process on a loopback port, with its own data
//! directory and a clock the test moves.

pub mod aws;
pub mod lambda;
pub mod prism;

use std::path::Path;
use std::sync::Arc;

use chrono::{NaiveDate, TimeZone, Utc};
use shared::config::Config;
use shared::domain::person::Persona;
use shared::services::import::Record;
use shared::services::sessions::{self, Identity};
use shared::testkit::ManualClock;
use shared::web::AppState;

pub struct Login {
    pub cookie: String,
    pub csrf: String,
}

pub struct Portal {
    pub base: String,
    pub state: AppState,
    pub clock: Arc<ManualClock>,
    server: tokio::task::JoinHandle<()>,
}

/// The date the test portals live on (the demo is generated for it).
pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
}

impl Portal {
    /// Starts the portal on `data_dir` (seeding it with the demo when new).
    pub async fn start(data_dir: &Path) -> Portal {
        Self::start_with(data_dir, |s| s).await
    }

    /// As `start`, with the CNS login configured by `cns` and its TLS login host (the local
    /// runner's) served on `tls`, already bound (its address is in `cns.base_url`).
    pub async fn start_with_cns(
        data_dir: &Path,
        cns: shared::cns::CnsSettings,
        tls: tokio::net::TcpListener,
    ) -> Portal {
        Self::launch(data_dir, |s| s, Some((cns, tls))).await
    }

    /// As `start`, with the adapters changed by `adapt` (e.g. wrapped to inject failures).
    pub async fn start_with(data_dir: &Path, adapt: impl FnOnce(AppState) -> AppState) -> Portal {
        Self::launch(data_dir, adapt, None).await
    }

    async fn launch(
        data_dir: &Path,
        adapt: impl FnOnce(AppState) -> AppState,
        cns: Option<(shared::cns::CnsSettings, tokio::net::TcpListener)>,
    ) -> Portal {
        let clock = Arc::new(ManualClock::new(
            Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap(),
        ));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let mut config = Config::for_tests(data_dir.to_path_buf());
        config.demo_population = 120;
        // SAML and verification links must name the address the portal really listens on.
        config.public_base_url = base.clone();
        let (cns, tls) = cns.unzip();
        if let Some(cns) = cns {
            config.cns = cns;
        }
        std::fs::create_dir_all(data_dir).unwrap();
        let state = AppState::local(config, clock.clone()).expect("adapters open");
        let (state, app) = anagrafe_local::prepare(adapt(state))
            .await
            .expect("portal starts");
        if let Some(tls) = tls {
            anagrafe_local::cns_tls::serve(app.clone(), data_dir, tls, Vec::new())
                .await
                .expect("CNS login host starts");
        }
        let registry = anagrafe_local::apply_registry_changes(state.clone());
        let payments = anagrafe_local::reconcile_payments(state.clone());
        let server = tokio::spawn(async move {
            let serve = axum::serve(
                listener,
                app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
            );
            tokio::select! {
                r = serve => r.unwrap(),
                () = registry => {}
                () = payments => {}
            }
        });
        Portal {
            base,
            state,
            clock,
            server,
        }
    }

    /// Stops serving and releases the store, as a process exit would.
    pub async fn stop(self) {
        self.server.abort();
        let _ = self.server.await;
    }

    /// The demo population as imported (the export written on first start).
    pub fn demo(&self) -> Vec<Persona> {
        demo_of(&self.state)
    }

    /// The first member of the demo's first household (F000001), today.
    pub fn citizen(&self) -> Persona {
        members_of(&self.demo(), "F000001").remove(0)
    }

    /// Opens a session for a citizen through the service layer (what the auth function does
    /// after a SAML login) and returns the Cookie header value.
    pub async fn login(&self, p: &Persona) -> String {
        self.login_as(p, false).await
    }

    /// As `login`, for an operator (counter staff) when `operator` is true.
    pub async fn login_as(&self, p: &Persona, operator: bool) -> String {
        self.session(p, operator).await.cookie
    }

    /// A stored session for `p` (as a SAML login at level 2 leaves it): its token and itself.
    pub async fn open_session(&self, p: &Persona, operator: bool) -> (String, sessions::Session) {
        open_session_on(&self.state, p, operator).await
    }

    /// Sends `body` (JSON) with `method` as `who`, with the CSRF token: the status and the
    /// JSON answer (`Null` when there is none).
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        who: &Login,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let mut req = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
            .request(method, format!("{}{path}", self.base))
            .header("Cookie", &who.cookie)
            .header("X-CSRF-Token", &who.csrf);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(serde_json::Value::Null))
    }

    /// A session with its cookie and CSRF token.
    pub async fn session(&self, p: &Persona, operator: bool) -> Login {
        let (token, session) = self.open_session(p, operator).await;
        Login {
            cookie: format!("{}={token}", sessions::COOKIE),
            csrf: session.csrf_token,
        }
    }

    /// POSTs JSON as a logged-in user, with the CSRF token and extra headers.
    pub async fn post(
        &self,
        path: &str,
        who: &Login,
        body: &serde_json::Value,
        headers: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut req = reqwest::Client::new()
            .post(format!("{}{path}", self.base))
            .header("Cookie", &who.cookie)
            .header("X-CSRF-Token", &who.csrf)
            .json(body);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        req.send().await.unwrap()
    }

    /// How many counts of `name` with every dimension of `with` the portal wrote to its
    /// `metrics.jsonl`; every line is checked to be an EMF document naming its metric.
    pub fn metric(&self, name: &str, with: &[(&str, &str)]) -> usize {
        let path = self.state.config.data_dir.join("metrics.jsonl");
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let mut n = 0;
        for line in text.lines() {
            let doc: serde_json::Value = serde_json::from_str(line).expect("an EMF line");
            let cw = &doc["_aws"]["CloudWatchMetrics"][0];
            let metric = cw["Metrics"][0]["Name"].as_str().expect("a metric");
            assert_eq!(doc[metric], 1, "{line}");
            for set in cw["Dimensions"].as_array().expect("dimension sets") {
                for d in set.as_array().unwrap() {
                    assert!(doc[d.as_str().unwrap()].is_string(), "{line}");
                }
            }
            n += usize::from(metric == name && with.iter().all(|(k, v)| doc[*k] == *v));
        }
        n
    }

    /// The local root CA that issued the seal certificate (the trust anchor for validators).
    pub fn seal_root(&self) -> std::path::PathBuf {
        self.state.config.data_dir.join("signer/ca.pem")
    }

    pub async fn get(&self, path: &str, cookie: Option<&str>) -> (u16, serde_json::Value) {
        let mut req = reqwest::Client::new().get(format!("{}{path}", self.base));
        if let Some(c) = cookie {
            req = req.header("Cookie", c);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let body = resp.json().await.unwrap_or(serde_json::Value::Null);
        (status, body)
    }
}

/// A stored session for `p` on `state` (as a SAML login at level 2 leaves it).
pub async fn open_session_on(
    state: &AppState,
    p: &Persona,
    operator: bool,
) -> (String, sessions::Session) {
    let identity = Identity {
        codice_fiscale: p.codice_fiscale.clone(),
        cognome: p.cognome.clone(),
        nome: p.nome.clone(),
        email: None,
        idp: "test".into(),
        level: 2,
    };
    sessions::create(state, identity, operator).await.unwrap()
}

/// Writes an @e.bollo receipt to `dir/marca.xml` and checks it with xmllint against Agenzia
/// delle Entrate's `MarcaDaBollo.xsd` (no network); the file's path.
pub fn assert_valid_marca(dir: &Path, xml: &str) -> std::path::PathBuf {
    let file = dir.join("marca.xml");
    std::fs::write(&file, xml).unwrap();
    let xsd = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/pagopa/MarcaDaBollo.xsd"
    );
    let args = [
        "--noout",
        "--nonet",
        "--schema",
        xsd,
        file.to_str().unwrap(),
    ];
    let out = run("xmllint", &args);
    assert!(out.contains("validates"), "{out}");
    file
}

/// The local pagoPA stand-in's checkout at `url`: the citizen picks `psp` and presses
/// `azione` (paga, annulla); where they are sent back.
pub async fn checkout(url: &str, psp: &str, azione: &str) -> String {
    let resp = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(url)
        .form(&[("psp", psp), ("azione", azione)])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    resp.headers()["location"].to_str().unwrap().to_string()
}

/// The demo population a portal on `state` imported (the export written on first start).
pub fn demo_of(state: &AppState) -> Vec<Persona> {
    let text = std::fs::read_to_string(state.config.data_dir.join("demo-export.jsonl")).unwrap();
    text.lines()
        .filter_map(|l| match serde_json::from_str::<Record>(l).unwrap() {
            Record::Persona(p) => Some(*p),
            Record::Famiglia(_) => None,
        })
        .collect()
}

/// The test tools' venv (`TEST_PYTHON`'s directory, or `.venv` at the workspace root).
pub fn venv_bin(name: &str) -> std::path::PathBuf {
    let python = std::env::var_os("TEST_PYTHON")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/../.venv/bin/python").into());
    python.parent().expect("venv bin").join(name)
}

/// A tool of one of the other test venvs (`.venv-spid`, `.venv-sam`) the test command makes.
pub fn tool_bin(venv: &str, name: &str) -> std::path::PathBuf {
    std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .join(venv)
        .join("bin")
        .join(name)
}

pub fn script(name: &str) -> String {
    format!("{}/python/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// Runs a command; returns its stdout and stderr together (tools differ in where they write).
pub fn run(cmd: impl AsRef<std::ffi::OsStr>, args: &[&str]) -> String {
    let out = std::process::Command::new(cmd.as_ref())
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run {:?}: {e} (the README's test command installs it)",
                cmd.as_ref()
            )
        });
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Independent readings of a PDF: text, QR codes, signature validators.
pub struct PdfFile {
    pub dir: tempfile::TempDir,
    pub path: std::path::PathBuf,
}

impl PdfFile {
    pub fn new(bytes: &[u8]) -> PdfFile {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("doc.pdf");
        std::fs::write(&path, bytes).unwrap();
        PdfFile { dir, path }
    }

    fn p(&self) -> &str {
        self.path.to_str().unwrap()
    }

    /// The text (poppler's pdftotext), whitespace collapsed so wrapped lines read as one.
    pub fn text(&self) -> String {
        run("pdftotext", &[self.p(), "-"])
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// QR codes on the rendered pages (pdftoppm at 150 dpi, decoded by zxing-cpp).
    pub fn qr_codes(&self) -> Vec<String> {
        let prefix = self.dir.path().join("page");
        run(
            "pdftoppm",
            &["-r", "150", "-png", self.p(), prefix.to_str().unwrap()],
        );
        let mut pngs: Vec<String> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| e.unwrap().path().to_str().unwrap().to_string())
            .filter(|p| p.contains("/page-") && p.ends_with(".png"))
            .collect();
        pngs.sort();
        let mut args = vec![script("decode_qr.py")];
        args.extend(pngs);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run(venv_bin("python"), &args)
            .lines()
            .map(str::to_string)
            .collect()
    }

    pub fn pyhanko(&self, root: &std::path::Path) -> String {
        run(
            venv_bin("pyhanko"),
            &[
                "sign",
                "validate",
                "--trust",
                root.to_str().unwrap(),
                "--trust-replace",
                self.p(),
            ],
        )
    }

    /// poppler's pdfsig with an NSS database that trusts `root`.
    pub fn pdfsig(&self, root: &std::path::Path) -> String {
        let db_arg = nss_trusting(self.dir.path(), root, "C,C,C");
        run("pdfsig", &["-nssdir", &db_arg, self.p()])
    }

    pub fn pades_structure(&self) -> String {
        run(venv_bin("python"), &[&script("pades_check.py"), self.p()])
    }
}

/// The demo persons who belong to household `id` today, in the export's order.
pub fn members_of(demo: &[Persona], id: &str) -> Vec<Persona> {
    demo.iter()
        .filter(|p| p.membership_at(today()).is_some_and(|m| m.famiglia == id))
        .cloned()
        .collect()
}

/// A new NSS database under `dir` trusting `root` with `trust` flags (certutil's `-t`), as
/// poppler's `-nssdir` argument.
pub fn nss_trusting(dir: &std::path::Path, root: &std::path::Path, trust: &str) -> String {
    let db = dir.join("nssdb");
    std::fs::create_dir_all(&db).unwrap();
    let db_arg = format!("sql:{}", db.display());
    run("certutil", &["-N", "-d", &db_arg, "--empty-password"]);
    run(
        "certutil",
        &[
            "-A",
            "-d",
            &db_arg,
            "-n",
            "root",
            "-t",
            trust,
            "-i",
            root.to_str().unwrap(),
        ],
    );
    db_arg
}

/// The value of the input `name` of an HTML page (as the demo IdP and the portal escape it).
pub fn hidden_input(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in {html}"))
        + marker.len();
    let end = start + html[start..].find('"').unwrap();
    html[start..end]
        .replace("&amp;", "&")
        .replace("&quot;", "\"")
}
