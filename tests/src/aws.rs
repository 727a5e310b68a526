//! The AWS-compatible server of the tests (moto, from the test venv) and the resources the
//! stack would create in it: the table, the archive bucket, the seal key.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
    TimeToLiveSpecification,
};
use aws_sdk_kms::types::{KeySpec, KeyUsageType};
use aws_sdk_s3::types::{BucketLocationConstraint, CreateBucketConfiguration};

use crate::venv_bin;

pub const REGION: &str = "eu-south-1";

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A child process that is killed when the test ends.
pub struct Server(pub Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn wait_for(port: u16) {
    for _ in 0..200 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("server on port {port} did not start");
}

/// moto's server on a free loopback port, handling one request at a time
/// (`tests/python/moto_serial.py`: its backends are not atomic under concurrent writes, as
/// DynamoDB is); returns it and its endpoint URL.
pub fn moto() -> (Server, String) {
    moto_authenticating_after(None)
}

/// moto that, after its first `free` requests, checks every request's SigV4 signature
/// against the IAM users it knows (`INITIAL_NO_AUTH_ACTION_COUNT`).
pub fn moto_authenticating_after(free: Option<u32>) -> (Server, String) {
    let port = free_port();
    let mut command = Command::new(venv_bin("python"));
    if let Some(free) = free {
        command.env("INITIAL_NO_AUTH_ACTION_COUNT", free.to_string());
    }
    let child = command
        .args([
            &crate::script("moto_serial.py"),
            "127.0.0.1",
            &port.to_string(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("moto_server from the test venv");
    wait_for(port);
    (Server(child), format!("http://127.0.0.1:{port}"))
}

/// The environment that points an AWS SDK (ours in a child process) at `endpoint`.
pub fn sdk_env(endpoint: &str) -> Vec<(&'static str, String)> {
    vec![
        ("AWS_ENDPOINT_URL", endpoint.to_string()),
        ("AWS_REGION", REGION.to_string()),
        ("AWS_ACCESS_KEY_ID", "test".to_string()),
        ("AWS_SECRET_ACCESS_KEY", "test".to_string()),
    ]
}

pub async fn sdk(endpoint: &str) -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(aws_config::Region::new(REGION))
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
            "test", "test", None, None, "test",
        ))
        .load()
        .await
}

/// The table as template.yaml declares it: `pk`/`sk` strings, TTL on `ttl`.
pub async fn create_table(cfg: &aws_config::SdkConfig, name: &str) -> aws_sdk_dynamodb::Client {
    let client = aws_sdk_dynamodb::Client::new(cfg);
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
        .table_name(name)
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
        .table_name(name)
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
    client
}

/// A path-style S3 client (what a test server needs) with the bucket created.
pub async fn create_bucket(cfg: &aws_config::SdkConfig, name: &str) -> aws_sdk_s3::Client {
    let client = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(cfg)
            .force_path_style(true)
            .build(),
    );
    // As `template.yaml` makes the archive: versioned, with Object Lock.
    client
        .create_bucket()
        .bucket(name)
        .object_lock_enabled_for_bucket(true)
        .create_bucket_configuration(
            CreateBucketConfiguration::builder()
                .location_constraint(BucketLocationConstraint::from(REGION))
                .build(),
        )
        .send()
        .await
        .unwrap();
    client
}

/// The seal key: ECC_NIST_P256, SIGN_VERIFY. Returns the client and the key ID.
pub async fn create_seal_key(cfg: &aws_config::SdkConfig) -> (aws_sdk_kms::Client, String) {
    let kms = aws_sdk_kms::Client::new(cfg);
    let key = kms
        .create_key()
        .key_spec(KeySpec::EccNistP256)
        .key_usage(KeyUsageType::SignVerify)
        .send()
        .await
        .unwrap();
    let id = key.key_metadata().unwrap().key_id().to_string();
    (kms, id)
}

/// A binary of the workspace (`target/<profile>/<name>`, built by `cargo build --bins`,
/// which the test command runs before the suites).
pub fn workspace_bin(name: &str) -> std::path::PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    // target/<profile>/deps/<test> (a test) or target/<profile>/<bin> -> target/<profile>/<name>
    let dir = exe.parent().expect("target dir");
    let dir = match dir.file_name() {
        Some(d) if d == "deps" => dir.parent().expect("target dir"),
        _ => dir,
    };
    let path = dir.join(name);
    assert!(
        path.exists(),
        "{} missing: run `cargo build --workspace --bins` first (the test command does)",
        path.display()
    );
    path
}

/// The functions of the stack, as their binaries are named.
pub const FUNCTIONS: [&str; 7] = [
    "auth",
    "household",
    "certificates",
    "autocert",
    "applications",
    "verify",
    "import",
];

/// The template's logical ID of a function (`household` → `HouseholdFunction`), the folder
/// of its build under `sam build`'s output.
pub fn logical_id(function: &str) -> String {
    let mut c = function.chars();
    let first = c.next().map(|f| f.to_ascii_uppercase()).unwrap_or_default();
    format!("{first}{}Function", c.as_str())
}

/// A function's ops command line (`<name> <args>`, outside Lambda and in local mode, with
/// `MUNICIPALITY_NAME=Valdemo` and `env`); returns its stdout, panicking with its stderr when
/// it fails.
pub fn ops_command(name: &str, args: &[&str], env: &[(&str, &str)]) -> String {
    let out = Command::new(workspace_bin(name))
        .args(args)
        .env("MUNICIPALITY_NAME", "Valdemo")
        .envs(env.iter().copied())
        .env_remove("TABLE_NAME")
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{name} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}
