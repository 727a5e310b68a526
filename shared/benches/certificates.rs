//! The whole in-process issue of a certificate (build, stamp, seal, archive, record) with
//! the local adapters, and each stage alone. Criterion measures the means; a second pass
//! prints p50/p99 and the PDF size.
//!
//! `cargo bench -p shared --bench certificates`

use std::time::{Duration, Instant};

use criterion::{criterion_group, Criterion};
use shared::app::AppState;
use shared::domain::certificate::{compose, Channel, Issuer, Stamp, Subject};
use shared::domain::situation::members_at;
use shared::pdf::SignatureField;
use shared::ports::{Condition, Item};
use shared::services::certificates::{issue, Request};
use shared::services::registry;

fn percentiles(label: &str, mut times: Vec<Duration>) {
    let n = times.len();
    let mut p = |q: f64| shared::testkit::measure::percentile(&mut times, q);
    let (p50, p99) = (p(0.50), p(0.99));
    println!("{label}: n={n} p50={p50:?} p99={p99:?}");
}

fn bench(c: &mut Criterion) {
    let rig = shared::testkit::bench::BenchRig::new(200);
    let (app, clock, rt, today, me, session) = (
        &rig.app,
        &rig.clock,
        &rig.rt,
        rig.today,
        &rig.me,
        &rig.session,
    );
    let request = Request {
        person: me.codice_fiscale.clone(),
        type_id: "stato_famiglia".into(),
        uso: "assegni_familiari".into(),
        bollo: None,
        facts: vec![],
    };

    // The stages, on the same inputs the service uses.
    let persons = rt
        .block_on(registry::household_persons(app.store.as_ref(), "F000001"))
        .unwrap();
    let members = members_at(&persons, "F000001", today, false);
    let catalog = app.catalog.clone();
    let kind = catalog.certificate_type("stato_famiglia").unwrap().clone();
    let uso = catalog.uso("assegni_familiari").unwrap().clone();
    let archive = catalog.archive("anagrafe").unwrap().clone();
    let issuer = Issuer {
        municipality: "Valdemo",
        province_label: "Provincia di Siena",
        bollo_rule: &catalog.bollo,
    };
    let subject = Subject {
        person: me,
        members: &members,
        denominazione: None,
        date: today,
    };
    let stamp = Stamp {
        id: "ABCD-EFGH-JKMN".into(),
        pin: "0123456789".into(),
        url: "http://127.0.0.1:8080/verifica/ABCD-EFGH-JKMN?k=0123456789ABCDEFGHJKMNPQRS".into(),
        verify_page: "http://127.0.0.1:8080/verifica".into(),
    };
    let content = compose(&issuer, &archive, &kind, &uso, None, &subject, &[]);
    let field = SignatureField {
        name: "Comune di Valdemo".into(),
        reason: "Certificato anagrafico rilasciato online".into(),
        signed_at: clock.now_utc(),
        reserved: shared::pdf::pades::SIG_RESERVED,
    };
    let arms = app.arms.as_deref();
    let render =
        || shared::pdf::render(&content, Some(&stamp), clock.now_utc(), arms, Some(&field));
    let pdf = render();
    let again = |_| pdf.clone();
    let tsa = app.timestamper.as_deref();
    let signed = rt
        .block_on(shared::pdf::pades::seal(again, app.signer.as_ref(), tsa))
        .unwrap();

    c.bench_function("stage: compose wording", |b| {
        b.iter(|| compose(&issuer, &archive, &kind, &uso, None, &subject, &[]))
    });
    c.bench_function("stage: render PDF with stamp", |b| b.iter(render));
    c.bench_function("stage: PAdES seal (B-B)", |b| {
        b.iter(|| {
            rt.block_on(shared::pdf::pades::seal(again, app.signer.as_ref(), None))
                .unwrap()
        })
    });
    c.bench_function("stage: PAdES seal with the local TSA (B-T)", |b| {
        b.iter(|| {
            rt.block_on(shared::pdf::pades::seal(again, app.signer.as_ref(), tsa))
                .unwrap()
        })
    });
    let mut n = 0u64;
    c.bench_function("stage: archive", |b| {
        b.iter(|| {
            n += 1;
            rt.block_on(app.archive.put(
                &format!("bench/{n}.pdf"),
                &signed,
                clock.now_utc() + chrono::Duration::days(183),
            ))
            .unwrap()
        })
    });
    c.bench_function("stage: record", |b| {
        b.iter(|| {
            n += 1;
            let item = Item::new(format!("BENCH#{n}"), "A", vec![b'x'; 900]);
            rt.block_on(app.store.transact(vec![(item, Condition::IfAbsent)]))
                .unwrap()
        })
    });
    c.bench_function("whole issue", |b| {
        b.iter(|| {
            rt.block_on(issue(app, session, &request, &Channel::Citizen, None))
                .unwrap()
        })
    });

    // The same whole issue with the local TSA (B-T, as the runner seals) and without (B-B,
    // as the cloud seals when no TSA is configured).
    let without_tsa = AppState {
        timestamper: None,
        ..app.clone()
    };
    for (label, state) in [
        ("whole issue, B-T (local TSA)", app),
        ("whole issue, B-B (no TSA)", &without_tsa),
    ] {
        let times: Vec<Duration> = (0..300)
            .map(|_| {
                let t = Instant::now();
                rt.block_on(issue(state, session, &request, &Channel::Citizen, None))
                    .unwrap();
                t.elapsed()
            })
            .collect();
        percentiles(label, times);
    }
    println!(
        "PDF size: {} bytes unsigned, {} bytes sealed",
        pdf.bytes.len(),
        signed.len()
    );
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(Duration::from_secs(4));
    targets = bench
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
