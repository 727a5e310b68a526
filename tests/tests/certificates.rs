//! Certificates over HTTP, checked by independent tools: poppler (text, rendering, pdfsig),
//! zxing-cpp (QR), pyHanko (signature and PAdES structure).

use e2e::{today, Login, PdfFile, Portal};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use shared::domain::certificate::CertificateRecord;
use shared::domain::person::{Persona, PosizioneAnagrafica};
use shared::services::audit::{self, AuditAction};
use shared::services::certificates;

const ART40: &str = "Il presente certificato non può essere prodotto agli organi della pubblica amministrazione o ai privati gestori di pubblici servizi.";

fn head_of_first_family(demo: &[Persona]) -> Persona {
    e2e::members_of(demo, "F000001").remove(0)
}

fn request(person: &Persona, kind: &str, uso: &str) -> Value {
    json!({"person": person.codice_fiscale, "type": kind, "uso": uso, "bollo": null, "delivery": "download"})
}

async fn record_of(portal: &Portal, id: &str) -> CertificateRecord {
    certificates::record(&portal.state, id)
        .await
        .unwrap()
        .expect("record written")
}

fn sha(b: &[u8]) -> String {
    hex(&Sha256::digest(b))
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

async fn issue_ok(
    portal: &Portal,
    who: &Login,
    body: &Value,
    headers: &[(&str, &str)],
) -> (String, Vec<u8>) {
    let resp = portal.post("/api/certificates", who, body, headers).await;
    let status = resp.status();
    let id = resp
        .headers()
        .get("x-certificate-id")
        .map(|v| v.to_str().unwrap().to_string());
    let bytes = resp.bytes().await.unwrap().to_vec();
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&bytes));
    (id.expect("X-Certificate-Id"), bytes)
}

