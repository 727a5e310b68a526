//! Online applications over HTTP against the local portal: a residence declaration from
//! draft to the registry change, the sealed receipt checked by pyHanko and pdfsig, the
//! office's desk (take-in-charge race, integration loop), and the refusals: every field,
//! attachments by content and size, another citizen's application, a citizen at the desk.

use e2e::{Login, PdfFile, Portal};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

async fn send(
    portal: &Portal,
    method: reqwest::Method,
    path: &str,
    who: &Login,
    body: Option<Value>,
) -> (u16, Value) {
    portal.call(method, path, who, body).await
}

/// POSTs `body` and checks the status; the answer.
async fn post_expect(portal: &Portal, path: &str, who: &Login, body: Value, status: u16) -> Value {
    let (got, answer) = send(portal, reqwest::Method::POST, path, who, Some(body)).await;
    assert_eq!(got, status, "{path}: {answer}");
    answer
}

async fn upload(
    portal: &Portal,
    who: &Login,
    id: &str,
    field: &str,
    name: &str,
    bytes: &[u8],
) -> (u16, Value) {
    let resp = reqwest::Client::new()
        .post(format!(
            "{}/api/istanze/{id}/allegati?field={field}&name={name}",
            portal.base
        ))
        .header("Cookie", &who.cookie)
        .header("X-CSRF-Token", &who.csrf)
        .header("Content-Type", "application/octet-stream")
        .body(bytes.to_vec())
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn bytes(portal: &Portal, who: &Login, path: &str) -> (u16, Vec<u8>) {
    let resp = reqwest::Client::new()
        .get(format!("{}{path}", portal.base))
        .header("Cookie", &who.cookie)
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.bytes().await.unwrap().to_vec())
}

fn sha(b: &[u8]) -> String {
    hex::encode(Sha256::digest(b))
}

/// A residence draft with every answer right and the identity document attached.
async fn complete_residence(portal: &Portal, who: &Login) -> (String, Value) {
    let (status, draft) = send(
        portal,
        reqwest::Method::POST,
        "/api/istanze",
        who,
        Some(json!({"service": "cambio_residenza"})),
    )
    .await;
    assert_eq!(status, 201, "{draft}");
    let id = draft["id"].as_str().unwrap().to_string();
    let (status, file) = upload(portal, who, &id, "documento", "carta-identita.pdf", PDF).await;
    assert_eq!(status, 201, "{file}");
    let mut data = draft["data"].clone();
    for (k, v) in [
        (
            "indirizzo",
            json!({"via": "Via delle Rose", "civico": "7", "interno": "2", "cap": "53100"}),
        ),
        ("data", json!("2026-11-20")),
        ("titolo", json!("locazione")),
        (
            "contratto",
            json!("Agenzia Entrate Siena, 10/11/2026, n. 1234 serie 3T"),
        ),
        ("email", json!("cittadino@example.it")),
        ("consapevole", json!(true)),
    ] {
        data[k] = v;
    }
    let (status, saved) = send(
        portal,
        reqwest::Method::PUT,
        &format!("/api/istanze/{id}"),
        who,
        Some(json!({"data": data})),
    )
    .await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved["problems"], json!([]), "{saved}");
    (id, file["attachment"].clone())
}

