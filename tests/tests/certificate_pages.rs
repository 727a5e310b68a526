//! Every certificate type, for the demo persons with the longest bodies (the largest
//! households, the longest histories), exempt and in bollo, read as a reader sees it with
//! tools independent of the project's (`tests/python/page_check.py`: poppler's word boxes
//! and rendering, zxing's QR position, the marca box found in the rendered page): one page
//! when the body fits, the stamp whole on the last page, nothing under the marca box or the
//! QR code, no word outside the page or over another; and every one sealed PAdES B-T for
//! pyHanko and valid for pdfsig.

use std::collections::HashMap;

use e2e::{run, script, today, venv_bin, Portal};
use serde_json::Value;
use shared::domain::certificate::{Channel, Libera};
use shared::domain::person::Persona;
use shared::services::access::Scope;
use shared::services::certificates::{self, BolloInput, Request};

/// A4 in points, and the body's margin (20 mm) less a millimetre of tolerance.
const A4: [f64; 2] = [595.3, 841.9];
const MARGIN: f64 = 53.9;
/// The lowest a body line may reach: the bottom margin (20 mm).
const FLOOR: f64 = A4[1] - 56.7;

struct Issued {
    label: String,
    id: String,
    link: String,
    bollo: bool,
}

/// How long a person's certificates get: household size and history entries.
fn weight(p: &Persona, demo: &[Persona]) -> usize {
    let family = p.membership_at(today()).map(|m| m.famiglia.clone());
    let members = demo
        .iter()
        .filter(|o| o.membership_at(today()).map(|m| m.famiglia.clone()) == family)
        .count();
    members * 4 + p.famiglia.len() + p.residenza.len() + p.stato_civile.len() + p.cittadinanza.len()
}

fn libera() -> Channel {
    Channel::Operator(Libera {
        motivo: "Prova di impaginazione di tutti i tipi di certificato".into(),
        richiedente: "Ufficio anagrafe".into(),
        documento_tipo: "carta d'identità".into(),
        documento_numero: "CA00000AA".into(),
        documento_ente: "Comune di Valdemo".into(),
    })
}

/// For each type, the two persons with the longest bodies it can be issued for.
async fn cases(
    portal: &Portal,
    operator: &shared::services::sessions::Session,
) -> Vec<(String, Persona)> {
    let mut demo = portal.demo();
    let all = demo.clone();
    demo.sort_by_key(|p| std::cmp::Reverse(weight(p, &all)));
    let mut chosen: HashMap<String, Vec<Persona>> = HashMap::new();
    for p in &demo {
        let view =
            certificates::catalog_for(&portal.state, operator, &p.codice_fiscale, Scope::Registry)
                .await
                .unwrap();
        for t in view.types {
            let list = chosen.entry(t.id).or_default();
            if list.len() < 2 {
                list.push(p.clone());
            }
        }
    }
    let catalogue: Vec<String> = portal
        .state
        .catalog
        .types
        .iter()
        .map(|t| t.id.clone())
        .collect();
    for id in &catalogue {
        assert!(
            chosen.contains_key(id),
            "no demo person can have a {id} certificate"
        );
    }
    let mut out: Vec<(String, Persona)> = chosen
        .into_iter()
        .flat_map(|(id, ps)| ps.into_iter().map(move |p| (id.clone(), p)))
        .collect();
    out.sort_by(|a, b| (&a.0, &a.1.codice_fiscale).cmp(&(&b.0, &b.1.codice_fiscale)));
    out
}

fn words_on(doc: &Value, page: u64) -> Vec<(String, [f64; 4])> {
    doc["words"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w[0].as_u64() == Some(page))
        .map(|w| {
            let b = [1, 2, 3, 4].map(|i| w[i + 1].as_f64().unwrap());
            (w[1].as_str().unwrap().to_string(), b)
        })
        .collect()
}

fn intersects(a: &[f64; 4], b: &[f64; 4], slack: f64) -> bool {
    a[0] < b[2] - slack && b[0] < a[2] - slack && a[1] < b[3] - slack && b[1] < a[3] - slack
}

