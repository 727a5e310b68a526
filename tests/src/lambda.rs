//! A local Lambda Runtime API (the interface a `provided.al2023` runtime talks to): hands
//! events to a function process started with `AWS_LAMBDA_RUNTIME_API` pointing here, and
//! records when it asks for its first event (init done) and what it answers.

use std::collections::VecDeque;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};
use tokio::sync::{mpsc, Notify};

/// What the function returned for an invocation, or its init/invocation error.
#[derive(Debug, Clone)]
pub enum Outcome {
    Response(Value),
    Error(String),
}

#[derive(Default)]
struct Shared {
    queue: Mutex<VecDeque<Value>>,
    queued: Notify,
    first_next: Mutex<Option<Instant>>,
}

#[derive(Clone)]
struct Api {
    shared: Arc<Shared>,
    outcomes: mpsc::UnboundedSender<(Instant, Outcome)>,
}

pub struct RuntimeApi {
    pub address: String,
    shared: Arc<Shared>,
    outcomes: mpsc::UnboundedReceiver<(Instant, Outcome)>,
    server: tokio::task::JoinHandle<()>,
}

async fn next(State(api): State<Api>) -> Response {
    api.shared
        .first_next
        .lock()
        .unwrap()
        .get_or_insert_with(Instant::now);
    let event = loop {
        let notified = api.shared.queued.notified();
        if let Some(event) = api.shared.queue.lock().unwrap().pop_front() {
            break event;
        }
        notified.await;
    };
    let deadline = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis()
        + 15_000;
    (
        [
            ("lambda-runtime-aws-request-id", uuid()),
            ("lambda-runtime-deadline-ms", deadline.to_string()),
            (
                "lambda-runtime-invoked-function-arn",
                "arn:aws:lambda:eu-south-1:000000000000:function:test".to_string(),
            ),
            ("lambda-runtime-trace-id", "Root=1-0-0".to_string()),
            ("content-type", "application/json".to_string()),
        ],
        event.to_string(),
    )
        .into_response()
}

fn uuid() -> String {
    use rand::Rng;
    format!("{:032x}", rand::thread_rng().gen::<u128>())
}

async fn response(State(api): State<Api>, body: Bytes) -> &'static str {
    let value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let _ = api
        .outcomes
        .send((Instant::now(), Outcome::Response(value)));
    "{}"
}

async fn error(State(api): State<Api>, headers: HeaderMap, body: Bytes) -> &'static str {
    let kind = headers
        .get("lambda-runtime-function-error-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("error");
    let message = format!("{kind}: {}", String::from_utf8_lossy(&body));
    let _ = api.outcomes.send((Instant::now(), Outcome::Error(message)));
    "{}"
}

impl RuntimeApi {
    pub async fn start() -> RuntimeApi {
        let (tx, rx) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared::default());
        let api = Api {
            shared: shared.clone(),
            outcomes: tx,
        };
        let app = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route(
                "/2018-06-01/runtime/invocation/{id}/response",
                post(response),
            )
            .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
            .route("/2018-06-01/runtime/init/error", post(error))
            .with_state(api);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap().to_string();
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        RuntimeApi {
            address,
            shared,
            outcomes: rx,
            server,
        }
    }

    /// Queues an event for the function's next `invocation/next`.
    pub fn invoke(&self, event: Value) {
        self.shared.queue.lock().unwrap().push_back(event);
        self.shared.queued.notify_one();
    }

    /// The next response or error, with when it arrived.
    pub async fn outcome(&mut self, timeout: Duration) -> Option<(Instant, Outcome)> {
        tokio::time::timeout(timeout, self.outcomes.recv())
            .await
            .ok()
            .flatten()
    }

    /// When the function first asked for an event: the end of its init phase.
    pub fn init_done(&self) -> Option<Instant> {
        *self.shared.first_next.lock().unwrap()
    }
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// An HTTP API (payload 2.0) event, as API Gateway sends it to a function.
pub fn http_event(method: &str, path: &str, headers: &[(&str, &str)]) -> Value {
    let (raw_path, query) = path.split_once('?').unwrap_or((path, ""));
    let mut h = serde_json::Map::new();
    h.insert("host".into(), json!("comune.example"));
    h.insert("x-forwarded-proto".into(), json!("https"));
    for (k, v) in headers {
        h.insert(k.to_string(), json!(v));
    }
    json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": raw_path,
        "rawQueryString": query,
        "headers": h,
        "requestContext": {
            "accountId": "000000000000",
            "apiId": "api",
            "domainName": "comune.example",
            "domainPrefix": "comune",
            "http": {
                "method": method,
                "path": raw_path,
                "protocol": "HTTP/1.1",
                "sourceIp": "192.0.2.10",
                "userAgent": "runtime-api-test"
            },
            "requestId": uuid(),
            "routeKey": "$default",
            "stage": "$default",
            "time": "23/Nov/2026:10:00:00 +0000",
            "timeEpoch": 1795428000000u64
        },
        "isBase64Encoded": false
    })
}

