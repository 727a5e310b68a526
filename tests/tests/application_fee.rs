//! Application fees through pagoPA: an application with a fee (the historical certificate's
//! research rights) waits for its payment, unseen by the office; once paid through the local
//! stand-in it is presented — protocol, receipt stating the payment, legal term from then —;
//! cancelled, expired and failed payments make it a draft again or leave it payable; the
//! browser that never returns, and the return racing reconciliation, present it once.

use e2e::{Login, PdfFile, Portal};
use serde_json::{json, Value};
use shared::ports::PositionState;
use shared::services::applications::fee;
use shared::services::payments::reconcile;

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn call(
    portal: &Portal,
    method: reqwest::Method,
    path: &str,
    who: &Login,
    body: Option<Value>,
) -> (u16, Value) {
    portal.call(method, path, who, body).await
}

async fn get(portal: &Portal, who: &Login, path: &str) -> (u16, Value) {
    portal.call(reqwest::Method::GET, path, who, None).await
}

async fn post(portal: &Portal, who: &Login, path: &str) -> (u16, Value) {
    portal.call(reqwest::Method::POST, path, who, None).await
}

/// The timeline's labels of an application as the citizen reads it.
fn labels(a: &Value) -> Vec<String> {
    a["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["state_label"].as_str().unwrap().to_string())
        .collect()
}

/// A complete draft of the historical certificate's research, which asks € 10,00.
async fn draft(portal: &Portal, who: &Login) -> String {
    let (status, d) = call(
        portal,
        reqwest::Method::POST,
        "/api/istanze",
        who,
        Some(json!({"service": "certificato_storico"})),
    )
    .await;
    assert_eq!(status, 201, "{d}");
    let id = d["id"].as_str().unwrap().to_string();
    let mut data = d["data"].clone();
    data["tipo"] = json!("residenza_storica");
    data["uso"] = json!("successione");
    data["email"] = json!("erede@example.it");
    let path = format!("/api/istanze/{id}");
    let body = Some(json!({ "data": data }));
    let (status, saved) = call(portal, reqwest::Method::PUT, &path, who, body).await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved["problems"], json!([]), "{saved}");
    id
}

/// Sends the draft: it waits for its payment, with a checkout to go to.
async fn send(portal: &Portal, who: &Login, id: &str) -> Value {
    let (status, sent) = post(portal, who, &format!("/api/istanze/{id}/invia")).await;
    assert_eq!(status, 200, "{sent}");
    assert_eq!(sent["state"], "attesa_pagamento", "{sent}");
    assert!(sent["checkout_url"].is_string(), "{sent}");
    sent
}

use e2e::checkout;

/// pagoPA's status of a sending's position.
async fn position(portal: &Portal, id: &str, sending: usize) -> shared::ports::PositionStatus {
    let iupd = format!(
        "{}-{id}-{sending}",
        portal.state.config.creditor.fiscal_code
    );
    portal.state.payments.status(&iupd).await.unwrap().unwrap()
}