fn bbox(v: &Value) -> [f64; 4] {
    [0, 1, 2, 3].map(|i| v[i].as_f64().unwrap())
}

/// The checks of one certificate; returns its page count.
fn check_pages(doc: &Value, c: &Issued, verify_page: &str) -> u64 {
    let label = &c.label;
    let pages = doc["pages"].as_u64().unwrap();
    assert!(
        (doc["size"][0].as_f64().unwrap() - A4[0]).abs() < 1.0,
        "{label}: not A4"
    );
    let last = pages;

    // The stamp is one block on the last page: ID, PIN, the wording, the URL sentence.
    let stamp_words = [
        "certificato:",
        "PIN:",
        "Contrassegno",
        "2-bis,",
        "verificarlo:",
        verify_page,
    ];
    for page in 1..=pages {
        let words = words_on(doc, page);
        for w in stamp_words {
            let here = words.iter().any(|(t, _)| t == w);
            assert_eq!(
                here,
                page == last,
                "{label}: {w:?} on page {page} of {pages}"
            );
        }
    }
    let text: Vec<String> = words_on(doc, last).into_iter().map(|(t, _)| t).collect();
    let id_at = text.iter().position(|t| t == "certificato:").unwrap();
    assert_eq!(text[id_at + 1], c.id, "{label}: the ID printed");
    let pin_at = text.iter().position(|t| t == "PIN:").unwrap();
    assert!(text[pin_at + 1].len() == 10 && text[pin_at + 1].bytes().all(|b| b.is_ascii_digit()));

    // One QR code, on the last page, with the verification link; no word under it.
    let qr = doc["qr"].as_array().unwrap();
    assert_eq!(qr.len(), 1, "{label}: {qr:?}");
    assert_eq!(qr[0]["page"].as_u64(), Some(last), "{label}");
    assert_eq!(qr[0]["text"].as_str().unwrap(), c.link, "{label}");
    let qr_box = bbox(&qr[0]["box"]);
    for (t, b) in words_on(doc, last) {
        assert!(
            !intersects(&b, &qr_box, 0.5),
            "{label}: {t:?} {b:?} over the QR {qr_box:?}"
        );
    }

    // The marca box: there exactly when the bollo is due, nothing in it but its label.
    match (&doc["marca"], c.bollo) {
        (Value::Null, false) => {}
        (Value::Null, true) => panic!("{label}: no box for the marca"),
        (m, true) => {
            let m = bbox(m);
            let (w, h) = (m[2] - m[0], m[3] - m[1]);
            assert!(
                (75.0..85.0).contains(&w) && (86.0..96.0).contains(&h),
                "{label}: box {m:?}"
            );
            let label_words = ["Spazio", "per", "la", "marca", "da", "bollo"];
            for (t, b) in words_on(doc, 1) {
                let inside = b[0] >= m[0] && b[2] <= m[2] && b[1] >= m[1] && b[3] <= m[3];
                if inside && label_words.contains(&t.as_str()) {
                    continue;
                }
                assert!(
                    !intersects(&b, &m, 0.5),
                    "{label}: {t:?} {b:?} under the marca box {m:?}"
                );
            }
        }
        (m, false) => panic!("{label}: a marca box {m} on an exempt certificate"),
    }

    for page in 1..=pages {
        let words = words_on(doc, page);
        // Inside the margins, and no word over another on its line.
        for (t, b) in &words {
            assert!(
                b[0] >= MARGIN && b[2] <= A4[0] - MARGIN,
                "{label}: {t:?} {b:?} outside the margins"
            );
        }
        for (i, (t1, a)) in words.iter().enumerate() {
            for (t2, b) in &words[i + 1..] {
                let same_line = ((a[1] + a[3]) - (b[1] + b[3])).abs() / 2.0
                    < 0.3 * (a[3] - a[1]).min(b[3] - b[1]);
                assert!(
                    !(same_line && a[0] < b[2] - 1.0 && b[0] < a[2] - 1.0),
                    "{label}: {t1:?} {a:?} over {t2:?} {b:?} on page {page}"
                );
            }
        }
    }

    // A page ends early only when what comes next could not fit in the room left. The
    // words below the bottom margin are the page numbers ("Pagina 1 di 2").
    let body_of = |page| -> Vec<(String, [f64; 4])> {
        words_on(doc, page)
            .into_iter()
            .filter(|(_, b)| b[3] <= FLOOR + 1.0)
            .collect()
    };
    for page in 1..pages {
        let lowest = body_of(page).iter().map(|(_, b)| b[3]).fold(0.0, f64::max);
        let room = FLOOR - lowest;
        // The continuation header (running header) is the first line; then the body.
        let next: Vec<_> = body_of(page + 1)
            .into_iter()
            .filter(|(_, b)| b[1] > 60.0)
            .collect();
        let top = next.iter().map(|(_, b)| b[1]).fold(f64::MAX, f64::min);
        let starts_with_tail = next
            .iter()
            .any(|(t, b)| (b[1] - top).abs() < 1.0 && t.starts_with("Valdemo,"));
        let needed = if starts_with_tail && page + 1 == last {
            // The tail (place, date, signature) and the stamp block, which sits at the
            // bottom of the page: their heights, without the space between them.
            let stamp_top = next
                .iter()
                .find(|(t, _)| t == "certificato:")
                .map(|(_, b)| b[1])
                .unwrap();
            let height = |words: Vec<&(String, [f64; 4])>| {
                let lo = words.iter().map(|(_, b)| b[1]).fold(f64::MAX, f64::min);
                words.iter().map(|(_, b)| b[3]).fold(0.0, f64::max) - lo
            };
            height(
                next.iter()
                    .filter(|(_, b)| b[1] < stamp_top - 1.0)
                    .collect(),
            ) + height(
                next.iter()
                    .filter(|(_, b)| b[1] >= stamp_top - 1.0)
                    .collect(),
            )
        } else {
            // A table row or a line: up to two lines of table text.
            40.0
        };
        assert!(
            room < needed,
            "{label}: page {page} ends {room:.0} pt early, the next part needs {needed:.0}"
        );
        for p in [page, page + 1] {
            let numbered = format!("Pagina {p} di {pages}");
            let bottom: Vec<String> = words_on(doc, p)
                .into_iter()
                .filter(|(_, b)| b[1] > FLOOR)
                .map(|(t, _)| t)
                .collect();
            assert_eq!(bottom.join(" "), numbered, "{label}: page numbers");
        }
    }
    pages
}

