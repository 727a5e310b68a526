//! "Paga il bollo online": a certificate in bollo built and sealed first, bound by its SHA-256
//! to a € 16 marca da bollo digitale paid through the local pagoPA stand-in, released only
//! once the receipt names the very PDF; cancelled, failed and never-returned payments;
//! return and reconciliation racing; diritti di segreteria.

use base64::Engine;
use e2e::{Login, PdfFile, Portal};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use shared::domain::payments::read_stamp;
use shared::ports::PositionState;
use shared::services::certificates;

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The demo household's head and a session of theirs.
async fn citizen(portal: &Portal) -> (shared::domain::person::Persona, Login) {
    let me = e2e::members_of(&portal.demo(), "F000001").remove(0);
    let who = portal.session(&me, false).await;
    (me, who)
}

/// Asks for a residence certificate for private use with the bollo paid online: 202 with the
/// payment's view.
async fn request(portal: &Portal, who: &Login, cf: &str, key: &str) -> Value {
    let body = json!({"person": cf, "type": "residenza", "uso": "uso_privato", "bollo": {"online": true}, "delivery": "download"});
    let resp = portal
        .post("/api/certificates", who, &body, &[("Idempotency-Key", key)])
        .await;
    let status = resp.status();
    let view: Value = resp.json().await.unwrap();
    assert_eq!(status, 202, "{view}");
    view
}

/// The stand-in's checkout: the citizen picks `psp` and presses `azione`; where they are
/// sent back.
async fn checkout(view: &Value, psp: &str, azione: &str) -> String {
    let url = view["checkout_url"].as_str().expect("a checkout address");
    e2e::checkout(url, psp, azione).await
}

async fn get(portal: &Portal, who: &Login, path: &str) -> (u16, Vec<u8>) {
    let resp = client()
        .get(format!("{}{path}", portal.base))
        .header("Cookie", &who.cookie)
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.bytes().await.unwrap().to_vec())
}

async fn payment(portal: &Portal, who: &Login, id: &str) -> Value {
    let (status, body) = get(portal, who, &format!("/api/certificates/{id}/payment")).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    serde_json::from_slice(&body).unwrap()
}

const NOT_FOUND: &str = "Nessun certificato corrisponde ai dati inseriti";

/// The manual verification of `id` with the names of whom it concerns: the page of a 404.
async fn verify_form(portal: &Portal, id: &str, p: &shared::domain::person::Persona) -> String {
    let resp = client()
        .post(format!("{}/verifica", portal.base))
        .form(&[("codice", id), ("cognome", &p.cognome), ("nome", &p.nome)])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    resp.text().await.unwrap()
}

/// pagoPA's status of the certificate's position (its iupd: the creditor and the ID).
async fn position(portal: &Portal, id: &str) -> shared::ports::PositionStatus {
    let iupd = format!("{}-{id}", portal.state.config.creditor.fiscal_code);
    portal.state.payments.status(&iupd).await.unwrap().unwrap()
}

/// The entries of "I miei certificati" for the certificate `id`.
async fn mine(portal: &Portal, who: &Login, id: &str) -> Vec<Value> {
    let (_, list) = portal
        .get("/api/certificates/mine", Some(&who.cookie))
        .await;
    let all = list["certificates"].as_array().unwrap().clone();
    all.into_iter().filter(|c| c["id"] == id).collect()
}

