//! pagoPA's services as the tests see them: Prism (`tests/pagopa-mock`, installed by the
//! test command) serving the official OpenAPI files (`tests/fixtures/pagopa/`), and a
//! recording proxy in front of it that keeps every request exactly as the client sent it
//! with Prism's verdict on it (the `sl-violations` header).

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::Response;

use crate::aws::{free_port, Server};

/// One of the OpenAPI files: `gpd.json`, `checkout_v1.json`.
pub fn spec(name: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/pagopa")).join(name)
}

fn prism_bin() -> PathBuf {
    let bin = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/pagopa-mock/node_modules/.bin/prism"
    ));
    assert!(
        bin.exists(),
        "{} missing: run `npm ci` in tests/pagopa-mock (the test command does)",
        bin.display()
    );
    bin
}

/// A Prism process on a free loopback port, stopped when dropped.
pub struct Prism {
    _server: Server,
    pub url: String,
}

impl Prism {
    /// The mock generated from `spec`: validates each request, answers with the declared
    /// examples (`Prefer: code=…` picks the response).
    pub fn mock(spec_file: &str) -> Prism {
        Self::start(&["mock"], spec_file, None)
    }

    /// Prism as a validating proxy to `upstream`: an invalid request is not forwarded
    /// (422), an answer of the upstream that breaks the file becomes a 500 (`--errors`).
    pub fn proxy(spec_file: &str, upstream: &str) -> Prism {
        Self::start(&["proxy", "--errors"], spec_file, Some(upstream))
    }

    fn start(mode: &[&str], spec_file: &str, upstream: Option<&str>) -> Prism {
        let port = free_port();
        let mut cmd = Command::new(prism_bin());
        cmd.args(mode)
            .args(["-h", "127.0.0.1", "-p", &port.to_string()])
            .arg(spec(spec_file))
            .args(upstream)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let mut server = Server(cmd.spawn().expect("prism from tests/pagopa-mock"));
        let deadline = Instant::now() + Duration::from_secs(60);
        while !answers(port) {
            if let Ok(Some(status)) = server.0.try_wait() {
                panic!("prism {mode:?} {spec_file} exited: {status}");
            }
            assert!(Instant::now() < deadline, "prism did not start on {port}");
            std::thread::sleep(Duration::from_millis(100));
        }
        Prism {
            _server: server,
            url: format!("http://127.0.0.1:{port}"),
        }
    }
}

/// Whether an HTTP server answers on the port (Prism listens once the file is loaded; any
/// answer, a 404 for `/`, will do).
fn answers(port: u16) -> bool {
    let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    let mut head = [0u8; 8];
    s.write_all(b"GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        .is_ok()
        && s.read_exact(&mut head).is_ok()
        && head.starts_with(b"HTTP/")
}

/// One request as the client sent it, and the answer's status and violations.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub method: String,
    /// Path and query.
    pub target: String,
    pub headers: reqwest::header::HeaderMap,
    pub body: Vec<u8>,
    pub status: u16,
    /// Prism's `sl-violations`, parsed (an empty list when the header is absent).
    pub violations: Vec<serde_json::Value>,
}

impl Exchange {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }

    /// The violations Prism found in the request (not in its own example answers).
    pub fn request_violations(&self) -> Vec<&serde_json::Value> {
        self.violations
            .iter()
            .filter(|v| v["location"][0] == "request")
            .collect()
    }
}

type Log = Arc<Mutex<Vec<Exchange>>>;

/// A proxy on a free loopback port that forwards verbatim to `upstream` and records.
pub struct Recorder {
    pub url: String,
    log: Log,
    task: tokio::task::JoinHandle<()>,
}

impl Recorder {
    pub async fn start(upstream: &str) -> Recorder {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let log: Log = Arc::default();
        let app = axum::Router::new().fallback(forward).with_state((
            client,
            upstream.to_string(),
            log.clone(),
        ));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let task = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Recorder { url, log, task }
    }

    /// The exchanges so far, forgetting them.
    pub fn take(&self) -> Vec<Exchange> {
        std::mem::take(&mut *self.log.lock().unwrap())
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Headers that belong to one connection, not to the request.
fn hop_by_hop(name: &str) -> bool {
    matches!(
        name,
        "host" | "content-length" | "connection" | "keep-alive" | "transfer-encoding"
    )
}

async fn forward(
    State((client, upstream, log)): State<(reqwest::Client, String, Log)>,
    req: Request,
) -> Response {
    let (parts, body) = req.into_parts();
    let body = axum::body::to_bytes(body, 1 << 20).await.unwrap().to_vec();
    let target = parts
        .uri
        .path_and_query()
        .map_or("/".to_string(), |p| p.to_string());
    let mut out = client.request(parts.method.clone(), format!("{upstream}{target}"));
    for (name, value) in &parts.headers {
        if !hop_by_hop(name.as_str()) {
            out = out.header(name, value);
        }
    }
    if parts.headers.contains_key("content-length")
        || parts.headers.contains_key("transfer-encoding")
    {
        out = out.body(body.clone());
    }
    let answer = out.send().await.expect("upstream answers");
    let status = answer.status();
    let headers = answer.headers().clone();
    let violations = headers
        .get("sl-violations")
        .map(|v| serde_json::from_slice(v.as_bytes()).expect("sl-violations is JSON"))
        .unwrap_or_default();
    log.lock().unwrap().push(Exchange {
        method: parts.method.to_string(),
        target,
        headers: parts.headers,
        body,
        status: status.as_u16(),
        violations,
    });
    let mut resp = Response::builder().status(status);
    for (name, value) in &headers {
        if !hop_by_hop(name.as_str()) {
            resp = resp.header(name, value);
        }
    }
    resp.body(Body::from(answer.bytes().await.unwrap()))
        .unwrap()
}
