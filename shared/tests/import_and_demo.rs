//! Import of the registry export: validation with line numbers, loading of good lines,
//! idempotent re-import; and the demo generator that writes that format.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{NaiveDate, TimeZone, Utc};
use serde_json::{json, Value};
use shared::app::AppState;
use shared::config::Config;
use shared::domain::person::{PosizioneAnagrafica, StatoCivile};
use shared::services::import::{import, validate_person, Record};
use shared::services::registry;
use shared::testkit::demo::{generate, write_jsonl, DemoSpec, DEFAULT_SEED};
use shared::testkit::ManualClock;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
}

fn spec(persons: usize) -> DemoSpec {
    DemoSpec {
        persons,
        seed: DEFAULT_SEED,
        today: today(),
        municipality: Config::for_tests(".".into()).municipality,
    }
}

fn store() -> (tempfile::TempDir, AppState) {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap(),
    ));
    let app = AppState::local(Config::for_tests(dir.path().to_path_buf()), clock).unwrap();
    (dir, app)
}

fn persons(records: &[Record]) -> Vec<&shared::domain::person::Persona> {
    records
        .iter()
        .filter_map(|r| match r {
            Record::Persona(p) => Some(p.as_ref()),
            _ => None,
        })
        .collect()
}

/// A person of the demo as JSON, to mutate.
fn demo_person_json(index: usize) -> Value {
    let records = generate(&spec(20));
    serde_json::to_value(
        records
            .iter()
            .filter(|r| matches!(r, Record::Persona(_)))
            .nth(index)
            .unwrap(),
    )
    .unwrap()
}

#[tokio::test]
async fn reports_bad_lines_with_numbers_and_loads_the_good_ones() {
    let (_d, app) = store();
    let good = demo_person_json(0);
    let household = good["persona"]["famiglia"][0]["famiglia"]
        .as_str()
        .unwrap()
        .to_string();
    let good_cf = good["persona"]["codice_fiscale"]
        .as_str()
        .unwrap()
        .to_string();

    let mut wrong_check = good.clone();
    let mut cf = good_cf.clone();
    let last = cf.pop().unwrap();
    cf.push(if last == 'A' { 'B' } else { 'A' });
    wrong_check["persona"]["codice_fiscale"] = json!(cf);

    let mut mismatch = demo_person_json(1);
    mismatch["persona"]["nome"] = json!("Ermenegildo");

    let mut unknown_household = demo_person_json(2);
    unknown_household["persona"]["famiglia"][0]["famiglia"] = json!("F999999");

    let mut unknown_relationship = demo_person_json(3);
    unknown_relationship["persona"]["famiglia"][0]["rapporto"] = json!("amico");

    let mut reversed = demo_person_json(4);
    reversed["persona"]["residenza"][0]["to"] = json!("1900-01-01");

    let mut missing = demo_person_json(5);
    missing["persona"]
        .as_object_mut()
        .unwrap()
        .remove("cognome");

    let lines = [
        json!({"famiglia": {"id": household, "specie": "famiglia"}}).to_string(), // 1
        good.to_string(),                                                         // 2
        String::new(),                                                            // 3 blank
        "# a comment".to_string(),                                                // 4
        wrong_check.to_string(),                                                  // 5
        mismatch.to_string(),                                                     // 6
        unknown_household.to_string(),                                            // 7
        unknown_relationship.to_string(),                                         // 8
        reversed.to_string(),                                                     // 9
        "{\"persona\": {".to_string(),                                            // 10
        missing.to_string(),                                                      // 11
        good.to_string(),                                                         // 12 repeated
    ];
    let file = lines.join("\n");
    let report = import(&app, file.as_bytes()).await.unwrap();

    let by_line: Vec<(usize, &str)> = report
        .errors
        .iter()
        .map(|e| (e.line, e.message.as_str()))
        .collect();
    let expect = [
        (5, "carattere di controllo errato"),
        (6, "non corrisponde al nome"),
        (7, "famiglia sconosciuta \"F999999\""),
        (8, "valore non ammesso \"amico\""),
        (9, "termina (1900-01-01) prima di iniziare"),
        (10, "JSON non valido"),
        (11, "campo obbligatorio mancante: cognome"),
        (12, "stesso codice fiscale della riga 2"),
    ];
    assert_eq!(by_line.len(), expect.len(), "{report}");
    for ((line, msg), (el, emsg)) in by_line.iter().zip(expect) {
        assert_eq!(*line, el, "{report}");
        assert!(msg.contains(emsg), "line {line}: {msg:?} lacks {emsg:?}");
    }
    assert!(
        by_line[3].1.starts_with("persona.famiglia[0]"),
        "path named: {}",
        by_line[3].1
    );
    assert_eq!(report.lines, 12);
    assert_eq!(
        (report.households, report.persons, report.written),
        (1, 1, 2)
    );
    // The good line is loaded; the bad ones are not.
    assert!(registry::person(app.store.as_ref(), &good_cf)
        .await
        .unwrap()
        .is_some());
    let mismatched_cf = mismatch["persona"]["codice_fiscale"].as_str().unwrap();
    assert!(registry::person(app.store.as_ref(), mismatched_cf)
        .await
        .unwrap()
        .is_none());
    let summary = report.to_string();
    assert!(
        summary.contains("riga 5: codice fiscale non valido"),
        "{summary}"
    );
    assert!(summary.ends_with("righe con errori: 8"), "{summary}");
}

