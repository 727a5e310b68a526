//! Cold starts of the function binaries against the local Lambda Runtime API (`e2e::lambda`):
//! each run spawns a fresh process in cloud mode and times process start → first
//! `invocation/next` (init) and → first response (its health route). Also prints each binary's
//! stripped size, and runs the auth function as packaged for Lambda (infra/lambda/
//! package-auth.sh, in a root holding only the package) when run as root.
//!
//! ```text
//! cargo build --release -p auth -p household -p certificates -p autocert -p applications -p verify -p import
//! cargo run -p e2e --bin cold-start -- [--runs N] [BIN_DIR]     (default target/release, 20)
//! cargo run -p e2e --bin cold-start -- [--runs N] target/sam-build    (after infra/lambda/sam-build.sh)
//! ```
//! A `sam build` output (one `<Name>Function/` folder per function) is read as built: the
//! auth function there is already packaged, so it is measured only in its root.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use e2e::aws::{logical_id, workspace_bin, FUNCTIONS};
use e2e::lambda::{cold_start, http_event, packaged_auth_command, packaged_auth_root, Outcome};

fn summary(mut v: Vec<Duration>) -> String {
    let mut ms = |q| shared::testkit::measure::percentile(&mut v, q).as_secs_f64() * 1000.0;
    format!("{:.1} / {:.1} / {:.1}", ms(0.5), ms(0.9), ms(1.0))
}

/// The cloud settings of the stack, pointing at an address nothing listens on: a cold start
/// to the health route makes no AWS call.
fn env(work: &Path) -> Vec<(&'static str, String)> {
    vec![
        ("AWS_ENDPOINT_URL", "http://127.0.0.1:9".into()),
        ("AWS_REGION", "eu-south-1".into()),
        ("AWS_ACCESS_KEY_ID", "test".into()),
        ("AWS_SECRET_ACCESS_KEY", "test".into()),
        ("TABLE_NAME", "anagrafe".into()),
        ("ARCHIVE_BUCKET", "archivio".into()),
        ("KMS_KEY_ID", "alias/sigillo".into()),
        ("SMTP_HOST", "127.0.0.1".into()),
        ("PUBLIC_BASE_URL", "https://servizi.comune.example".into()),
        (
            "SAML_KEY_FILE",
            work.join("saml/sp-key.pem").display().to_string(),
        ),
        (
            "SAML_CERT_FILE",
            work.join("saml/sp-cert.pem").display().to_string(),
        ),
    ]
}

fn run(cmd: &mut Command) {
    let out = cmd.output().expect("command");
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

async fn measure(name: &str, runs: usize, command: impl Fn() -> Command) -> (String, String) {
    let (mut init, mut first) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        let event = http_event("GET", &format!("/api/health/{name}"), &[]);
        let r = cold_start(command(), name, event).await;
        match &r.outcome {
            Outcome::Response(v) if v["statusCode"] == 200 => {}
            other => panic!("{name}: {other:?}\n{}", r.logs),
        }
        init.push(r.init);
        first.push(r.first_response);
    }
    (summary(init), summary(first))
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runs = match args.iter().position(|a| a == "--runs") {
        Some(i) => args[i + 1].parse().expect("--runs N"),
        None => 20,
    };
    let dir = args
        .last()
        .filter(|a| !a.starts_with("--") && a.parse::<usize>().is_err())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target/release"));
    let sam = dir.join(logical_id("household")).join("bootstrap").exists();
    let binary = |name: &str| match sam {
        true => dir.join(logical_id(name)).join("bootstrap"),
        false => dir.join(name),
    };
    let work = tempfile::tempdir().unwrap();
    let env = env(work.path());
    let sp_keys = if sam {
        workspace_bin("auth")
    } else {
        binary("auth")
    };
    run(Command::new(sp_keys)
        .arg("sp-keys")
        .envs(env.clone())
        .env_remove("TABLE_NAME"));

    println!("{runs} cold starts each; times in ms as p50 / p90 / max\n");
    println!("| function | stripped binary | init | first response |");
    println!("|---|---|---|---|");
    for name in FUNCTIONS.into_iter().filter(|n| !(sam && *n == "auth")) {
        let stripped = work.path().join(name);
        std::fs::copy(binary(name), &stripped).unwrap();
        run(Command::new("strip").arg(&stripped));
        let size = std::fs::metadata(&stripped).unwrap().len() as f64 / 1_048_576.0;
        let (init, first) = measure(name, runs, || {
            let mut c = Command::new(&stripped);
            c.envs(env.clone());
            c
        })
        .await;
        println!("| {name} | {size:.1} MiB | {init} | {first} |");
    }

    if Command::new("id").arg("-u").output().unwrap().stdout != b"0\n" {
        println!("\n(not root: the packaged auth function, run with chroot, is not measured)");
        return;
    }
    // The auth function as Lambda runs it: its own loader and libraries from the package.
    let root = work.path().join("root");
    if sam {
        std::fs::create_dir_all(root.join("opt/saml")).unwrap();
        std::fs::create_dir_all(root.join("tmp")).unwrap();
        std::fs::create_dir_all(root.join("var")).unwrap();
        run(Command::new("cp")
            .arg("-r")
            .arg(dir.join(logical_id("auth")))
            .arg(root.join("var/task")));
    } else {
        packaged_auth_root(&root, &binary("auth"));
    }
    run(Command::new("cp")
        .arg("-r")
        .arg(work.path().join("saml/."))
        .arg(root.join("opt/saml")));
    let (init, first) = measure("auth", runs, || packaged_auth_command(&root, &env)).await;
    let task = root.join("var/task");
    let package: u64 = walk(&task);
    println!(
        "| auth, packaged (bootstrap + lib/, {:.1} MiB in all) | {:.1} MiB | {init} | {first} |",
        package as f64 / 1_048_576.0,
        std::fs::metadata(task.join("bootstrap")).unwrap().len() as f64 / 1_048_576.0
    );
}

fn walk(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            if e.file_type().unwrap().is_dir() {
                walk(&e.path())
            } else {
                e.metadata().unwrap().len()
            }
        })
        .sum()
}
