use chrono::{NaiveDate, Utc};
use shared::domain::catalog::Catalog;
use shared::domain::certificate::{compose, Issuer, Stamp, Subject, Bollo};
use shared::demo::{generate, DemoSpec, DEFAULT_SEED};
use shared::services::import::Record;

#[tokio::main]
async fn main() {
    let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    let recs = generate(&DemoSpec { persons: 20, seed: DEFAULT_SEED, today, municipality: shared::config::Config::for_tests(".".into()).municipality });
    let persons: Vec<_> = recs.iter().filter_map(|r| match r { Record::Persona(p) => Some(p.as_ref().clone()), _ => None }).collect();
    let p = &persons[0];
    let members = shared::domain::situation::members_at(&persons, &p.famiglia[0].value.famiglia, today, false);
    let cat = Catalog::default_catalog();
    let issuer = Issuer { municipality: "Valdemo", province: "SI", bollo_rule: &cat.bollo };
    let subject = Subject { person: p, members: &members, denominazione: None, date: today };
    let t = cat.certificate_type(&std::env::args().nth(1).unwrap_or("stato_famiglia_parentela".into())).unwrap().clone();
    let uso = cat.uso("uso_privato").unwrap();
    let bollo = Bollo { id: "01234567890123".into(), date: today };
    let content = compose(&issuer, cat.archive(&t.archive).unwrap(), &t, uso, Some(&bollo), &subject, &["residenza".into(), "stato_famiglia".into()]);
    let stamp = Stamp { id: "ABCD-EFGH-JKMN".into(), pin: "1234567890".into(), url: "http://127.0.0.1:8080/verifica/ABCD-EFGH-JKMN?k=0123456789ABCDEFGHJKMNPQRS".into(), verify_page: "http://127.0.0.1:8080/verifica".into() };
    let t0 = std::time::Instant::now();
    let pdf = shared::pdf::render(&content, Some(&stamp), Utc::now());
    let t1 = t0.elapsed();
    let signer = shared::adapters::local_signer::SoftwareSigner::open_or_create(std::path::Path::new("/tmp/scratch-signer"), "Comune di Valdemo").unwrap();
    let signed = shared::pdf::pades::sign_pdf(&pdf, &signer, Utc::now(), "Comune di Valdemo").await.unwrap();
    eprintln!("render {:?} sign {:?} size {} -> {}", t1, t0.elapsed() - t1, pdf.len(), signed.len());
    std::fs::write("/tmp/cert.pdf", &signed).unwrap();
    let prev = shared::pdf::render(&content, None, Utc::now());
    std::fs::write("/tmp/preview.pdf", &prev).unwrap();
}