#[tokio::test]
async fn reimport_of_the_same_file_changes_nothing() {
    let (_d, app) = store();
    let records = generate(&spec(80));
    let mut file = Vec::new();
    write_jsonl(&records, &mut file).unwrap();
    let first = import(&app, file.as_slice()).await.unwrap();
    assert!(first.errors.is_empty(), "{first}");
    assert_eq!(first.written, records.len());

    let some = persons(&records)[7].codice_fiscale.clone();
    let key = shared::keys::person(&some);
    let before = app.store.get(&key.pk, &key.sk).await.unwrap().unwrap();
    let second = import(&app, file.as_slice()).await.unwrap();
    assert_eq!(
        (second.written, second.unchanged),
        (0, records.len()),
        "{second}"
    );
    let after = app.store.get(&key.pk, &key.sk).await.unwrap().unwrap();
    assert_eq!(before, after);

    // A changed line is an upsert of that record only.
    let mut changed = records.clone();
    if let Record::Persona(p) = changed
        .iter_mut()
        .find(|r| matches!(r, Record::Persona(_)))
        .unwrap()
    {
        p.paternita = Some("Padre Cambiato".into());
    }
    let mut file2 = Vec::new();
    write_jsonl(&changed, &mut file2).unwrap();
    let third = import(&app, file2.as_slice()).await.unwrap();
    assert_eq!((third.written, third.unchanged), (1, records.len() - 1));
}

#[tokio::test]
async fn households_already_in_the_store_are_known_to_later_imports() {
    let (_d, app) = store();
    let person = demo_person_json(0);
    let household = person["persona"]["famiglia"][0]["famiglia"]
        .as_str()
        .unwrap();
    let first = json!({"famiglia": {"id": household, "specie": "famiglia"}}).to_string();
    assert!(import(&app, first.as_bytes())
        .await
        .unwrap()
        .errors
        .is_empty());
    let report = import(&app, person.to_string().as_bytes()).await.unwrap();
    assert!(report.errors.is_empty(), "{report}");
    assert_eq!(report.persons, 1);
}

#[test]
fn demo_is_deterministic_and_sized() {
    let a = generate(&spec(200));
    let b = generate(&spec(200));
    assert_eq!(a, b, "same seed, same population");
    let n = persons(&a).len();
    assert!((200..215).contains(&n), "{n} persons");
    let other = generate(&DemoSpec {
        seed: 7,
        ..spec(200)
    });
    assert_ne!(a, other);
}

#[test]
fn demo_has_every_shape_and_only_valid_records() {
    let records = generate(&spec(200));
    let ps = persons(&records);
    for p in &ps {
        validate_person(p).unwrap_or_else(|e| panic!("{}: {e}", p.codice_fiscale));
    }
    let cfs: HashSet<&str> = ps.iter().map(|p| p.codice_fiscale.as_str()).collect();
    assert_eq!(cfs.len(), ps.len(), "codici fiscali are unique");
    let today = today();
    let has = |what: &str, f: &dyn Fn(&&&shared::domain::person::Persona) -> bool| {
        assert!(ps.iter().any(|p| f(&p)), "no {what} in the demo");
    };
    has("single person household", &|p| {
        let id = &p.famiglia.last().unwrap().value.famiglia;
        ps.iter()
            .filter(|q| q.famiglia.iter().any(|m| &m.value.famiglia == id))
            .count()
            == 1
            && p.posizione_at(today) == Some(PosizioneAnagrafica::Residente)
    });
    has("deceased member", &|p| p.date_of_death().is_some());
    has("foreign citizen with permesso", &|p| {
        p.cittadinanza.iter().all(|c| c.value.stato != "Italia")
            && p.documenti.iter().any(|d| {
                matches!(
                    d.value,
                    shared::domain::person::Documento::PermessoSoggiorno { .. }
                )
            })
    });
    has("mover within the town", &|p| {
        p.residenza.len() >= 2 && p.residenza.iter().all(|r| r.value.comune == "Valdemo")
    });
    has("divorce after a marriage", &|p| {
        let s: Vec<StatoCivile> = p.stato_civile.iter().map(|s| s.value.stato).collect();
        s.windows(2)
            .any(|w| w == [StatoCivile::Coniugato, StatoCivile::Divorziato])
    });
    has("AIRE citizen", &|p| {
        p.posizione_at(today) == Some(PosizioneAnagrafica::Aire)
    });
    has("minor", &|p| {
        p.nascita.data > NaiveDate::from_ymd_opt(2009, 1, 1).unwrap()
    });
    has("omocode", &|p| {
        shared::domain::codice_fiscale::CodiceFiscale::parse(&p.codice_fiscale)
            .unwrap()
            .is_omocode()
    });
}
