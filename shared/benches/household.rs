//! "Household at date" and "person detail at date" on a 100,000-person store (redb, the
//! local adapter), through the use cases the household function calls — audit write
//! included. Criterion measures the mean; a second pass prints p50/p99 over single calls.
//! Then the access log of a citizen with 10,000 audit records, a page at a time.
//!
//! `cargo bench -p shared --bench household` (BENCH_PERSONS changes the size).

use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{NaiveDate, TimeZone, Utc};
use criterion::{criterion_group, Criterion};
use shared::app::AppState;
use shared::config::Config;
use shared::services::audit::{self, log, log::LogQuery, Access, AuditAction};
use shared::services::household::{household_of, person_detail};
use shared::services::import::{import, Record};
use shared::services::sessions::{self, Identity};
use shared::testkit::demo::{generate_each, DemoSpec, DEFAULT_SEED};
use shared::testkit::ManualClock;

struct Fixture {
    _dir: tempfile::TempDir,
    app: AppState,
    /// (citizen, a member of their household, a past date)
    samples: Vec<(String, String, NaiveDate)>,
    rt: tokio::runtime::Runtime,
}

fn fixture() -> Fixture {
    let persons: usize = std::env::var("BENCH_PERSONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap(),
    ));
    let app = AppState::local(Config::for_tests(dir.path().to_path_buf()), clock).unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let t = Instant::now();
    // Streamed to a file and imported from it, as a city's export would be: memory stays
    // bounded at any BENCH_PERSONS. Samples come from the first households.
    let export = dir.path().join("export.jsonl");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&export).unwrap());
    let mut first_member: std::collections::HashMap<String, String> = Default::default();
    let mut samples = Vec::new();
    let mut seen = 0usize;
    generate_each(
        &DemoSpec {
            persons,
            seed: DEFAULT_SEED,
            today,
            municipality: Config::for_tests(".".into()).municipality,
        },
        |r| {
            serde_json::to_writer(&mut out, &r).unwrap();
            out.write_all(b"\n").unwrap();
            let Record::Persona(p) = r else { return };
            seen += 1;
            if samples.len() >= 500 {
                return;
            }
            let Some(m) = p.membership_at(today) else {
                return;
            };
            let mate = first_member
                .entry(m.famiglia.clone())
                .or_insert_with(|| p.codice_fiscale.clone())
                .clone();
            if seen.is_multiple_of(97) {
                let past = p.famiglia.iter().map(|f| f.from).max().unwrap();
                let past = past.max(today - chrono::Duration::days(30));
                samples.push((p.codice_fiscale.clone(), mate, past));
            }
        },
    );
    out.flush().unwrap();
    drop(out);
    let file = std::io::BufReader::new(std::fs::File::open(&export).unwrap());
    let report = rt.block_on(import(&app, file)).unwrap();
    assert!(report.errors.is_empty(), "{report}");
    eprintln!(
        "fixture: {} persons imported in {:.1?}",
        report.persons,
        t.elapsed()
    );
    Fixture {
        _dir: dir,
        app,
        samples,
        rt,
    }
}

fn percentiles(label: &str, mut times: Vec<Duration>) {
    let n = times.len();
    let mut p = |q: f64| shared::testkit::measure::percentile(&mut times, q);
    let (p50, p90, p99, max) = (p(0.50), p(0.90), p(0.99), p(1.0));
    println!("{label}: n={n} p50={p50:?} p90={p90:?} p99={p99:?} max={max:?}");
}

fn bench(c: &mut Criterion) {
    let f = fixture();
    let app = &f.app;

    let mut i = 0;
    c.bench_function("household at date", |b| {
        b.iter(|| {
            let (me, _, date) = &f.samples[i % f.samples.len()];
            i += 1;
            f.rt.block_on(household_of(app, me, Some(*date), true))
                .unwrap()
        })
    });
    c.bench_function("person detail at date", |b| {
        b.iter(|| {
            let (me, mate, date) = &f.samples[i % f.samples.len()];
            i += 1;
            f.rt.block_on(person_detail(app, me, mate, Some(*date)))
                .unwrap()
        })
    });

    for (label, detail) in [
        ("household at date", false),
        ("person detail at date", true),
    ] {
        let times = (0..5_000)
            .map(|k| {
                let (me, mate, date) = &f.samples[k % f.samples.len()];
                let t = Instant::now();
                if detail {
                    f.rt.block_on(person_detail(app, me, mate, Some(*date)))
                        .unwrap();
                } else {
                    f.rt.block_on(household_of(app, me, Some(*date), true))
                        .unwrap();
                }
                t.elapsed()
            })
            .collect();
        percentiles(label, times);
    }
    access_log(&f);
}

/// "Chi ha consultato i miei dati" for a citizen with 10,000 audit records (accesses by a
/// household member, one in five their own): the first page, a page further back by its
/// cursor, and the page with their own accesses. Each call is itself audited.
fn access_log(f: &Fixture) {
    let (me, mate, _) = f
        .samples
        .iter()
        .find(|(me, mate, _)| me != mate)
        .cloned()
        .unwrap();
    let app = &f.app;
    f.rt.block_on(async {
        let mut items = Vec::new();
        for k in 0..10_000 {
            let actor = if k % 5 == 0 { &me } else { &mate };
            let access = Access::new(actor, vec![me.clone()], AuditAction::PersonDetail);
            let mut link = app.audit.link().await;
            items.extend(
                audit::entries(app, &mut link, &access)
                    .unwrap()
                    .into_iter()
                    .map(|(i, _)| i),
            );
            link.commit();
        }
        app.store.put_batch(items).await.unwrap();
        app.store.persist_batches().await.unwrap();
    });
    let (token, session) =
        f.rt.block_on(sessions::create(
            app,
            Identity {
                codice_fiscale: me.clone(),
                cognome: "Bench".into(),
                nome: "Bench".into(),
                email: None,
                idp: "bench".into(),
                level: 2,
            },
            false,
        ))
        .unwrap();
    drop(token);
    let first = LogQuery::default();
    let later = LogQuery {
        after: f
            .rt
            .block_on(log::page(app, &session, &first))
            .unwrap()
            .next,
        ..Default::default()
    };
    let own = LogQuery {
        own: true,
        ..Default::default()
    };
    for (label, q) in [
        ("access log, first page (10,000 records)", &first),
        ("access log, second page by cursor", &later),
        ("access log, own accesses included", &own),
    ] {
        let times = (0..500)
            .map(|_| {
                let t = Instant::now();
                let page = f.rt.block_on(log::page(app, &session, q)).unwrap();
                assert_eq!(page.entries.len(), log::PAGE);
                t.elapsed()
            })
            .collect();
        percentiles(label, times);
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(50).measurement_time(Duration::from_secs(5));
    targets = bench
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