#[tokio::test]
async fn a_residence_declaration_goes_from_draft_to_the_registry() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::start(dir.path()).await;
    let me = portal.citizen();
    let who = portal.session(&me, false).await;
    let (id, file) = complete_residence(&portal, &who).await;

    // Prefilled from the registry and marked so; a draft, labelled as not sent.
    let (_, draft) = portal
        .get(&format!("/api/istanze/{id}"), Some(&who.cookie))
        .await;
    assert_eq!(
        draft["data"]["richiedente"],
        json!(format!("{} {}", me.nome, me.cognome))
    );
    assert_eq!(draft["data"]["membri"], json!([me.codice_fiscale]));
    assert!(draft["from_registry"]
        .as_array()
        .unwrap()
        .contains(&json!("richiedente")));
    assert_eq!(draft["state_label"], "Bozza — non inviata");

    let (status, sent) = send(
        &portal,
        reqwest::Method::POST,
        &format!("/api/istanze/{id}/invia"),
        &who,
        None,
    )
    .await;
    assert_eq!(status, 200, "{sent}");
    assert_eq!(sent["state"], "protocollata");
    let protocollo = sent["protocollo"].as_str().unwrap().to_string();
    assert_eq!(protocollo, "2026/0000001");
    // Monday 23 November 2026 + 2 working days.
    assert_eq!(sent["due_date"], "2026-11-25");
    let doc = sent["documents"][0]["id"].as_str().unwrap();
    let (status, pdf) = bytes(&portal, &who, &format!("/api/istanze/{id}/documenti/{doc}")).await;
    assert_eq!(status, 200);
    let receipt = PdfFile::new(&pdf);
    let text = receipt.text();
    for needed in [
        protocollo.as_str(),
        "25/11/2026",
        &sha(PDF),
        file["sha256"].as_str().unwrap(),
        "Via delle Rose 7, interno 2",
        "Ufficio Anagrafe",
    ] {
        assert!(
            text.contains(needed),
            "{needed} not in the receipt:\n{text}"
        );
    }
    let hanko = receipt.pyhanko(&portal.seal_root());
    assert!(
        hanko
            .lines()
            .any(|l| l.ends_with(":INTACT:TRUSTED,TIMESTAMP_TOKEN<INTACT:TRUSTED>,UNTOUCHED")),
        "{hanko}"
    );
    let pdfsig = receipt.pdfsig(&portal.seal_root());
    assert!(
        pdfsig.contains("Signature is Valid.")
            && pdfsig.contains("Total document signed")
            && pdfsig.contains("Certificate is Trusted."),
        "{pdfsig}"
    );
    // The receipt e-mailed: the service and the state in the subject, no personal data
    // there; the link back to the application; the very PDF attached.
    let mail = receipt_mail(&portal);
    let subject = mail["subject"].as_str().unwrap();
    assert!(
        subject.contains("Dichiarazione di residenza o cambio di abitazione")
            && subject.contains("protocollata"),
        "{subject}"
    );
    assert!(
        !subject.contains(&me.codice_fiscale) && !subject.contains(&me.cognome),
        "{subject}"
    );
    assert_eq!(mail["to"], "cittadino@example.it");
    assert!(
        mail["text"]
            .as_str()
            .unwrap()
            .contains(&format!("/pratica.html?id={id}")),
        "{mail}"
    );
    assert_eq!(
        mail["attachments"][0]["sha256"].as_str(),
        Some(sha(&pdf).as_str())
    );
    // The sample receipt of the README (`RECEIPT_SAMPLE=<path>`).
    if let Some(path) = std::env::var_os("RECEIPT_SAMPLE") {
        std::fs::write(path, &pdf).unwrap();
    }
    desk_works_it(&portal, &who, &id).await;
}

/// The one e-mail in the local outbox, read by Python's e-mail parser.
fn receipt_mail(portal: &Portal) -> Value {
    let outbox = portal.state.config.data_dir.join("outbox");
    let emls: Vec<_> = std::fs::read_dir(&outbox)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .collect();
    assert_eq!(emls.len(), 1, "{emls:?}");
    let summary = e2e::run(
        e2e::venv_bin("python"),
        &[&e2e::script("read_eml.py"), emls[0].to_str().unwrap()],
    );
    serde_json::from_str(&summary).unwrap()
}