#[tokio::test]
async fn issued_certificate_reads_right_scans_right_and_validates() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::start(dir.path()).await;
    let me = head_of_first_family(&portal.demo());
    let who = portal.session(&me, false).await;
    let resp = portal
        .post(
            "/api/certificates",
            &who,
            &request(&me, "residenza", "pensioni"),
            &[],
        )
        .await;
    assert_eq!(resp.status(), 201);
    assert_eq!(resp.headers()["content-type"], "application/pdf");
    let disposition = resp.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        disposition.starts_with("attachment; filename=\"certificato-residenza-"),
        "{disposition}"
    );
    let id = resp.headers()["x-certificate-id"]
        .to_str()
        .unwrap()
        .to_string();
    let pdf = resp.bytes().await.unwrap().to_vec();
    assert!(pdf.len() <= 60 * 1024, "{} bytes", pdf.len());

    let file = PdfFile::new(&pdf);
    let text = file.text();
    for expected in [
        "COMUNE DI VALDEMO",
        // The province by name (from the ISTAT list), not its abbreviation.
        "Provincia di Siena",
        "CERTIFICATO DI RESIDENZA",
        &format!("{} {}", me.cognome.to_uppercase(), me.nome.to_uppercase()),
        &me.codice_fiscale,
        "è residente in questo Comune",
        ART40,
        "Esente da imposta di bollo ai sensi dell'art. 9 della Tabella allegato B",
        "validità di sei mesi",
        "Documento firmato digitalmente",
        &format!("ID certificato: {id}"),
        // What the printed stamp is worth and how to check it.
        "Ai sensi dell'art. 23, comma 2-bis, del D.Lgs. 7 marzo 2005, n. 82, il contrassegno stampato sulla copia cartacea sostituisce a tutti gli effetti di legge la sottoscrizione autografa",
        &format!("Come verificarlo: inquadra il codice QR, oppure apri {}/verifica", portal.base),
    ] {
        assert!(text.contains(expected), "missing {expected:?} in {text}");
    }
    let address = me.residenza.last().unwrap().value.via.as_str();
    assert!(text.contains(address), "{address} not in {text}");

    // The QR code decodes to exactly the verification URL; its secret is stored only hashed.
    let record = record_of(&portal, &id).await;
    let codes = file.qr_codes();
    assert_eq!(codes.len(), 1, "{codes:?}");
    let prefix = format!("{}/verifica/{id}?k=", portal.base);
    let secret = codes[0]
        .strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("{} is not {prefix}…", codes[0]));
    assert_eq!(secret.len(), 26);
    assert_eq!(record.secret_hash, sha(secret.as_bytes()));
    let pin = text
        .split("PIN: ")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap();
    assert_eq!(pin.len(), 10);
    assert_eq!(record.pin_hash, sha(format!("pin:{pin}").as_bytes()));
    let stored = serde_json::to_string(&record).unwrap();
    assert!(
        !stored.contains(secret) && !stored.contains(pin),
        "clear secret or PIN stored"
    );

    // Two independent validators accept the seal with the local TSA's time-stamp, and the
    // structure is PAdES B-T.
    let root = portal.seal_root();
    let hanko = file.pyhanko(&root);
    assert!(
        hanko.lines().any(|l| l.starts_with("Sigillo:")
            && l.ends_with(":INTACT:TRUSTED,TIMESTAMP_TOKEN<INTACT:TRUSTED>,UNTOUCHED")),
        "{hanko}"
    );
    let pdfsig = file.pdfsig(&root);
    assert!(
        pdfsig.contains("Signature is Valid.")
            && pdfsig.contains("Total document signed")
            && pdfsig.contains("Certificate is Trusted."),
        "{pdfsig}"
    );
    assert!(pdfsig.contains("ETSI.CAdES.detached"), "{pdfsig}");
    let structure = file.pades_structure();
    assert!(structure.contains("PAdES-B-T structure OK"), "{structure}");

    // One flipped byte inside the signed range: both reject.
    let at = pdf
        .windows(17)
        .position(|w| w == b"rilasciato online")
        .expect("signature reason");
    let mut tampered = pdf.clone();
    tampered[at] = b'X';
    let bad = PdfFile::new(&tampered);
    let hanko = bad.pyhanko(&root);
    assert!(
        !hanko.contains("INTACT") && hanko.contains("INVALID"),
        "{hanko}"
    );
    let pdfsig = bad.pdfsig(&root);
    assert!(
        !pdfsig.contains("Signature is Valid.") && pdfsig.contains("Signature Validation:"),
        "{pdfsig}"
    );

    // The archive holds the same bytes, the record their hash and the 6-month expiry.
    assert_eq!(record.sha256, sha(&pdf));
    assert_eq!(
        portal
            .state
            .archive
            .get(&record.archive_key)
            .await
            .unwrap()
            .unwrap(),
        pdf
    );
    assert_eq!(
        record.expires_at,
        certificates::six_months_after(record.issued_at)
    );
    assert_eq!(
        record.cognome_norm,
        shared::domain::certificate::normalize_name(&me.cognome)
    );

    // I miei certificati lists it and downloads the same bytes again; the issue was audited.
    let (status, mine) = portal
        .get("/api/certificates/mine", Some(&who.cookie))
        .await;
    assert_eq!(status, 200);
    assert_eq!(mine["certificates"][0]["id"], id.as_str());
    let again = reqwest::Client::new()
        .get(format!("{}/api/certificates/{id}/pdf", portal.base))
        .header("Cookie", &who.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 200);
    assert_eq!(again.bytes().await.unwrap().to_vec(), pdf);
    let day = audit::records_of_day(&portal.state, portal.clock.now_utc())
        .await
        .unwrap();
    assert!(day.iter().any(|r| r.action == AuditAction::CertificateIssue
        && r.detail.as_deref().is_some_and(|d| d.starts_with(&id))));
    portal.stop().await;
}