#[tokio::test]
async fn a_certificate_paid_online_is_released_with_the_marca_naming_its_pdf() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::start(dir.path()).await;
    let (me, who) = citizen(&portal).await;
    let view = request(&portal, &who, &me.codice_fiscale, "k-paga").await;
    let id = view["id"].as_str().unwrap().to_string();
    assert_eq!(view["state"], "awaiting", "{view}");
    assert_eq!(view["amount"], "€ 16,00");
    let nav = view["notice"].as_str().unwrap().to_string();
    assert!(shared::domain::payments::is_valid(&nav), "{nav}");

    // Unpaid: not served, not verifiable, not among the certificates.
    let (status, _) = get(&portal, &who, &format!("/api/certificates/{id}/pdf")).await;
    assert_eq!(status, 404);
    assert!(verify_form(&portal, &id, &me).await.contains(NOT_FOUND));
    assert!(certificates::record(&portal.state, &id)
        .await
        .unwrap()
        .is_none());
    // The same request again: the same payment, not a second one.
    let again = request(&portal, &who, &me.codice_fiscale, "k-paga").await;
    assert_eq!(
        (&again["id"], &again["notice"]),
        (&view["id"], &view["notice"])
    );

    let back = checkout(&view, "banca", "paga").await;
    assert!(
        back.ends_with(&format!("/pagamento.html?certificato={id}&esito=ok")),
        "{back}"
    );
    let done = payment(&portal, &who, &id).await;
    assert_eq!(done["state"], "released", "{done}");
    assert!(done["message"].as_str().unwrap().contains("rilasciato"));

    let (status, pdf) = get(&portal, &who, &format!("/api/certificates/{id}/pdf")).await;
    assert_eq!(status, 200);
    let file = PdfFile::new(&pdf);
    let text = file.text().split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        text.contains("assolta mediante marca da bollo digitale"),
        "{text}"
    );
    assert!(
        text.contains(&format!("avviso di pagamento n. {nav}, associata")),
        "{text}"
    );
    let pyhanko = file.pyhanko(&portal.seal_root());
    assert!(pyhanko.contains("INTACT:TRUSTED"), "{pyhanko}");

    // The @e.bollo receipt: valid against the XSD, naming the released PDF.
    let status = position(&portal, &id).await;
    assert_eq!(status.state, PositionState::Paid);
    assert_eq!(status.receipts.len(), 1);
    let xml = status.receipts[0].stamp_xml.clone().unwrap();
    let pdf_hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(&pdf));
    let stamp = read_stamp(&xml).unwrap();
    assert_eq!(stamp.document_sha256_b64, pdf_hash);
    e2e::assert_valid_marca(dir.path(), &xml);

    // The record and the verification page show the receipt and that it matches.
    let record = certificates::record(&portal.state, &id)
        .await
        .unwrap()
        .unwrap();
    let digital = record
        .digital_bollo
        .clone()
        .expect("the marca on the record");
    assert_eq!(digital.iubd, stamp.iubd);
    let link = file
        .qr_codes()
        .remove(0)
        .replace("http://127.0.0.1:8080", &portal.base);
    let html = client()
        .get(&link)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Certificato valido"), "{html}");
    assert!(html.contains(&format!("IUBD {}", stamp.iubd)), "{html}");
    assert!(html.contains("Banca di Prova S.p.A."), "{html}");
    assert!(
        html.contains("corrisponde a quella dell&#39;originale")
            || html.contains("corrisponde a quella dell'originale"),
        "{html}"
    );

    // I miei certificati: released, in bollo, nothing pending.
    let entry = mine(&portal, &who, &id).await.remove(0);
    assert_eq!(entry["bollo"], true, "{entry}");
    assert!(entry.get("payment").is_none(), "{entry}");
    portal.stop().await;
}