async fn desk_works_it(portal: &Portal, who: &Login, id: &str) {
    let demo = portal.demo();
    let op1 = portal.session(&demo[10], true).await;
    let op2 = portal.session(&demo[11], true).await;
    let (status, queue) = portal
        .get("/api/operatore/istanze", Some(&op1.cookie))
        .await;
    assert_eq!(status, 200);
    assert_eq!(queue["applications"][0]["id"], json!(id));
    let take = format!("/api/operatore/istanze/{id}/prendi");
    let (a, b) = tokio::join!(
        send(portal, reqwest::Method::POST, &take, &op1, None),
        send(portal, reqwest::Method::POST, &take, &op2, None)
    );
    let mut statuses = [a.0, b.0];
    statuses.sort();
    assert_eq!(statuses, [200, 409], "{a:?} {b:?}");
    let winner = if a.0 == 200 { &op1 } else { &op2 };
    let acts = format!("/api/operatore/istanze/{id}/azioni");
    let refused = post_expect(
        portal,
        &acts,
        winner,
        json!({"action": "request_integration"}),
        400,
    )
    .await;
    assert_eq!(refused["field"], "reason", "{refused}");
    let ask =
        json!({"action": "request_integration", "reason": "Allegare il contratto di locazione."});
    let asked = post_expect(portal, &acts, winner, ask, 200).await;
    assert_eq!(asked["state"], "integrazione_richiesta");
    let answer = format!("/api/istanze/{id}/risposta");
    let answered = post_expect(
        portal,
        &answer,
        who,
        json!({"text": "Contratto allegato."}),
        200,
    )
    .await;
    assert_eq!(answered["state"], "integrazione_inviata");
    let note = format!("/api/operatore/istanze/{id}/note");
    let noted = post_expect(
        portal,
        &note,
        winner,
        json!({"text": "Contratto verificato."}),
        200,
    )
    .await;
    assert_eq!(noted["notes"][0]["text"], "Contratto verificato.");
    assert_eq!(
        noted["assignee"]["codice_fiscale"],
        noted["notes"][0]["by"]["codice_fiscale"]
    );
    let accepted = post_expect(
        portal,
        &acts,
        winner,
        json!({"action": "accept_with_reserve"}),
        200,
    )
    .await;
    assert_eq!(accepted["state"], "accolta_con_riserva");
    // The local registry applies the change: the household page shows the new address.
    let mut address = Value::Null;
    for _ in 0..50 {
        let (_, h) = portal.get("/api/household", Some(&who.cookie)).await;
        address = h["indirizzo"].clone();
        if address["via"] == "Via delle Rose" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert_eq!(
        (address["via"].as_str(), address["civico"].as_str()),
        (Some("Via delle Rose"), Some("7")),
        "{address}"
    );
    let (_, mine) = portal
        .get(&format!("/api/istanze/{id}"), Some(&who.cookie))
        .await;
    let states: Vec<&str> = mine["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["state"].as_str().unwrap())
        .collect();
    assert_eq!(
        states,
        [
            "inviata",
            "protocollata",
            "presa_in_carico",
            "integrazione_richiesta",
            "integrazione_inviata",
            "accolta_con_riserva"
        ]
    );
    assert!(
        mine.get("notes").is_none(),
        "internal notes never reach the citizen"
    );
    assert_eq!(
        mine["documents"].as_array().unwrap().len(),
        3,
        "receipt, integration request, registration"
    );
}

#[tokio::test]
async fn every_wrong_field_gets_its_own_message_and_files_are_checked_by_content_and_size() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::start(dir.path()).await;
    let who = portal.session(&portal.citizen(), false).await;
    let (_, draft) = send(
        &portal,
        reqwest::Method::POST,
        "/api/istanze",
        &who,
        Some(json!({"service": "cambio_residenza"})),
    )
    .await;
    let id = draft["id"].as_str().unwrap();
    let wrong = json!({"data": {
        "richiedente": "x".repeat(600), "membri": ["RSSMRA80A01H501U"],
        "indirizzo": {"via": "Via Roma", "civico": "dodici", "cap": "531"}, "data": "2030-01-01",
        "titolo": "abusivo", "email": "non-una-mail", "telefono": "chiamami", "consapevole": "sì"}});
    let (status, saved) = send(
        &portal,
        reqwest::Method::PUT,
        &format!("/api/istanze/{id}"),
        &who,
        Some(wrong),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(saved["problems"].as_array().unwrap().len(), 8, "{saved}");
    let (status, refused) = send(
        &portal,
        reqwest::Method::POST,
        &format!("/api/istanze/{id}/invia"),
        &who,
        None,
    )
    .await;
    assert_eq!(
        (status, refused["error"].as_str()),
        (400, Some("invalid_form")),
        "{refused}"
    );
    let errors = refused["errors"].as_array().unwrap();
    let fields: Vec<&str> = errors
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "richiedente",
            "membri",
            "indirizzo",
            "data",
            "titolo",
            "documento",
            "email",
            "telefono",
            "consapevole"
        ]
    );
    let mut messages: Vec<&str> = errors
        .iter()
        .map(|e| e["message"].as_str().unwrap())
        .collect();
    messages.sort();
    messages.dedup();
    assert_eq!(
        messages.len(),
        fields.len(),
        "one message per field: {errors:#?}"
    );

    let (status, r) = upload(&portal, &who, id, "documento", "documento.pdf", PNG).await;
    assert_eq!(
        (status, r["field"].as_str()),
        (400, Some("documento")),
        "{r}"
    );
    assert!(
        r["message"]
            .as_str()
            .unwrap()
            .contains("non corrisponde alla sua estensione"),
        "{r}"
    );
    let (status, r) = upload(&portal, &who, id, "documento", "programma.exe", b"MZ\x90\0").await;
    assert_eq!(status, 400, "{r}");
    let big = [PDF, &vec![b' '; 4 * 1024 * 1024]].concat();
    let (status, r) = upload(&portal, &who, id, "documento", "grande.pdf", &big).await;
    assert_eq!(
        (status, r["field"].as_str()),
        (413, Some("documento")),
        "{r}"
    );
    assert!(r["message"].as_str().unwrap().contains("4 MB"), "{r}");
}