#[tokio::test]
async fn bollo_is_required_printed_and_usable_once() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::start(dir.path()).await;
    let me = head_of_first_family(&portal.demo());
    let who = portal.session(&me, false).await;

    let resp = portal
        .post(
            "/api/certificates",
            &who,
            &request(&me, "residenza", "uso_privato"),
            &[],
        )
        .await;
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"], "bollo_required");
    assert!(body["message"].as_str().unwrap().contains("14 cifre"));

    let with = |kind: &str, id: &str, date: &str| {
        let mut b = request(&me, kind, "uso_privato");
        b["bollo"] = json!({"id": id, "date": date});
        b
    };
    for (id, date, code) in [
        ("1234567890123", "2026-11-01", "invalid_bollo_id"),
        ("01234567890123", "2026-11-24", "invalid_bollo_date"),
    ] {
        let resp = portal
            .post("/api/certificates", &who, &with("residenza", id, date), &[])
            .await;
        assert_eq!(resp.status(), 400);
        assert_eq!(resp.json::<Value>().await.unwrap()["error"], code);
    }

    let (id, pdf) = issue_ok(
        &portal,
        &who,
        &with("residenza", "01234567890123", "2026-11-20"),
        &[],
    )
    .await;
    let text = PdfFile::new(&pdf).text();
    assert!(
        text.contains("contrassegno telematico (marca da bollo) n. 01234567890123 del 20/11/2026"),
        "{text}"
    );
    assert!(text.contains("Spazio per la marca da bollo"));
    // The same request again (a retry) returns the same certificate: no second use.
    let (again, pdf2) = issue_ok(
        &portal,
        &who,
        &with("residenza", "01234567890123", "2026-11-20"),
        &[],
    )
    .await;
    assert_eq!((again, pdf2), (id.clone(), pdf));
    // Another certificate with the same marca is refused.
    let resp = portal
        .post(
            "/api/certificates",
            &who,
            &with("stato_famiglia", "01234567890123", "2026-11-20"),
            &[],
        )
        .await;
    assert_eq!(resp.status(), 409);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"], "bollo_already_used");
    assert!(body["message"].as_str().unwrap().contains("01234567890123"));

    // Two different requests racing for one new marca: exactly one wins.
    let (first, second) = (
        with("residenza", "99999999999999", "2026-11-20"),
        with("stato_famiglia", "99999999999999", "2026-11-20"),
    );
    let (a, b) = tokio::join!(
        portal.post("/api/certificates", &who, &first, &[]),
        portal.post("/api/certificates", &who, &second, &[]),
    );
    let mut statuses = [a.status().as_u16(), b.status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, [201, 409]);
    portal.stop().await;
}

#[tokio::test]
async fn preview_is_watermarked_unsigned_unarchived_and_refused_in_bollo() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::start(dir.path()).await;
    let me = head_of_first_family(&portal.demo());
    let who = portal.session(&me, false).await;
    let resp = portal
        .post(
            "/api/certificates/preview",
            &who,
            &request(&me, "stato_famiglia", "scuola"),
            &[],
        )
        .await;
    assert_eq!(resp.status(), 200);
    let pdf = resp.bytes().await.unwrap().to_vec();
    let file = PdfFile::new(&pdf);
    let text = file.text();
    assert!(
        text.contains("ANTEPRIMA") && text.contains("CERTIFICATO DI STATO DI FAMIGLIA"),
        "{text}"
    );
    assert!(!text.contains("ID certificato") && !text.contains("PIN:"));
    // As ANPR's model: every member with their codice fiscale.
    assert!(text.contains("Codice fiscale"), "{text}");
    let members: Vec<_> = portal
        .demo()
        .into_iter()
        .filter(|p| {
            p.membership_at(today())
                .is_some_and(|m| m.famiglia == "F000001")
        })
        .collect();
    assert!(members.len() >= 3);
    for m in &members {
        assert!(
            text.contains(&m.codice_fiscale),
            "{} not in {text}",
            m.codice_fiscale
        );
    }
    assert!(file.qr_codes().is_empty(), "no working verification data");
    let sig = file.pdfsig(&portal.seal_root());
    assert!(sig.contains("does not contain any signatures"), "{sig}");
    let (_, mine) = portal
        .get("/api/certificates/mine", Some(&who.cookie))
        .await;
    assert_eq!(
        mine["certificates"].as_array().unwrap().len(),
        0,
        "previews are not archived"
    );

    let mut bollo = request(&me, "stato_famiglia", "uso_privato");
    bollo["bollo"] = json!({"id": "01234567890123", "date": "2026-11-20"});
    let resp = portal
        .post("/api/certificates/preview", &who, &bollo, &[])
        .await;
    assert_eq!(resp.status(), 400);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"],
        "preview_not_allowed"
    );
    portal.stop().await;
}