/// The office's queue as an operator reads it: the ids.
async fn queue(portal: &Portal, op: &Login) -> Vec<String> {
    let (status, q) = get(portal, op, "/api/operatore/istanze").await;
    assert_eq!(status, 200, "{q}");
    q["applications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn an_application_with_a_fee_is_presented_once_paid_with_the_payment_on_its_receipt() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::start(dir.path()).await;
    let me = portal.citizen();
    let who = portal.session(&me, false).await;
    let op = portal.session(&portal.demo()[10], true).await;
    let id = draft(&portal, &who).await;
    let sent = send(&portal, &who, &id).await;

    // Waiting: no protocol, no term, not in the office's queue, not readable at the desk.
    assert!(
        sent["protocollo"].is_null() && sent["due_date"].is_null(),
        "{sent}"
    );
    assert_eq!(sent["fee"]["status"], "in_attesa");
    assert_eq!(sent["fee"]["amount"], "€ 10,00");
    assert_eq!(sent["actions"], json!(["pay"]));
    let payment = &sent["fee"]["payment"];
    assert_eq!(payment["state"], "awaiting", "{payment}");
    let nav = payment["notice"].as_str().unwrap().to_string();
    assert!(shared::domain::payments::is_valid(&nav), "{nav}");
    assert!(payment["lines"][0]["description"]
        .as_str()
        .unwrap()
        .starts_with("Diritti di ricerca d'archivio"));
    assert!(!queue(&portal, &op).await.contains(&id));
    let (status, _) = get(&portal, &op, &format!("/api/operatore/istanze/{id}")).await;
    assert_eq!(status, 404);
    // Nor can it be changed while it waits.
    let (status, refused) = call(
        &portal,
        reqwest::Method::PUT,
        &format!("/api/istanze/{id}"),
        &who,
        Some(json!({"data": {}})),
    )
    .await;
    assert_eq!(status, 409, "{refused}");

    // The payment notice, for paying elsewhere: its QR is pagoPA's payload.
    let resp = client()
        .get(format!("{}/api/istanze/{id}/payment/avviso", portal.base))
        .header("Cookie", &who.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let notice = PdfFile::new(&resp.bytes().await.unwrap());
    let cf = &portal.state.config.creditor.fiscal_code;
    assert_eq!(
        notice.qr_codes(),
        vec![format!("PAGOPA|002|{nav}|{cf}|1000")]
    );

    // Paid at the checkout: back to the payment page, which presents it.
    let url = sent["checkout_url"].as_str().unwrap();
    let back = checkout(url, "banca", "paga").await;
    assert!(
        back.contains(&format!("/pagamento.html?pratica={id}&esito=ok")),
        "{back}"
    );
    let (status, paid) = get(&portal, &who, &format!("/api/istanze/{id}/payment")).await;
    assert_eq!(status, 200, "{paid}");
    assert_eq!(paid["state"], "released", "{paid}");
    assert!(paid["message"]
        .as_str()
        .unwrap()
        .contains("presentata e protocollata"));
    let (_, a) = get(&portal, &who, &format!("/api/istanze/{id}")).await;
    assert_eq!(a["state"], "protocollata", "{a}");
    assert_eq!(a["fee"]["status"], "pagato");
    assert_eq!(a["fee"]["receipt"]["psp"], "Banca di Prova S.p.A.");
    // The term runs from the payment (the day it was presented): 30 calendar days.
    assert_eq!(a["due_date"], "2026-12-23", "{a}");
    let labels = labels(&a);
    assert_eq!(
        labels,
        [
            "Inviata: in attesa del pagamento",
            "Pagamento ricevuto: domanda presentata",
            "Protocollata"
        ]
    );
    assert!(queue(&portal, &op).await.contains(&id));
    let submitted = [("Istanza", "certificato_storico")];
    assert_eq!(portal.metric("ApplicationsSubmitted", &submitted), 1);

    // The receipt states the payment: amount, reason, notice, receipt and PSP; sealed.
    let doc = a["documents"][0]["id"].as_str().unwrap();
    let resp = client()
        .get(format!("{}/api/istanze/{id}/documenti/{doc}", portal.base))
        .header("Cookie", &who.cookie)
        .send()
        .await
        .unwrap();
    let receipt = PdfFile::new(&resp.bytes().await.unwrap());
    let text = receipt
        .text()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let receipt_id = a["fee"]["receipt"]["receipt_id"].as_str().unwrap();
    for needed in [
        "Importo pagato: € 10,00 – Diritti di ricerca d'archivio anagrafico",
        &format!("avviso di pagamento n. {nav}"),
        &format!("ricevuta n. {receipt_id} di Banca di Prova S.p.A."),
        a["protocollo"].as_str().unwrap(),
        "23/12/2026",
    ] {
        assert!(
            text.contains(needed),
            "{needed} not in the receipt:\n{text}"
        );
    }
    let hanko = receipt.pyhanko(&portal.seal_root());
    assert!(hanko.contains(":INTACT:TRUSTED"), "{hanko}");
    // Paid once: the notice is no longer payable, nor is its notice served.
    let status = position(&portal, &id, 1).await;
    assert_eq!(status.state, PositionState::Paid);
    assert_eq!(status.receipts.len(), 1);
    let (status, _) = get(&portal, &who, &format!("/api/istanze/{id}/payment/avviso")).await;
    assert_eq!(status, 404);
    let back = checkout(url, "poste", "paga").await;
    assert!(
        back.ends_with("esito=errore"),
        "a notice is paid once: {back}"
    );
    assert_eq!(position(&portal, &id, 1).await.receipts.len(), 1);
    // Another citizen sees nothing of it.
    let other = e2e::members_of(&portal.demo(), "F000002").remove(0);
    let them = portal.session(&other, false).await;
    let (status, _) = get(&portal, &them, &format!("/api/istanze/{id}/payment")).await;
    assert_eq!(status, 404);
    portal.stop().await;
}

#[tokio::test]
async fn a_cancelled_or_expired_fee_makes_a_draft_again_and_a_failed_one_stays_payable() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::start(dir.path()).await;
    let me = portal.citizen();
    let who = portal.session(&me, false).await;
    let id = draft(&portal, &who).await;

    // A PSP error: nothing paid, still payable, a new checkout on request.
    let sent = send(&portal, &who, &id).await;
    let first_nav = sent["fee"]["payment"]["notice"]
        .as_str()
        .unwrap()
        .to_string();
    let back = checkout(sent["checkout_url"].as_str().unwrap(), "errore", "paga").await;
    assert!(back.ends_with("esito=errore"), "{back}");
    let (_, v) = get(&portal, &who, &format!("/api/istanze/{id}/payment")).await;
    assert_eq!(v["state"], "awaiting", "{v}");
    let (status, retry) = post(&portal, &who, &format!("/api/istanze/{id}/payment")).await;
    assert_eq!(status, 200, "{retry}");
    assert!(retry["checkout_url"].is_string(), "{retry}");

    // "Annulla": cancelled on pagoPA, a draft again, editable, nothing charged.
    let back = checkout(retry["checkout_url"].as_str().unwrap(), "banca", "annulla").await;
    assert!(back.ends_with("esito=annullato"), "{back}");
    let (status, v) = post(&portal, &who, &format!("/api/istanze/{id}/payment/cancel")).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["state"], "cancelled", "{v}");
    assert!(v["message"].as_str().unwrap().contains("tornata in bozza"));
    let status = position(&portal, &id, 1).await;
    assert_eq!(status.state, PositionState::Invalid);
    assert!(status.receipts.is_empty());
    let (_, a) = get(&portal, &who, &format!("/api/istanze/{id}")).await;
    assert_eq!(a["state"], "bozza", "{a}");
    assert_eq!(a["draft"], true);
    assert_eq!(a["fee"]["status"], "da_pagare");
    assert!(a["protocollo"].is_null());
    let (status, _) = get(&portal, &who, &format!("/api/istanze/{id}/payment/avviso")).await;
    assert_eq!(status, 404);

    // Sent again: a new position and notice; left unpaid past its due date, it expires.
    let sent = send(&portal, &who, &id).await;
    let nav = sent["fee"]["payment"]["notice"].as_str().unwrap();
    assert_ne!(nav, first_nav, "a new notice for a new sending");
    portal
        .clock
        .advance(chrono::Duration::hours(fee::PAYMENT_HOURS + 1));
    reconcile(&portal.state).await.unwrap();
    let who = portal.session(&me, false).await;
    let (_, v) = get(&portal, &who, &format!("/api/istanze/{id}/payment")).await;
    assert_eq!(v["state"], "expired", "{v}");
    assert!(v["message"].as_str().unwrap().contains("entro la scadenza"));
    let status = position(&portal, &id, 2).await;
    assert!(
        matches!(
            status.state,
            PositionState::Invalid | PositionState::Expired
        ),
        "{:?}",
        status.state
    );
    let (_, a) = get(&portal, &who, &format!("/api/istanze/{id}")).await;
    assert_eq!(a["state"], "bozza", "{a}");
    let labels = labels(&a);
    assert_eq!(
        labels
            .iter()
            .filter(|l| l.starts_with("Pagamento non effettuato"))
            .count(),
        2,
        "{labels:?}"
    );
    portal.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn reconciliation_presents_for_who_never_returns_and_racing_presentations_make_one() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::start(dir.path()).await;
    let me = portal.citizen();
    let who = portal.session(&me, false).await;

    // Paid, and the browser closed before the return: reconciliation presents it.
    let id = draft(&portal, &who).await;
    let sent = send(&portal, &who, &id).await;
    checkout(sent["checkout_url"].as_str().unwrap(), "poste", "paga").await;
    reconcile(&portal.state).await.unwrap();
    let a = shared::services::applications::record::load(&portal.state, &id)
        .await
        .unwrap()
        .unwrap();
    assert!(a.protocollo.is_some(), "{:?}", a.state);
    let paid = a.payment.unwrap().receipt.unwrap();
    assert_eq!(paid.psp, "Poste di Prova");
    let again = reconcile(&portal.state).await.unwrap();
    assert_eq!(again.released, 0, "idempotent: {again:?}");

    // Paid, then the return and reconciliation at once.
    let id = draft(&portal, &who).await;
    let sent = send(&portal, &who, &id).await;
    checkout(sent["checkout_url"].as_str().unwrap(), "banca", "paga").await;
    let path = format!("/api/istanze/{id}/payment");
    let state = &portal.state;
    let (a, x, b, y, c, z) = tokio::join!(
        get(&portal, &who, &path),
        reconcile(state),
        get(&portal, &who, &path),
        reconcile(state),
        get(&portal, &who, &path),
        reconcile(state),
    );
    for (status, v) in [a, b, c] {
        assert_eq!(status, 200, "{v}");
        assert_eq!(v["state"], "released", "{v}");
    }
    assert!(x.is_ok() && y.is_ok() && z.is_ok());
    let a = shared::services::applications::record::load(&portal.state, &id)
        .await
        .unwrap()
        .unwrap();
    let actions: Vec<_> = a.history.iter().map(|e| e.action).collect();
    use shared::domain::applications::Action;
    assert_eq!(actions, [Action::Submit, Action::Pay, Action::Register]);
    assert_eq!(a.documents.len(), 1, "one receipt letter");
    assert_eq!(
        position(&portal, &id, 1).await.receipts.len(),
        1,
        "one payment"
    );
    // The protocol numbers: the first application's, then this one's, none skipped twice.
    let (_, list) = get(&portal, &who, "/api/istanze").await;
    let protocols: Vec<&str> = list["applications"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["protocollo"].as_str())
        .collect();
    assert_eq!(protocols.len(), 2, "{list}");
    assert_ne!(protocols[0], protocols[1]);
    portal.stop().await;
}