#[tokio::test]
async fn applications_are_their_applicants_and_the_desk_is_the_operators() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::start(dir.path()).await;
    let demo = portal.demo();
    let who = portal.session(&portal.citizen(), false).await;
    let (id, file) = complete_residence(&portal, &who).await;
    let other = portal.session(&demo[20], false).await;
    for path in [
        format!("/api/istanze/{id}"),
        format!(
            "/api/istanze/{id}/allegati/{}",
            file["id"].as_str().unwrap()
        ),
    ] {
        let (status, body) = portal.get(&path, Some(&other.cookie)).await;
        assert_eq!(status, 404, "{path}: {body}");
    }
    let (status, _) = send(
        &portal,
        reqwest::Method::POST,
        &format!("/api/istanze/{id}/invia"),
        &other,
        None,
    )
    .await;
    assert_eq!(status, 404);
    let (status, body) = portal
        .get("/api/operatore/istanze", Some(&who.cookie))
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (403, Some("forbidden")),
        "{body}"
    );
    // A draft never reaches the desk; withdrawal only until the office takes it.
    let op = portal.session(&demo[10], true).await;
    let (_, queue) = portal.get("/api/operatore/istanze", Some(&op.cookie)).await;
    assert_eq!(queue["applications"], json!([]));
    send(
        &portal,
        reqwest::Method::POST,
        &format!("/api/istanze/{id}/invia"),
        &who,
        None,
    )
    .await;
    // An operator never works their own application.
    let me_at_desk = portal.session(&portal.citizen(), true).await;
    let take = format!("/api/operatore/istanze/{id}/prendi");
    let own = post_expect(&portal, &take, &me_at_desk, json!({}), 403).await;
    assert!(
        own["message"]
            .as_str()
            .unwrap()
            .contains("affidala a un collega"),
        "{own}"
    );
    post_expect(&portal, &take, &op, json!({}), 200).await;
    let (status, r) = send(
        &portal,
        reqwest::Method::POST,
        &format!("/api/istanze/{id}/ritira"),
        &who,
        Some(json!({})),
    )
    .await;
    assert_eq!(
        (status, r["error"].as_str()),
        (409, Some("not_allowed_now")),
        "{r}"
    );
}