#[tokio::test]
async fn email_delivery_attaches_the_archived_original() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::start(dir.path()).await;
    let me = head_of_first_family(&portal.demo());
    let who = portal.session(&me, false).await;
    let mut body = request(&me, "stato_famiglia", "assegni_familiari");
    body["delivery"] = json!("email");
    body["email"] = json!("mario.rossi@example.org");
    body["cc"] = json!("ufficio.personale@example.com");
    body["message"] = json!("Gentile ufficio, vi invio il certificato richiesto.");
    let resp = portal.post("/api/certificates", &who, &body, &[]).await;
    assert_eq!(resp.status(), 201);
    let answer: Value = resp.json().await.unwrap();
    let id = answer["id"].as_str().unwrap().to_string();
    assert!(answer["message"]
        .as_str()
        .unwrap()
        .contains("mario.rossi@example.org"));

    let outbox = dir.path().join("outbox");
    let emls: Vec<_> = std::fs::read_dir(&outbox)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .collect();
    assert_eq!(emls.len(), 1);
    let mail: Value = serde_json::from_str(&e2e::run(
        e2e::venv_bin("python"),
        &[&e2e::script("read_eml.py"), emls[0].to_str().unwrap()],
    ))
    .unwrap();
    assert_eq!(mail["to"], "mario.rossi@example.org");
    assert_eq!(mail["cc"], "ufficio.personale@example.com");
    assert!(mail["subject"].as_str().unwrap().contains(&id));
    assert!(mail["text"]
        .as_str()
        .unwrap()
        .contains("Gentile ufficio, vi invio il certificato richiesto."));
    assert!(mail["text"].as_str().unwrap().contains("/verifica"));
    let record = record_of(&portal, &id).await;
    let archived = portal
        .state
        .archive
        .get(&record.archive_key)
        .await
        .unwrap()
        .unwrap();
    // Counted for operations: the certificate by type and bollo, the e-mail.
    let issued = [("Type", "stato_famiglia"), ("Bollo", "esente")];
    assert_eq!(portal.metric("CertificatesIssued", &issued), 1);
    assert_eq!(portal.metric("MailsSent", &[]), 1);
    assert_eq!(portal.metric("MailsFailed", &[]), 0);
    assert_eq!(
        mail["attachments"][0]["sha256"],
        sha(&archived).as_str(),
        "attachment byte-identical to the archived original"
    );
    assert_eq!(mail["attachments"][0]["content_type"], "application/pdf");

    body["email"] = json!("non-un-indirizzo");
    let resp = portal.post("/api/certificates", &who, &body, &[]).await;
    assert_eq!(resp.status(), 400);
    assert!(resp.json::<Value>().await.unwrap()["message"]
        .as_str()
        .unwrap()
        .contains("non valido"));
    portal.stop().await;
}