/// The environment Lambda gives every function.
pub fn lambda_env(api: &RuntimeApi, name: &str) -> Vec<(&'static str, String)> {
    vec![
        ("AWS_LAMBDA_RUNTIME_API", api.address.clone()),
        ("AWS_LAMBDA_FUNCTION_NAME", name.to_string()),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256".to_string()),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".to_string()),
        ("AWS_LAMBDA_LOG_STREAM_NAME", "test".to_string()),
        ("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{name}")),
        ("AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH", "true".to_string()),
        ("RUST_LOG", "info".to_string()),
    ]
}

/// One cold start: `command` (with the Lambda environment added) is spawned, gets `event`
/// as its first invocation, and is killed after answering.
pub struct ColdStart {
    /// Process start to the first `invocation/next`.
    pub init: Duration,
    /// Process start to the first response (or error) received.
    pub first_response: Duration,
    pub outcome: Outcome,
    /// The function's stderr (its logs).
    pub logs: String,
    /// Its stdout: the metrics, in the Embedded Metric Format.
    pub stdout: String,
}

pub async fn cold_start(mut command: Command, name: &str, event: Value) -> ColdStart {
    let mut api = RuntimeApi::start().await;
    api.invoke(event);
    command
        .envs(lambda_env(&api, name))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let started = Instant::now();
    let mut child = command.spawn().expect("function binary");
    let received = api.outcome(Duration::from_secs(30)).await;
    let _ = child.kill();
    let out = child.wait_with_output().expect("function exit");
    let logs = String::from_utf8_lossy(&out.stderr).into_owned();
    let (at, outcome) = received.unwrap_or_else(|| panic!("{name} did not answer: {logs}"));
    ColdStart {
        init: api.init_done().unwrap_or(at) - started,
        first_response: at - started,
        outcome,
        logs,
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
    }
}

/// Lambda's `LD_LIBRARY_PATH` on `provided.al2023`.
pub const LAMBDA_LD_LIBRARY_PATH: &str = "/lib64:/usr/lib64:/var/task:/var/task/lib:/opt/lib";