/// pdfsig with one NSS database trusting `root`, for each file: whether it said valid.
fn pdfsig_all(
    dir: &std::path::Path,
    root: &std::path::Path,
    files: &[std::path::PathBuf],
) -> Vec<String> {
    let db_arg = e2e::nss_trusting(dir, root, "CT,C,C");
    files
        .iter()
        .map(|f| run("pdfsig", &["-nssdir", &db_arg, f.to_str().unwrap()]))
        .collect()
}

#[tokio::test]
async fn every_type_keeps_the_stamp_whole_and_nothing_under_the_reserved_areas() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::start(&dir.path().join("data")).await;
    let demo = portal.demo();
    let (_, session) = portal.open_session(&demo[0], true).await;
    let out = dir.path().join("pdf");
    std::fs::create_dir_all(&out).unwrap();
    let mut issued = Vec::new();
    let mut files = Vec::new();
    let mut marca = 10_000_000_000_000u64;
    let cases = cases(&portal, &session).await;
    let mut with_bollo: Vec<String> = Vec::new();
    for (type_id, person) in &cases {
        // In bollo once per type (its longest body), exempt for both persons.
        let bollo_too = !with_bollo.contains(type_id);
        with_bollo.push(type_id.clone());
        for bollo in [false, true] {
            if bollo && !bollo_too {
                continue;
            }
            marca += 1;
            let request = Request {
                person: person.codice_fiscale.clone(),
                type_id: type_id.clone(),
                uso: if bollo { "uso_privato" } else { "pensioni" }.into(),
                bollo: bollo.then(|| BolloInput {
                    id: marca.to_string(),
                    date: "2026-11-20".into(),
                    online: false,
                }),
                facts: if type_id == "contestuale" {
                    vec![
                        "residenza".into(),
                        "cittadinanza".into(),
                        "stato_civile".into(),
                        "stato_famiglia".into(),
                    ]
                } else {
                    vec![]
                },
            };
            let result =
                certificates::issue(&portal.state, &session, &request, &libera(), None).await;
            let c = match result {
                Ok(c) => c,
                // Stato civile certificates are exempt by law: no marca is taken for them.
                Err(e) if bollo => {
                    let kind = portal
                        .state
                        .catalog
                        .types
                        .iter()
                        .find(|t| &t.id == type_id)
                        .unwrap();
                    assert_eq!(kind.archive, "stato_civile", "{type_id} in bollo: {e}");
                    continue;
                }
                Err(e) => panic!("{type_id} for {}: {e}", person.codice_fiscale),
            };
            let label = format!(
                "{type_id} {} {}",
                person.codice_fiscale,
                if bollo { "in bollo" } else { "esente" }
            );
            let path = out.join(format!("{}.pdf", c.record.id));
            std::fs::write(&path, &c.pdf).unwrap();
            files.push(path);
            issued.push(Issued {
                label,
                id: c.record.id.clone(),
                link: c.link.clone().unwrap(),
                bollo: c.record.bollo.is_some(),
            });
        }
    }
    assert!(
        issued.len() >= 2 * portal.state.catalog.types.len(),
        "{} certificates",
        issued.len()
    );
    assert!(issued.iter().any(|c| c.bollo));

    let args: Vec<&str> = files.iter().map(|f| f.to_str().unwrap()).collect();
    let mut cmd = vec![script("page_check.py")];
    cmd.extend(args.iter().map(|s| s.to_string()));
    let cmd: Vec<&str> = cmd.iter().map(String::as_str).collect();
    let report = run(venv_bin("python"), &cmd);
    let docs: Vec<Value> = report
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert_eq!(docs.len(), issued.len(), "{report}");
    let verify_page = format!("{}/verifica", portal.base);
    let mut pages = HashMap::new();
    for (doc, c) in docs.iter().zip(&issued) {
        let n = check_pages(doc, c, &verify_page);
        pages.insert(c.label.clone(), n);
    }
    // A residence certificate fits one page, in bollo too.
    for (label, n) in &pages {
        if label.starts_with("residenza ") {
            assert_eq!(*n, 1, "{label}");
        }
    }

    // Every one sealed, time-stamped, intact and trusted for pyHanko; valid for pdfsig.
    let root = portal.seal_root();
    let mut cmd = vec![
        script("validate_many.py"),
        root.to_str().unwrap().to_string(),
    ];
    cmd.extend(args.iter().map(|s| s.to_string()));
    let cmd: Vec<&str> = cmd.iter().map(String::as_str).collect();
    let hanko = run(venv_bin("python"), &cmd);
    for f in &args {
        let line = hanko
            .lines()
            .find(|l| l.starts_with(f))
            .unwrap_or_else(|| panic!("{f}: {hanko}"));
        assert!(
            line.ends_with(":INTACT:TRUSTED,TIMESTAMP_TOKEN<INTACT:TRUSTED>,UNTOUCHED"),
            "{line}"
        );
    }
    for (said, f) in pdfsig_all(dir.path(), &root, &files).iter().zip(&args) {
        assert!(
            said.contains("Signature is Valid.") && said.contains("Certificate is Trusted."),
            "{f}: {said}"
        );
    }
    let sizes: Vec<usize> = files
        .iter()
        .map(|f| std::fs::metadata(f).unwrap().len() as usize)
        .collect();
    let largest = sizes.iter().max().unwrap();
    assert!(*largest <= 60_000, "largest certificate {largest} bytes");
    portal.stop().await;
}
