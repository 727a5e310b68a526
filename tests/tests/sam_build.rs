//! What `sam build` produces (infra/lambda/sam-build.sh, which the test command runs before
//! the suites; `SAM_BUILD_DIR`, default `target/sam-build`): for every function of the
//! template a `bootstrap` under 10 MB, an x86-64 ELF without a symbol table, needing no glibc
//! newer than Amazon Linux 2023's (2.34), that answers its first request as Lambda runs it in
//! cloud mode on moto — the auth function from its package alone, in a root holding nothing
//! else.

use std::path::{Path, PathBuf};
use std::process::Command;

use e2e::aws::{logical_id, moto, FUNCTIONS};
use e2e::lambda::{
    answered, cloud_env, cold_start, first_requests, http_event, packaged_auth_command, sp_keys,
};

const SIZE_LIMIT: u64 = 10_000_000;
/// Amazon Linux 2023's glibc, under `provided.al2023`.
const GLIBC: (u32, u32) = (2, 34);

fn sam_build_dir() -> PathBuf {
    let dir = std::env::var("SAM_BUILD_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/sam-build"));
    assert!(
        dir.join(logical_id("household")).join("bootstrap").exists(),
        "{}: no sam build there; run infra/lambda/sam-build.sh first (the test command does)",
        dir.display()
    );
    dir
}

fn readelf(args: &[&str], file: &Path) -> String {
    let out = Command::new("readelf")
        .args(args)
        .arg(file)
        .env("LC_ALL", "C")
        .output()
        .expect("readelf (binutils)");
    assert!(out.status.success(), "readelf {args:?} {}", file.display());
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The newest `GLIBC_x.y` a binary's dynamic symbols require.
fn newest_glibc(file: &Path) -> (u32, u32) {
    readelf(&["--dyn-syms", "--wide"], file)
        .split("GLIBC_")
        .skip(1)
        .filter_map(|s| {
            let v: String = s
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == '.')
                .collect();
            let mut parts = v.split('.').map(|p| p.parse::<u32>().ok());
            Some((parts.next()??, parts.next().flatten().unwrap_or(0)))
        })
        .max()
        .expect("a dynamically linked binary")
}

#[tokio::test]
async fn every_bootstrap_of_sam_build_is_small_stripped_x86_64_and_answers_as_lambda_runs_it() {
    let dir = sam_build_dir();
    println!("| function | bootstrap (bytes) | newest glibc |");
    println!("|---|---|---|");
    for name in FUNCTIONS {
        let bootstrap = dir.join(logical_id(name)).join("bootstrap");
        let size = std::fs::metadata(&bootstrap).unwrap().len();
        let header = readelf(&["--file-header"], &bootstrap);
        assert!(
            header.contains("ELF64") && header.contains("Advanced Micro Devices X86-64"),
            "{name}: {header}"
        );
        let sections = readelf(&["--section-headers", "--wide"], &bootstrap);
        assert!(!sections.contains(".symtab"), "{name}: not stripped");
        assert!(!sections.contains(".debug_"), "{name}: debug information");
        let glibc = newest_glibc(&bootstrap);
        println!("| {name} | {size} | {}.{} |", glibc.0, glibc.1);
        assert!(size < SIZE_LIMIT, "{name}: {size} bytes");
        if name != "auth" {
            // The auth package carries its own loader and libc (package-auth.sh).
            assert!(glibc <= GLIBC, "{name} needs GLIBC_{}.{}", glibc.0, glibc.1);
        }
    }

    let (_moto, endpoint) = moto();
    let env = cloud_env(&endpoint).await;
    for (name, (event, status, text)) in first_requests() {
        let mut command = Command::new(dir.join(logical_id(name)).join("bootstrap"));
        command.envs(env.clone()).env_remove("DATA_DIR");
        let run = cold_start(command, name, event).await;
        let (got, body) = answered(&run.outcome, &run.logs);
        assert_eq!(got, status, "{name}: {body}\n{}", run.logs);
        assert!(body.contains(text), "{name}: {body}");
    }

    // The auth function as Lambda unpacks it: its folder of the build is /var/task.
    let root = tempfile::tempdir().unwrap();
    let task = root.path().join("var/task");
    std::fs::create_dir_all(root.path().join("var")).unwrap();
    let copied = Command::new("cp")
        .arg("-r")
        .arg(dir.join(logical_id("auth")))
        .arg(&task)
        .status()
        .unwrap();
    assert!(copied.success());
    let opt = root.path().join("opt/saml");
    std::fs::create_dir_all(&opt).unwrap();
    std::fs::create_dir_all(root.path().join("tmp")).unwrap();
    sp_keys(&opt.join("sp-key.pem"), &opt.join("sp-cert.pem"));
    let command = packaged_auth_command(root.path(), &env);
    let run = cold_start(command, "auth", http_event("GET", "/saml/metadata", &[])).await;
    let (status, body) = answered(&run.outcome, &run.logs);
    assert_eq!(status, 200, "{body}\n{}", run.logs);
    assert!(
        body.contains("https://servizi.comune.example/saml/acs") && body.contains("SignatureValue"),
        "{body}"
    );
}
