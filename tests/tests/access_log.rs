//! "Chi ha consultato i miei dati" and the tamper-evident audit trail, over HTTP and through
//! the ops use cases: what the citizen sees, who may see it, and what an edit or a deletion
//! in the store does to the chain's check.

use chrono::Duration;
use e2e::{members_of, PdfFile, Portal};
use serde_json::json;
use shared::config::operators;
use shared::domain::person::Persona;
use shared::keys;
use shared::ports::{Condition, Item};
use shared::services::audit::seal;
use std::sync::Arc;

const MOTIVO: &str = "Verifica della residenza per un procedimento civile";

/// The e-mails the local mailer wrote, as text (quoted-printable soft breaks joined).
fn outbox(dir: &std::path::Path) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(dir.join("outbox"))
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
        .map(|e| {
            std::fs::read_to_string(e.path())
                .unwrap()
                .replace("=\r\n", "")
                .replace("=\n", "")
        })
        .collect();
    out.sort();
    out
}

async fn start(dir: &std::path::Path, operator: &str) -> Portal {
    let entry = format!("{operator}:Anna Bianchi:Ufficio Anagrafe centrale");
    Portal::start_with(dir, |mut s| {
        let mut config = (*s.config).clone();
        config.operators = operators(&entry);
        s.config = Arc::new(config);
        s
    })
    .await
}

/// The operator: a resident of another household (any codice fiscale of the demo works).
fn operator_of(demo: &[Persona]) -> Persona {
    members_of(demo, "F000002").remove(0)
}