/// Makes `root` what Lambda shows the auth function: `var/task` its package
/// (infra/lambda/package-auth.sh of `binary`), `opt/saml` for the layer's SP key (empty here)
/// and `tmp`. Returns the packaging script's report.
pub fn packaged_auth_root(root: &Path, binary: &Path) -> String {
    let out = Command::new("bash")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../infra/lambda/package-auth.sh"
        ))
        .arg(root.join("var/task"))
        .arg(binary)
        .output()
        .expect("bash");
    assert!(
        out.status.success(),
        "package-auth.sh: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::create_dir_all(root.join("opt/saml")).unwrap();
    std::fs::create_dir_all(root.join("tmp")).unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The packaged auth function started inside `root` (chroot, so nothing of this machine's
/// filesystem is reachable) with `env` and the settings template.yaml gives it.
pub fn packaged_auth_command(root: &Path, env: &[(&'static str, String)]) -> Command {
    let mut command = Command::new("/usr/sbin/chroot");
    command
        .arg(root)
        .arg("/var/task/bootstrap")
        .env_clear()
        .envs(env.iter().cloned())
        .envs([
            ("SAML_KEY_FILE", "/opt/saml/sp-key.pem"),
            ("SAML_CERT_FILE", "/opt/saml/sp-cert.pem"),
            ("SSL_CERT_FILE", "/var/task/certs/ca-bundle.crt"),
            ("LAMBDA_TASK_ROOT", "/var/task"),
            ("LD_LIBRARY_PATH", LAMBDA_LD_LIBRARY_PATH),
        ]);
    command
}

/// The cloud settings the stack gives every function, here pointing at moto (its table,
/// bucket and seal key made).
pub async fn cloud_env(endpoint: &str) -> Vec<(&'static str, String)> {
    use crate::aws::{create_bucket, create_seal_key, create_table, sdk, sdk_env};
    let cfg = sdk(endpoint).await;
    create_table(&cfg, "anagrafe").await;
    create_bucket(&cfg, "archivio").await;
    let (_, key_id) = create_seal_key(&cfg).await;
    let mut env = sdk_env(endpoint);
    env.extend([
        ("TABLE_NAME", "anagrafe".to_string()),
        ("ARCHIVE_BUCKET", "archivio".to_string()),
        ("KMS_KEY_ID", key_id),
        // No certificate yet: a first deploy, every function must still start.
        ("SIGNING_CERT_CHAIN", String::new()),
        ("SMTP_HOST", "127.0.0.1".to_string()),
        ("MUNICIPALITY_NAME", "Valdemo".to_string()),
        ("METRICS_NAMESPACE", "AnagrafeOnline/test".to_string()),
        (
            "PUBLIC_BASE_URL",
            "https://servizi.comune.example".to_string(),
        ),
    ]);
    env
}

/// `auth sp-keys` (the workspace's build) with the key files at `key` and `cert`.
pub fn sp_keys(key: &Path, cert: &Path) {
    crate::aws::ops_command(
        "auth",
        &["sp-keys"],
        &[
            ("SAML_KEY_FILE", key.to_str().unwrap()),
            ("SAML_CERT_FILE", cert.to_str().unwrap()),
            ("PUBLIC_BASE_URL", "https://servizi.comune.example"),
        ],
    );
    assert!(key.exists() && cert.exists());
}

/// The status and body a function answered, panicking with its logs on an error.
pub fn answered(outcome: &Outcome, logs: &str) -> (u64, String) {
    let Outcome::Response(r) = outcome else {
        panic!("function error: {outcome:?}\n{logs}");
    };
    (
        r["statusCode"].as_u64().unwrap(),
        r["body"].as_str().unwrap_or_default().to_string(),
    )
}

/// A first request for each function but auth that reaches DynamoDB, with the status and a
/// piece of the body it must answer: a session cookie nobody issued (each function looks it
/// up and says 401), a certificate nobody issued for verify.
pub fn first_requests() -> Vec<(&'static str, (Value, u64, &'static str))> {
    const SESSION: &str = "anagrafe_session=0123456789abcdef0123456789abcdef";
    let unauthenticated = |path: &str, method: &str| {
        (
            http_event(method, path, &[("cookie", SESSION)]),
            401,
            "Sessione assente o scaduta",
        )
    };
    vec![
        ("household", unauthenticated("/api/household", "GET")),
        (
            "certificates",
            unauthenticated("/api/certificates/mine", "GET"),
        ),
        ("autocert", unauthenticated("/api/autocert/options", "GET")),
        ("applications", unauthenticated("/api/istanze", "GET")),
        ("import", unauthenticated("/api/import", "POST")),
        (
            "verify",
            (
                http_event("GET", "/verifica/ABCD-EFGH-JKMN?k=secret", &[]),
                404,
                "Certificato non trovato",
            ),
        ),
    ]
}
