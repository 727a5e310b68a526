//! Our codice fiscale validator and encoder agree with an independent implementation
//! (PyPI python-codicefiscale, installed in the test venv by the test command).

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use chrono::NaiveDate;
use serde_json::json;
use shared::config::Config;
use shared::domain::codice_fiscale::CodiceFiscale;
use shared::services::import::Record;
use shared::testkit::demo::{generate, DemoSpec, DEFAULT_SEED};

/// The test venv's python: `TEST_PYTHON`, or `.venv/bin/python` at the workspace root.
fn python() -> PathBuf {
    std::env::var_os("TEST_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.venv/bin/python"))
        })
}

#[test]
fn agrees_with_python_codicefiscale() {
    let records = generate(&DemoSpec {
        persons: 400,
        seed: DEFAULT_SEED,
        today: NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
        municipality: Config::for_tests(".".into()).municipality,
    });
    let mut cases = Vec::new();
    for r in &records {
        let Record::Persona(p) = r else { continue };
        let cf = CodiceFiscale::parse(&p.codice_fiscale).expect("demo codes are valid");
        cases.push(json!({
            "cf": p.codice_fiscale, "valid": true,
            "cognome": p.cognome, "nome": p.nome,
            "sesso": format!("{:?}", p.sesso), "data": p.nascita.data.to_string(),
            "luogo": p.nascita.luogo.codice_catastale(), "base": cf.base_form(),
        }));
        // The same code with a wrong check character, and with a wrong month letter.
        let mut wrong = p.codice_fiscale.clone();
        let last = wrong.pop().unwrap();
        wrong.push(if last == 'Z' {
            'A'
        } else {
            (last as u8 + 1) as char
        });
        assert!(CodiceFiscale::parse(&wrong).is_err());
        cases.push(json!({"cf": wrong, "valid": false}));
    }
    for bad in [
        "RSSMRA80Z01H501U",
        "RSSMRA80A32H501U",
        "RSSMRA80A01H501",
        "RSSMRAA0A01H501U",
    ] {
        assert!(CodiceFiscale::parse(bad).is_err());
        cases.push(json!({"cf": bad, "valid": false}));
    }
    let omocodes = cases
        .iter()
        .filter(|c| {
            c["cf"].as_str().is_some_and(|s| {
                c["valid"] == true && CodiceFiscale::parse(s).unwrap().is_omocode()
            })
        })
        .count();
    assert!(omocodes >= 1, "the check covers omocodes");

    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/python/cf_crosscheck.py"
    );
    let mut child = Command::new(python())
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run {:?} ({e}): run the README's test command, which creates the venv",
                python()
            )
        });
    child
        .stdin
        .take()
        .unwrap()
        .write_all(serde_json::to_string(&cases).unwrap().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "python failed");
    let disagreements: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        disagreements.is_empty(),
        "{} disagreements: {disagreements:?}",
        disagreements.len()
    );
    assert!(cases.len() > 800);
}