#[tokio::test]
async fn the_citizen_sees_who_read_their_data_with_names_offices_and_reasons() {
    let dir = tempfile::tempdir().unwrap();
    let demo = {
        let p = Portal::start(dir.path()).await;
        let d = p.demo();
        p.stop().await;
        d
    };
    let op = operator_of(&demo);
    let portal = start(dir.path(), &op.codice_fiscale).await;
    let f1 = members_of(&demo, "F000001");
    let (a, b) = (&f1[0], &f1[1]);
    let a_session = portal.session(a, false).await;
    let a_login = a_session.cookie.clone();
    // A asks to be told of operators' accesses.
    let resp = reqwest::Client::new()
        .put(format!("{}/api/me", portal.base))
        .header("Cookie", &a_login)
        .header("X-CSRF-Token", &a_session.csrf)
        .json(&json!({"email": "a@example.org", "notify_operator_access": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);

    // B, of A's household, reads A's detail.
    let b_login = portal.login(b).await;
    let path = format!("/api/household/persons/{}", a.codice_fiscale);
    assert_eq!(portal.get(&path, Some(&b_login)).await.0, 200);
    portal.clock.advance(Duration::minutes(3));

    // An operator issues a certificazione libera for A, with a motivo.
    let operator = portal.session(&op, true).await;
    let body = json!({
        "person": a.codice_fiscale, "type": "residenza", "uso": "processuale", "motivo": MOTIVO,
        "richiedente": "Avv. Carla Neri",
        "documento": {"tipo": "carta d'identità", "numero": "CA00000AA", "ente": "Comune di Siena"}
    });
    let resp = portal
        .post("/api/operator/certificates", &operator, &body, &[])
        .await;
    assert_eq!(resp.status(), 201);
    let id = resp.headers()["x-certificate-id"]
        .to_str()
        .unwrap()
        .to_string();
    let pdf = resp.bytes().await.unwrap();
    portal.clock.advance(Duration::minutes(4));
    let mails = outbox(dir.path());
    assert_eq!(mails.len(), 1, "one notice, to A only: {mails:?}");
    assert!(
        mails[0].contains("To: a@example.org")
            && mails[0].contains("Anna Bianchi (Ufficio Anagrafe centrale)"),
        "{}",
        mails[0]
    );
    assert!(
        mails[0].contains(&format!("Certificazione libera: certificato {id}"))
            && mails[0].contains("Motivo dichiarato"),
        "{}",
        mails[0]
    );

    // A recipient verifies it through its QR link.
    let link = PdfFile::new(&pdf)
        .qr_codes()
        .into_iter()
        .next()
        .expect("QR");
    let page = reqwest::get(&link).await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Certificato valido"));
    portal.clock.advance(Duration::minutes(5));

    let (status, log) = portal.get("/api/accessi", Some(&a_login)).await;
    assert_eq!(status, 200, "{log}");
    let entries = log["entries"].as_array().unwrap();
    let seen: Vec<(&str, &str, &str)> = entries
        .iter()
        .map(|e| {
            (
                e["role"].as_str().unwrap(),
                e["who"].as_str().unwrap(),
                e["what"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        vec![
            (
                "verification",
                "Verifica pubblica del certificato",
                &*format!("Il certificato {id} è stato verificato")
            ),
            (
                "operator",
                "Anna Bianchi — Ufficio Anagrafe centrale",
                &*format!("Certificazione libera: certificato {id}")
            ),
            (
                "household",
                &*format!("{} {} (componente della famiglia)", b.nome, b.cognome),
                "Consultazione dei dati anagrafici"
            ),
        ],
        "{log}"
    );
    assert_eq!(entries[1]["reason"], MOTIVO);
    assert!(entries[0].get("reason").is_none() && !log.to_string().contains("127.0.0.1"));
    let times: Vec<&str> = entries.iter().map(|e| e["at"].as_str().unwrap()).collect();
    assert!(
        times.windows(2).all(|w| w[0] > w[1]),
        "newest first: {times:?}"
    );

    // The citizen's own accesses on request; a period without accesses is empty.
    let (_, own) = portal.get("/api/accessi?own=true", Some(&a_login)).await;
    assert!(own["entries"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["role"] == "own" && e["what"] == "Consultazione del registro degli accessi"));
    let (_, old) = portal
        .get("/api/accessi?from=2026-01-01&to=2026-01-31", Some(&a_login))
        .await;
    assert_eq!(old["entries"], json!([]));
    let (status, bad) = portal.get("/api/accessi?from=ieri", Some(&a_login)).await;
    assert_eq!(status, 400);
    assert!(bad["message"].as_str().unwrap().contains("ieri"), "{bad}");
    let junk = format!("/api/accessi?after={}", "9".repeat(1500));
    let (status, bad) = portal.get(&junk, Some(&a_login)).await;
    assert_eq!(status, 400);
    assert!(bad["message"].as_str().unwrap().contains("after"), "{bad}");
    // A cursor of the shape a page gives back is accepted: the entries older than it.
    let from_now = keys::access_entry(&a.codice_fiscale, portal.clock.now_utc(), "abc", 0).sk;
    let (status, page) = portal
        .get(
            &format!("/api/accessi?after={}", from_now.replace('#', "%23")),
            Some(&a_login),
        )
        .await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["entries"].as_array().unwrap().len(), 3, "{page}");

    // Nobody else's log: B (of the same household) gets 404; the operator may read it, and
    // that reading is itself in A's log.
    let other = format!("/api/accessi?person={}", a.codice_fiscale);
    let (status, refused) = portal.get(&other, Some(&b_login)).await;
    assert_eq!(status, 404);
    assert!(
        refused["message"].as_str().unwrap().contains("solo il tuo"),
        "{refused}"
    );
    let (status, _) = portal.get(&other, Some(&operator.cookie)).await;
    assert_eq!(status, 200);
    portal.clock.advance(Duration::minutes(1));
    let (_, log) = portal.get("/api/accessi", Some(&a_login)).await;
    assert_eq!(log["entries"][0]["role"], "operator");
    assert_eq!(
        log["entries"][0]["what"],
        "Consultazione del registro degli accessi"
    );
    portal.stop().await;
}

#[tokio::test]
async fn an_edited_or_deleted_audit_record_breaks_the_chain_where_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::start(dir.path()).await;
    let demo = portal.demo();
    let a = &members_of(&demo, "F000001")[0];
    let cookie = portal.login(a).await;
    for _ in 0..6 {
        assert_eq!(portal.get("/api/household", Some(&cookie)).await.0, 200);
        portal.clock.advance(Duration::seconds(10));
    }
    let day = portal.clock.now_utc().date_naive();
    let app = &portal.state;
    let sealed = seal::seal_day(app, day).await.unwrap();
    assert!(sealed.manifest.contains(&day.to_string()));
    let ok = seal::verify_day(app, day).await.unwrap();
    assert_eq!(
        (ok.broken.clone(), ok.sealed, ok.records),
        (None, true, 6),
        "{ok:?}"
    );
    let range = seal::verify_range(app, day - Duration::days(3), day)
        .await
        .unwrap();
    assert!(range.iter().all(|r| r.broken.is_none()) && range.len() == 4);

    let items = shared::ports::query_all(app.store.as_ref(), &keys::audit_day(day))
        .await
        .unwrap();
    let chain = items[0].sk.split('#').next().unwrap().to_string();
    let at = |seq: u64| keys::audit_record(day, &chain, seq);
    let original = app.store.get(&at(2).pk, &at(2).sk).await.unwrap().unwrap();
    // Kept for AUDIT_RETENTION_DAYS (five years by default), then expired by the store.
    let kept = original.expires_at.unwrap() - portal.clock.now_utc().timestamp();
    assert!(
        (1825 * 86_400 - 120..=1825 * 86_400).contains(&kept),
        "{kept}"
    );

    // An edit: the action changed in record 2.
    let text = String::from_utf8(original.data.clone()).unwrap();
    let forged = text.replace("\"household\"", "\"login\"");
    assert_ne!(forged, text);
    app.store
        .put(Item::at(at(2), forged.into_bytes()), Condition::None)
        .await
        .unwrap();
    let report = seal::verify_day(app, day).await.unwrap();
    assert_eq!(
        report.broken.as_deref(),
        Some(&*format!(
            "record {chain}#2 modificato (non corrisponde al collegamento di {chain}#3)"
        ))
    );
    let range = seal::verify_range(app, day - Duration::days(1), day + Duration::days(1))
        .await
        .unwrap();
    assert_eq!(range.len(), 2, "stops at the broken day");

    // Put back, it verifies again; a deletion is found at its place.
    app.store.put(original, Condition::None).await.unwrap();
    assert_eq!(seal::verify_day(app, day).await.unwrap().broken, None);
    app.store.delete(&at(4).pk, &at(4).sk).await.unwrap();
    let report = seal::verify_day(app, day).await.unwrap();
    assert_eq!(
        report.broken.as_deref(),
        Some(&*format!(
            "record {chain}#4 mancante (la catena prosegue con {chain}#5)"
        ))
    );

    // The last record deleted: only the seal can tell.
    let original4 = items.iter().find(|i| i.sk == at(4).sk).unwrap().clone();
    app.store.put(original4, Condition::None).await.unwrap();
    app.store.delete(&at(5).pk, &at(5).sk).await.unwrap();
    let report = seal::verify_day(app, day).await.unwrap();
    assert_eq!(
        report.broken.as_deref(),
        Some(&*format!("record {chain}#5 mancante"))
    );
    portal.stop().await;

    // The ops command says the same, with its exit status.
    let ops = |args: &[&str]| {
        let out = std::process::Command::new(e2e::aws::workspace_bin("import"))
            .args(args)
            .env("DATA_DIR", dir.path())
            .env_remove("TABLE_NAME")
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let (code, out) = ops(&[
        "audit-verify",
        &(day - Duration::days(1)).to_string(),
        &day.to_string(),
    ]);
    assert_eq!(code, Some(3), "{out}");
    assert!(
        out.contains(&format!(
            "{}: record 0, catene 0, non sigillata: integra",
            day - Duration::days(1)
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "{day}: record 5, catene 1, sigillata: record {chain}#5 mancante"
        )),
        "{out}"
    );
    let (code, out) = ops(&["audit-seal", &(day - Duration::days(1)).to_string()]);
    assert_eq!((code, out.contains("sigillata")), (Some(0), true), "{out}");
}

fn unzip(bytes: &[u8]) -> std::collections::BTreeMap<String, Vec<u8>> {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut f = zip.by_index(i).unwrap();
            let mut out = Vec::new();
            f.read_to_end(&mut out).unwrap();
            (f.name().unwrap().to_string(), out)
        })
        .collect()
}

#[tokio::test]
async fn all_my_data_in_one_zip_reimports_into_the_same_household_view() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::start(dir.path()).await;
    let demo = portal.demo();
    let a = &members_of(&demo, "F000001")[0];
    let login = portal.session(a, false).await;
    let body = json!({"person": a.codice_fiscale, "type": "residenza", "uso": "pensioni", "bollo": null, "delivery": "download"});
    let resp = portal.post("/api/certificates", &login, &body, &[]).await;
    assert_eq!(resp.status(), 201);
    let id = resp.headers()["x-certificate-id"]
        .to_str()
        .unwrap()
        .to_string();
    let issued = resp.bytes().await.unwrap().to_vec();
    let (_, view) = portal.get("/api/household", Some(&login.cookie)).await;

    let resp = reqwest::Client::new()
        .get(format!("{}/api/miei-dati", portal.base))
        .header("Cookie", &login.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "application/zip");
    assert!(resp.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains(&a.codice_fiscale));
    let files = unzip(&resp.bytes().await.unwrap());
    let names: Vec<&str> = files.keys().map(String::as_str).collect();
    let cert = format!("certificati/{id}.pdf");
    assert_eq!(
        names,
        vec![
            "accessi.json",
            "anagrafe.jsonl",
            &*cert,
            "dati-anagrafici.pdf"
        ]
    );
    assert_eq!(files[&cert], issued, "the certificate held, byte for byte");
    let text = PdfFile::new(&files["dati-anagrafici.pdf"]).text();
    assert!(
        text.contains(&a.codice_fiscale) && text.contains(&a.cognome) && text.contains("Residenza"),
        "{text}"
    );
    let log: serde_json::Value = serde_json::from_slice(&files["accessi.json"]).unwrap();
    assert!(log
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["what"] == format!("Rilascio del certificato {id}")));
    portal.stop().await;

    // Into an empty store: the same scheda di famiglia.
    let empty = tempfile::tempdir().unwrap();
    let clock = std::sync::Arc::new(shared::testkit::ManualClock::new(portal_now()));
    let state = shared::app::AppState::local(
        shared::config::Config::for_tests(empty.path().into()),
        clock,
    )
    .unwrap();
    let report = shared::services::import::import(&state, &files["anagrafe.jsonl"][..])
        .await
        .unwrap();
    assert!(report.errors.is_empty(), "{report}");
    let again = shared::services::household::household_of(&state, &a.codice_fiscale, None, false)
        .await
        .unwrap();
    assert_eq!(serde_json::to_value(again).unwrap(), view);
}

fn portal_now() -> chrono::DateTime<chrono::Utc> {
    use chrono::TimeZone;
    chrono::Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap()
}
