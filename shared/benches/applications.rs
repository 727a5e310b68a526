//! The in-process submission of an application with the local adapters: validation of
//! every field, the protocol registration, the receipt sealed (PAdES B-T with the local
//! TSA), archived, the record written, the notice e-mailed to the outbox. Prints p50/p99.
//!
//! `cargo bench -p shared --bench applications`

use std::time::{Duration, Instant};

use serde_json::json;
use shared::services::applications::{citizen, drafts};

const RUNS: usize = 300;

fn main() {
    let rig = shared::testkit::bench::BenchRig::new(200);
    let (app, rt, session) = (&rig.app, &rig.rt, &rig.session);
    // A 100 KB identity document, as a phone's scan.
    let mut pdf = b"%PDF-1.4\n".to_vec();
    pdf.resize(100 * 1024, b' ');
    let mut times: Vec<Duration> = Vec::with_capacity(RUNS);
    let mut size = 0;
    for _ in 0..RUNS {
        let id = rt.block_on(async {
            let a = drafts::start(app, session, "cambio_residenza").await.unwrap();
            let upload = drafts::Upload { field: "documento", name: "documento.pdf", bytes: &pdf };
            let f = drafts::attach(app, session, &a.id, upload).await.unwrap();
            let mut data = a.data.clone();
            let extra = json!({"indirizzo": {"via": "Via delle Rose", "civico": "7", "cap": "53100"}, "data": "2026-11-20",
                "titolo": "locazione", "contratto": "AdE Siena n. 1234", "documento": f.id, "email": "c@example.it", "consapevole": true});
            data.extend(extra.as_object().unwrap().clone());
            drafts::save(app, session, &a.id, data).await.unwrap();
            a.id
        });
        let t = Instant::now();
        let (sent, _) = rt.block_on(citizen::submit(app, session, &id)).unwrap();
        times.push(t.elapsed());
        size = sent.documents[0].size;
    }
    let mut p = |q: f64| shared::testkit::measure::percentile(&mut times, q);
    let (p50, p99) = (p(0.50), p(0.99));
    println!("submission (validation, protocol, receipt sealed B-T, archive, record, notice): n={RUNS} p50={p50:?} p99={p99:?} receipt={size} bytes");
}