#[tokio::test]
async fn a_cancelled_or_failed_payment_releases_nothing_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::start(dir.path()).await;
    let (me, who) = citizen(&portal).await;
    let view = request(&portal, &who, &me.codice_fiscale, "k-annulla").await;
    let id = view["id"].as_str().unwrap().to_string();

    // A PSP error first: nothing charged, the payment still open.
    let back = checkout(&view, "errore", "paga").await;
    assert!(back.ends_with("esito=errore"), "{back}");
    assert_eq!(payment(&portal, &who, &id).await["state"], "awaiting");
    // The return address reached without paying: still waiting, nothing released.
    assert_eq!(payment(&portal, &who, &id).await["state"], "awaiting");
    assert!(certificates::record(&portal.state, &id)
        .await
        .unwrap()
        .is_none());

    // A new checkout, and "Annulla".
    let resp = portal
        .post(
            &format!("/api/certificates/{id}/payment"),
            &who,
            &json!({}),
            &[],
        )
        .await;
    let retry: Value = resp.json().await.unwrap();
    let back = checkout(&retry, "banca", "annulla").await;
    assert!(back.ends_with("esito=annullato"), "{back}");
    let resp = portal
        .post(
            &format!("/api/certificates/{id}/payment/cancel"),
            &who,
            &json!({}),
            &[],
        )
        .await;
    let cancelled: Value = resp.json().await.unwrap();
    assert_eq!(cancelled["state"], "cancelled", "{cancelled}");
    assert!(cancelled["message"]
        .as_str()
        .unwrap()
        .starts_with("Pagamento annullato"));

    // Nothing is served or verifiable; a late payment on the old cart is refused.
    let (status, _) = get(&portal, &who, &format!("/api/certificates/{id}/pdf")).await;
    assert_eq!(status, 404);
    assert!(verify_form(&portal, &id, &me).await.contains(NOT_FOUND));
    let back = checkout(&retry, "banca", "paga").await;
    assert!(back.ends_with("esito=errore"), "{back}");
    let status = position(&portal, &id).await;
    assert_eq!(status.state, PositionState::Invalid);
    assert!(status.receipts.is_empty(), "nothing was charged");
    assert_eq!(payment(&portal, &who, &id).await["state"], "cancelled");
    let (status, _) = get(
        &portal,
        &who,
        &format!("/api/certificates/{id}/payment/avviso"),
    )
    .await;
    assert_eq!(status, 404, "no notice for a closed payment");
    // I miei certificati says why.
    let entry = mine(&portal, &who, &id).await.remove(0);
    assert_eq!(entry["payment"], "cancelled", "{entry}");
    assert!(entry["payment_message"]
        .as_str()
        .unwrap()
        .contains("non è stato rilasciato"));
    // Another citizen sees nothing of it.
    let other = e2e::members_of(&portal.demo(), "F000002").remove(0);
    let them = portal.session(&other, false).await;
    let (status, _) = get(&portal, &them, &format!("/api/certificates/{id}/payment")).await;
    assert_eq!(status, 404);
    portal.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn reconciliation_releases_for_who_never_returns_and_racing_releases_make_one() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::start(dir.path()).await;
    let (me, who) = citizen(&portal).await;

    // Paid, and the browser closed before the return: reconciliation releases it.
    let view = request(&portal, &who, &me.codice_fiscale, "k-chiuso").await;
    let id = view["id"].as_str().unwrap().to_string();
    checkout(&view, "poste", "paga").await;
    shared::services::payments::reconcile(&portal.state)
        .await
        .unwrap();
    let record = certificates::record(&portal.state, &id).await.unwrap();
    assert!(record.is_some_and(|r| r.digital_bollo.is_some_and(|d| d.psp == "Poste di Prova")));
    let again = shared::services::payments::reconcile(&portal.state)
        .await
        .unwrap();
    assert_eq!(again.released, 0, "idempotent: {again:?}");

    // Paid, then the return and reconciliation at once, many times over.
    let view = request(&portal, &who, &me.codice_fiscale, "k-gara").await;
    let id = view["id"].as_str().unwrap().to_string();
    checkout(&view, "banca", "paga").await;
    let state = &portal.state;
    let (a, x, b, y, c, z) = tokio::join!(
        payment(&portal, &who, &id),
        shared::services::payments::reconcile(state),
        payment(&portal, &who, &id),
        shared::services::payments::reconcile(state),
        payment(&portal, &who, &id),
        shared::services::payments::reconcile(state),
    );
    for v in [a, b, c] {
        assert_eq!(v["state"], "released", "{v}");
    }
    assert!(x.is_ok() && y.is_ok() && z.is_ok());
    let status = position(&portal, &id).await;
    assert_eq!(status.receipts.len(), 1, "one receipt");
    let entries = mine(&portal, &who, &id).await.len();
    assert_eq!(entries, 1, "one entry in I miei certificati");
    let record = certificates::record(&portal.state, &id)
        .await
        .unwrap()
        .unwrap();
    let (status, pdf) = get(&portal, &who, &format!("/api/certificates/{id}/pdf")).await;
    assert_eq!(status, 200);
    assert_eq!(
        hex::encode(Sha256::digest(&pdf)),
        record.sha256,
        "one record, its original"
    );
    portal.stop().await;
}

#[tokio::test]
async fn an_unpaid_certificate_expires_with_its_payment() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::start(dir.path()).await;
    let (me, who) = citizen(&portal).await;
    let view = request(&portal, &who, &me.codice_fiscale, "k-scade").await;
    let id = view["id"].as_str().unwrap().to_string();
    let (status, notice) = get(
        &portal,
        &who,
        &format!("/api/certificates/{id}/payment/avviso"),
    )
    .await;
    assert_eq!(status, 200);
    let qr = PdfFile::new(&notice).qr_codes();
    let cf = &portal.state.config.creditor.fiscal_code;
    assert_eq!(
        qr,
        vec![format!(
            "PAGOPA|002|{}|{cf}|1600",
            view["notice"].as_str().unwrap()
        )]
    );

    portal
        .clock
        .advance(chrono::Duration::hours(certificates::PAYMENT_HOURS + 1));
    shared::services::payments::reconcile(&portal.state)
        .await
        .unwrap();
    let who = portal.session(&me, false).await;
    let closed = payment(&portal, &who, &id).await;
    assert_eq!(closed["state"], "expired", "{closed}");
    assert!(closed["message"]
        .as_str()
        .unwrap()
        .contains("entro la scadenza"));
    let status = position(&portal, &id).await;
    assert!(
        matches!(
            status.state,
            PositionState::Invalid | PositionState::Expired
        ),
        "no longer payable on pagoPA: {:?}",
        status.state
    );
    assert!(status.receipts.is_empty());
    assert!(certificates::record(&portal.state, &id)
        .await
        .unwrap()
        .is_none());
    portal.stop().await;
}

