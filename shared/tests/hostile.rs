//! Hostile input to the parsers that read outside data: random text and mutations of valid
//! input (a byte changed, removed or inserted, a cut, a piece repeated) fed to the import
//! line parser and the person validation after it, the codice fiscale validator, the two
//! catalogue loaders, the JSON bodies decoded here (certificate requests) and the bounded XML
//! parser under the SAML limits. Each must answer or refuse, never panic.
//!
//! Cases per parser: `HOSTILE_CASES` (the reliability suite's full run sets 100,000; by
//! default 1,000, the CI run). The SAML shape check and the verification form have theirs in
//! the auth and verify functions.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

use shared::domain::catalog::{Catalog, DEFAULT_CATALOG};
use shared::domain::codice_fiscale::CodiceFiscale;
use shared::services::import::{parse_line, validate_person, Record};
use shared::testkit::hostile::{cases, mutated};

fn runner() -> TestRunner {
    TestRunner::new(Config {
        cases: cases(),
        failure_persistence: None,
        ..Config::default()
    })
}

/// Text that is either random or a mutation of one of `seeds`.
fn hostile(seeds: Vec<String>) -> impl Strategy<Value = String> {
    prop_oneof![
        1 => any::<String>(),
        4 => mutated(seeds),
    ]
}

/// Lines of a real export: households and persons of the demo generator.
fn export_lines() -> Vec<String> {
    let spec = shared::testkit::demo::DemoSpec {
        persons: 30,
        seed: 7,
        today: chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
        municipality: shared::config::Config::for_tests("/tmp".into()).municipality,
    };
    let mut out = Vec::new();
    shared::testkit::demo::write_jsonl(&shared::testkit::demo::generate(&spec), &mut out).unwrap();
    String::from_utf8(out)
        .unwrap()
        .lines()
        .map(String::from)
        .collect()
}

#[test]
fn the_import_line_parser_and_the_validation_never_panic() {
    let seeds = export_lines();
    assert!(
        seeds.iter().all(|l| parse_line(l).is_ok()),
        "the seeds are valid"
    );
    runner()
        .run(&hostile(seeds), |line| {
            if let Ok(Record::Persona(p)) = parse_line(&line) {
                if validate_person(&p).is_ok() {
                    // What the import then relies on: a 16-character codice fiscale.
                    prop_assert_eq!(p.codice_fiscale.len(), 16);
                }
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn the_codice_fiscale_validator_never_panics_and_accepts_only_what_it_keeps() {
    let seeds = [
        "RSSMRA80A01H501U",
        "BNCGNN75T45F205X",
        "VRDLGU90E10L219Q",
        "RSSMRA80A01H5LMX",
    ]
    .map(String::from)
    .to_vec();
    runner()
        .run(&hostile(seeds), |text| {
            if let Ok(cf) = CodiceFiscale::parse(&text) {
                prop_assert_eq!(cf.as_str().len(), 16);
                let again = CodiceFiscale::parse(cf.as_str()).expect("its own form parses");
                prop_assert_eq!(again.as_str(), cf.as_str());
                let _ = cf.decode();
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn the_catalogue_loaders_never_panic() {
    let services = include_str!("../data/istanze.json").to_string();
    runner()
        .run(&hostile(vec![DEFAULT_CATALOG.to_string()]), |text| {
            let _ = Catalog::parse(&text);
            Ok(())
        })
        .unwrap();
    runner()
        .run(&hostile(vec![services]), |text| {
            let _ = shared::domain::applications::Services::parse(&text);
            Ok(())
        })
        .unwrap();
}

#[test]
fn certificate_requests_as_json_never_panic() {
    let seeds = [
        r#"{"person":"RSSMRA80A01H501U","type":"residenza","uso":"pensioni","bollo":null,"delivery":"download"}"#,
        r#"{"person":"RSSMRA80A01H501U","type":"residenza","uso":"uso_privato","bollo":{"id":"01234567890123","date":"2026-11-20"},"delivery":"email","email":"a@example.org","cc":"b@example.org","message":"Gentile ufficio"}"#,
        r#"{"person":"RSSMRA80A01H501U","type":"stato_famiglia","uso":"uso_privato","bollo":{"online":true}}"#,
    ]
    .map(String::from)
    .to_vec();
    runner()
        .run(&hostile(seeds), |text| {
            let _ =
                shared::json::decode::<shared::services::certificates::Request>(text.as_bytes());
            let _ = shared::json::decode::<serde_json::Value>(text.as_bytes());
            Ok(())
        })
        .unwrap();
}

#[test]
fn the_bounded_xml_parser_never_panics_under_the_saml_limits() {
    let seed = r#"<?xml version="1.0" encoding="UTF-8"?><samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r1" Version="2.0" IssueInstant="2026-11-23T09:00:00Z" InResponseTo="_q1" Destination="https://x/saml/acs"><saml:Issuer>https://idp</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status><saml:Assertion ID="_a1" Version="2.0" IssueInstant="2026-11-23T09:00:00Z"><saml:Issuer>https://idp</saml:Issuer><saml:Subject><saml:NameID>x</saml:NameID></saml:Subject><saml:AttributeStatement><saml:Attribute Name="fiscalNumber"><saml:AttributeValue>TINIT-RSSMRA80A01H501U</saml:AttributeValue></saml:Attribute></saml:AttributeStatement></saml:Assertion></samlp:Response>"#;
    runner()
        .run(&hostile(vec![seed.to_string()]), |text| {
            if let Ok(doc) = shared::xml::parse(&text, &shared::xml::SAML_RESPONSE) {
                prop_assert!(
                    doc.descendants().count() as u32 <= shared::xml::SAML_RESPONSE.max_tokens + 1
                );
            }
            Ok(())
        })
        .unwrap();
}