#[tokio::test]
async fn scope_and_catalogue_follow_the_law_and_the_data() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::start(dir.path()).await;
    let demo = portal.demo();
    let me = head_of_first_family(&demo);
    let who = portal.session(&me, false).await;
    let stranger = demo
        .iter()
        .find(|p| {
            p.membership_at(today())
                .is_some_and(|m| m.famiglia != "F000001")
        })
        .unwrap();

    let (status, body) = portal
        .get(
            &format!(
                "/api/certificates/catalog?person={}",
                stranger.codice_fiscale
            ),
            Some(&who.cookie),
        )
        .await;
    assert_eq!(status, 403, "{body}");
    assert!(body["message"]
        .as_str()
        .unwrap()
        .contains("famiglia anagrafica"));
    let resp = portal
        .post(
            "/api/certificates",
            &who,
            &request(stranger, "residenza", "pensioni"),
            &[],
        )
        .await;
    assert_eq!(resp.status(), 403);

    let (status, cat) = portal
        .get(
            &format!("/api/certificates/catalog?person={}", me.codice_fiscale),
            Some(&who.cookie),
        )
        .await;
    assert_eq!(status, 200);
    let types: Vec<&str> = cat["types"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert!(
        types.contains(&"residenza")
            && types.contains(&"stato_famiglia_parentela")
            && types.contains(&"matrimonio"),
        "{types:?}"
    );
    assert!(
        !types.contains(&"estratto_morte")
            && !types.contains(&"residenza_aire")
            && !types.contains(&"stato_libero"),
        "{types:?}"
    );
    assert!(cat["usi"].as_array().unwrap().len() > 10);

    // A deceased member: death documents only.
    let dead = demo.iter().find(|p| p.date_of_death().is_some()).unwrap();
    let widow = demo
        .iter()
        .find(|p| {
            p.date_of_death().is_none()
                && p.membership_at(today())
                    .is_some_and(|m| m.famiglia == dead.famiglia.last().unwrap().value.famiglia)
        })
        .unwrap();
    let widow_login = portal.session(widow, false).await;
    let (_, cat) = portal
        .get(
            &format!("/api/certificates/catalog?person={}", dead.codice_fiscale),
            Some(&widow_login.cookie),
        )
        .await;
    let types: Vec<&str> = cat["types"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert!(
        types.contains(&"estratto_morte")
            && !types.contains(&"residenza")
            && !types.contains(&"esistenza_in_vita"),
        "{types:?}"
    );
    let (_, pdf) = issue_ok(
        &portal,
        &widow_login,
        &request(dead, "estratto_morte", "uso_privato"),
        &[],
    )
    .await;
    let text = PdfFile::new(&pdf).text();
    assert!(text.contains("Esente da imposta di bollo e da diritti ai sensi dell'art. 7 della Legge 29 dicembre 1990, n. 405"), "stato civile is exempt whatever the uso: {text}");
    assert!(text.contains("deceduto") || text.contains("deceduta"));

    // An AIRE citizen: AIRE residence, not the resident one.
    let aire = demo
        .iter()
        .find(|p| p.posizione_at(today()) == Some(PosizioneAnagrafica::Aire))
        .unwrap();
    let aire_login = portal.session(aire, false).await;
    let (_, cat) = portal
        .get(
            &format!("/api/certificates/catalog?person={}", aire.codice_fiscale),
            Some(&aire_login.cookie),
        )
        .await;
    let types: Vec<&str> = cat["types"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert!(
        types.contains(&"residenza_aire") && !types.contains(&"residenza"),
        "{types:?}"
    );
    let resp = portal
        .post(
            "/api/certificates",
            &aire_login,
            &request(aire, "residenza", "pensioni"),
            &[],
        )
        .await;
    assert_eq!(resp.status(), 400);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"],
        "type_not_available"
    );

    // Contestuale: only the chosen facts.
    let mut body = request(&me, "contestuale", "pensioni");
    body["facts"] = json!(["cittadinanza", "esistenza_in_vita"]);
    let (_, pdf) = issue_ok(&portal, &who, &body, &[]).await;
    let text = PdfFile::new(&pdf).text();
    assert!(
        text.contains("è in vita") && text.contains("cittadino italiano"),
        "{text}"
    );
    assert!(
        !text.contains("è residente"),
        "unchosen fact printed: {text}"
    );

    // Bad input.
    let resp = portal
        .post(
            "/api/certificates",
            &who,
            &json!({"person": me.codice_fiscale, "type": "residenza"}),
            &[],
        )
        .await;
    assert_eq!(resp.status(), 400);
    assert!(resp.json::<Value>().await.unwrap()["message"]
        .as_str()
        .unwrap()
        .contains("campo obbligatorio mancante: uso"));
    let no_csrf = Login {
        cookie: who.cookie.clone(),
        csrf: "x".into(),
    };
    let resp = portal
        .post(
            "/api/certificates",
            &no_csrf,
            &request(&me, "residenza", "pensioni"),
            &[],
        )
        .await;
    assert_eq!(resp.status(), 403);
    portal.stop().await;
}

#[tokio::test]
async fn certificazione_libera_is_for_operators_and_records_the_requester() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::start(dir.path()).await;
    let demo = portal.demo();
    let citizen = head_of_first_family(&demo);
    let subject = demo
        .iter()
        .find(|p| {
            p.posizione_at(today()) == Some(PosizioneAnagrafica::Residente)
                && p.membership_at(today())
                    .is_some_and(|m| m.famiglia != "F000001")
        })
        .unwrap();
    let body = json!({
        "generalita": {"cognome": subject.cognome, "nome": subject.nome, "data_nascita": subject.nascita.data.to_string(), "luogo_nascita": subject.nascita.luogo.describe()},
        "person": "", "type": "residenza", "uso": "processuale",
        "motivo": "Verifica della residenza per un procedimento civile",
        "richiedente": "Avv. Carla Neri",
        "documento": {"tipo": "carta d'identità", "numero": "CA00000AA", "ente": "Comune di Siena"}
    });
    let as_citizen = portal.session(&citizen, false).await;
    let resp = portal
        .post("/api/operator/certificates", &as_citizen, &body, &[])
        .await;
    assert_eq!(resp.status(), 403);
    assert!(resp.json::<Value>().await.unwrap()["message"]
        .as_str()
        .unwrap()
        .contains("operatori"));

    let operator = portal.session(&citizen, true).await;
    let (id, pdf) = {
        let resp = portal
            .post("/api/operator/certificates", &operator, &body, &[])
            .await;
        assert_eq!(resp.status(), 201);
        let id = resp.headers()["x-certificate-id"]
            .to_str()
            .unwrap()
            .to_string();
        (id, resp.bytes().await.unwrap().to_vec())
    };
    let text = PdfFile::new(&pdf).text();
    assert!(
        text.contains(&subject.codice_fiscale) && text.contains("cause giudiziarie"),
        "{text}"
    );
    let record = record_of(&portal, &id).await;
    let libera = record.libera.expect("libera recorded");
    assert_eq!(libera.documento_numero, "CA00000AA");
    assert_eq!(record.person, subject.codice_fiscale);
    let day = audit::records_of_day(&portal.state, portal.clock.now_utc())
        .await
        .unwrap();
    assert!(day
        .iter()
        .any(|r| r.action == AuditAction::CertificateIssueLibera
            && r.subjects == vec![subject.codice_fiscale.clone()]));

    // Each refusal names the field it is about, as its path in the body, for the form.
    for (path, value, field, words) in [
        ("motivo", json!(" "), "motivo", "motivo"),
        (
            "documento",
            json!({"tipo": "passaporto", "numero": "", "ente": "Questura"}),
            "documento.numero",
            "numero del documento",
        ),
        ("uso", json!("pensionistico"), "uso", "Uso sconosciuto"),
        (
            "type",
            json!("inesistente"),
            "type",
            "Tipo di certificato sconosciuto",
        ),
    ] {
        let mut wrong = body.clone();
        wrong[path] = value;
        let resp = portal
            .post("/api/operator/certificates", &operator, &wrong, &[])
            .await;
        assert_eq!(resp.status(), 400, "{path}");
        let answer: Value = resp.json().await.unwrap();
        assert_eq!(answer["field"], field, "{answer}");
        assert!(
            answer["message"].as_str().unwrap().contains(words),
            "{answer}"
        );
    }
    // Without a person, the operator's catalogue is the whole one (every type and uso).
    let (status, whole) = portal
        .get("/api/operator/catalog", Some(&operator.cookie))
        .await;
    assert_eq!(status, 200);
    let catalog = &portal.state.catalog;
    assert_eq!(
        whole["types"].as_array().unwrap().len(),
        catalog.types.len()
    );
    assert_eq!(whole["usi"].as_array().unwrap().len(), catalog.usi.len());
    let (status, _) = portal
        .get("/api/operator/catalog", Some(&as_citizen.cookie))
        .await;
    assert_eq!(status, 403);
    portal.stop().await;
}