/// Diritti di segreteria configured for the residence certificate: an exempt one pays the
/// carta libera amount alone, one with a paper marca pays the bollo amount; a cancelled
/// payment frees the marca for a new request; at the counter nothing is charged online.
#[tokio::test]
async fn diritti_are_paid_before_release_and_a_cancelled_payment_frees_the_marca() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::start_with(dir.path(), |mut s| {
        let mut catalog = (*s.catalog).clone();
        let kind = catalog
            .types
            .iter_mut()
            .find(|t| t.id == "residenza")
            .unwrap();
        kind.diritti.carta_libera_cents = 26;
        kind.diritti.bollo_cents = 52;
        s.catalog = std::sync::Arc::new(catalog);
        s
    })
    .await;
    let (me, who) = citizen(&portal).await;

    // Exempt uso: € 0,26 to the comune's account, no marca.
    let body =
        json!({"person": me.codice_fiscale, "type": "residenza", "uso": "pensioni", "bollo": null});
    let resp = portal.post("/api/certificates", &who, &body, &[]).await;
    assert_eq!(resp.status(), 202);
    let view: Value = resp.json().await.unwrap();
    assert_eq!(view["amount"], "€ 0,26", "{view}");
    assert_eq!(view["lines"].as_array().unwrap().len(), 1);
    assert!(view["lines"][0]["description"]
        .as_str()
        .unwrap()
        .starts_with("Diritti di segreteria"));
    let id = view["id"].as_str().unwrap().to_string();
    checkout(&view, "banca", "paga").await;
    assert_eq!(payment(&portal, &who, &id).await["state"], "released");
    let record = certificates::record(&portal.state, &id)
        .await
        .unwrap()
        .unwrap();
    assert!(record.digital_bollo.is_none() && record.bollo.is_none());
    let (_, pdf) = get(&portal, &who, &format!("/api/certificates/{id}/pdf")).await;
    let text = PdfFile::new(&pdf).text();
    assert!(!text.contains("@e.bollo"), "{text}");

    // A paper marca and the diritti in bollo (€ 0,52), cancelled: the marca serves again.
    let marca = json!({"person": me.codice_fiscale, "type": "residenza", "uso": "uso_privato", "bollo": {"id": "01234567890123", "date": e2e::today().to_string()}});
    let resp = portal.post("/api/certificates", &who, &marca, &[]).await;
    let first: Value = resp.json().await.unwrap();
    assert_eq!(first["amount"], "€ 0,52", "{first}");
    let first_id = first["id"].as_str().unwrap().to_string();
    checkout(&first, "banca", "annulla").await;
    let resp = portal
        .post(
            &format!("/api/certificates/{first_id}/payment/cancel"),
            &who,
            &json!({}),
            &[],
        )
        .await;
    assert_eq!(resp.json::<Value>().await.unwrap()["state"], "cancelled");
    let resp = portal.post("/api/certificates", &who, &marca, &[]).await;
    assert_eq!(resp.status(), 202, "the marca was not used");
    let second: Value = resp.json().await.unwrap();
    assert_ne!(second["id"], first["id"]);
    checkout(&second, "banca", "paga").await;
    let second_id = second["id"].as_str().unwrap().to_string();
    assert_eq!(
        payment(&portal, &who, &second_id).await["state"],
        "released"
    );
    let record = certificates::record(&portal.state, &second_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.bollo.map(|b| b.id), Some("01234567890123".into()));
    // Now the marca is spent.
    let resp = portal.post("/api/certificates", &who, &json!({"person": me.codice_fiscale, "type": "residenza", "uso": "estero", "bollo": {"id": "01234567890123", "date": e2e::today().to_string()}}), &[]).await;
    assert_eq!(resp.status(), 409);
    portal.stop().await;
}
