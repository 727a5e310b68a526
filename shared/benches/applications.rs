//! The in-process submission of an application with the local adapters: validation of
//! every field, the protocol registration, the receipt sealed (PAdES B-T with the local
//! TSA), archived, the record written, the notice e-mailed to the outbox. Prints p50/p99.
//!
//! `cargo bench -p shared --bench applications`

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use serde_json::json;
use shared::app::AppState;
use shared::config::Config;
use shared::services::applications::{citizen, drafts};
use shared::services::import::{import, Record};
use shared::services::sessions;
use shared::testkit::demo::{generate, write_jsonl, DemoSpec, DEFAULT_SEED};
use shared::testkit::ManualClock;

const RUNS: usize = 300;

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap(),
    ));
    let app = AppState::local(Config::for_tests(dir.path().to_path_buf()), clock.clone()).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    let records = generate(&DemoSpec {
        persons: 200,
        seed: DEFAULT_SEED,
        today,
        municipality: app.config.municipality.clone(),
    });
    let mut file = Vec::new();
    write_jsonl(&records, &mut file).unwrap();
    rt.block_on(import(&app, file.as_slice())).unwrap();
    let me = records
        .iter()
        .find_map(|r| match r {
            Record::Persona(p)
                if p.membership_at(today)
                    .is_some_and(|m| m.famiglia == "F000001") =>
            {
                Some(p.as_ref().clone())
            }
            _ => None,
        })
        .unwrap();
    let identity = sessions::Identity {
        codice_fiscale: me.codice_fiscale.clone(),
        cognome: me.cognome.clone(),
        nome: me.nome.clone(),
        email: None,
        idp: "bench".into(),
        level: 2,
    };
    let (_, session) = rt
        .block_on(sessions::create(&app, identity, false))
        .unwrap();
    // A 100 KB identity document, as a phone's scan.
    let mut pdf = b"%PDF-1.4\n".to_vec();
    pdf.resize(100 * 1024, b' ');
    let mut times: Vec<Duration> = Vec::with_capacity(RUNS);
    let mut size = 0;
    for _ in 0..RUNS {
        let id = rt.block_on(async {
            let a = drafts::start(&app, &session, "cambio_residenza").await.unwrap();
            let upload = drafts::Upload { field: "documento", name: "documento.pdf", bytes: &pdf };
            let f = drafts::attach(&app, &session, &a.id, upload).await.unwrap();
            let mut data = a.data.clone();
            let extra = json!({"indirizzo": {"via": "Via delle Rose", "civico": "7", "cap": "53100"}, "data": "2026-11-20",
                "titolo": "locazione", "contratto": "AdE Siena n. 1234", "documento": f.id, "email": "c@example.it", "consapevole": true});
            data.extend(extra.as_object().unwrap().clone());
            drafts::save(&app, &session, &a.id, data).await.unwrap();
            a.id
        });
        let t = Instant::now();
        let sent = rt.block_on(citizen::submit(&app, &session, &id)).unwrap();
        times.push(t.elapsed());
        size = sent.documents[0].size;
    }
    let mut p = |q: f64| shared::testkit::measure::percentile(&mut times, q);
    let (p50, p99) = (p(0.50), p(0.99));
    println!("submission (validation, protocol, receipt sealed B-T, archive, record, notice): n={RUNS} p50={p50:?} p99={p99:?} receipt={size} bytes");
}
