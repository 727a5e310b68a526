//! The local pagoPA stand-in: positions, carts, payments through its fake PSPs, receipts,
//! and the @e.bollo receipt — valid against Agenzia delle Entrate's MarcaDaBollo.xsd
//! (xmllint), its signature verified by xmlsec1 with the PSP's certificate, naming the
//! document's SHA-256. A notice is never paid twice.

use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use shared::adapters::local_pagopa::{LocalPagoPa, Outcome, PSPS};
use shared::adapters::local_store::RedbStore;
use shared::domain::payments::{document_hash, notice, read_stamp};
use shared::ports::{
    CartItem, DebtPosition, Payments, PortError, PositionState, ReturnUrls, Transfer, TransferKind,
};
use shared::testkit::ManualClock;

const DOCUMENT: &[u8] = b"%PDF-1.7 il certificato in bollo";

struct Rig {
    dir: tempfile::TempDir,
    clock: Arc<ManualClock>,
    pagopa: Arc<LocalPagoPa>,
}

fn rig() -> Rig {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap(),
    ));
    let store = Arc::new(RedbStore::open(&dir.path().join("r.redb"), clock.clone()).unwrap());
    let pagopa = LocalPagoPa::open(
        &dir.path().join("pagopa"),
        store,
        clock.clone(),
        "http://127.0.0.1:1",
    )
    .unwrap();
    Rig {
        dir,
        clock,
        pagopa: Arc::new(pagopa),
    }
}

fn position(n: u64, stamp: bool) -> DebtPosition {
    let kind = if stamp {
        TransferKind::Stamp {
            document_sha256_b64: document_hash(DOCUMENT),
            province: "SI".into(),
        }
    } else {
        TransferKind::Iban("IT60X0542811101000000123456".into())
    };
    DebtPosition {
        iupd: format!("00000000000-{n}"),
        notice: notice("47", n),
        payer_fiscal_code: "RSSMRA80A01H501U".into(),
        payer_name: "Mario Rossi".into(),
        description: "Imposta di bollo del certificato".into(),
        amount_cents: 1600,
        due: Utc.with_ymd_and_hms(2026, 11, 24, 9, 0, 0).unwrap(),
        transfers: vec![Transfer {
            amount_cents: 1600,
            remittance: "Marca da bollo digitale".into(),
            taxonomy: "9/0101108TS/".into(),
            kind,
        }],
    }
}

fn back() -> ReturnUrls {
    ReturnUrls {
        ok: "http://x/ok".into(),
        cancel: "http://x/annullato".into(),
        error: "http://x/errore".into(),
    }
}

async fn cart_of(r: &Rig, p: &DebtPosition) -> String {
    let item = CartItem {
        nav: p.notice.nav.clone(),
        amount_cents: p.amount_cents,
        description: p.description.clone(),
    };
    let url = r.pagopa.checkout(&[item], &back(), None).await.unwrap();
    url.rsplit('/').next().unwrap().to_string()
}

#[tokio::test]
async fn a_paid_marca_is_a_signed_receipt_valid_against_the_xsd_naming_the_document() {
    let r = rig();
    let p = position(1, true);
    r.pagopa.create(&p).await.unwrap();
    assert!(
        matches!(r.pagopa.create(&p).await, Err(PortError::ConditionFailed)),
        "an iupd once"
    );
    let cart = cart_of(&r, &p).await;
    assert_eq!(
        r.pagopa.pay(&cart, &PSPS[0]).await.unwrap(),
        Some(Outcome::Paid("http://x/ok".into()))
    );
    let status = r.pagopa.status(&p.iupd).await.unwrap().unwrap();
    assert_eq!(status.state, PositionState::Paid);
    let xml = status.receipts[0]
        .stamp_xml
        .clone()
        .expect("an @e.bollo receipt");
    let stamp = read_stamp(&xml).expect("a readable @e.bollo receipt");
    assert_eq!(stamp.document_sha256_b64, document_hash(DOCUMENT));
    assert_eq!(stamp.iubd.len(), 14);
    assert_eq!(stamp.amount, "16.00");

    let file = e2e::assert_valid_marca(r.dir.path(), &xml);
    let cert = r.dir.path().join("psp.der");
    std::fs::write(&cert, r.pagopa.psp_certificate()).unwrap();
    let out = e2e::run(
        "xmlsec1",
        &[
            "--verify",
            "--trusted-der",
            cert.to_str().unwrap(),
            file.to_str().unwrap(),
        ],
    );
    assert!(out.contains("OK"), "{out}");
    // One byte of the receipt changed: the signature no longer verifies.
    std::fs::write(&file, xml.replace("16.00", "16.01")).unwrap();
    let out = e2e::run(
        "xmlsec1",
        &[
            "--verify",
            "--trusted-der",
            cert.to_str().unwrap(),
            file.to_str().unwrap(),
        ],
    );
    assert!(!out.contains("\nOK") && out.contains("FAIL"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_notice_is_paid_once_whatever_races_and_failures_are_not_payments() {
    let r = rig();
    let p = position(2, false);
    r.pagopa.create(&p).await.unwrap();
    let (a, b) = (cart_of(&r, &p).await, cart_of(&r, &p).await);
    let (x, y) = tokio::join!(r.pagopa.pay(&a, &PSPS[0]), r.pagopa.pay(&b, &PSPS[1]));
    let outcomes = [x.unwrap().unwrap(), y.unwrap().unwrap()];
    assert_eq!(
        outcomes
            .iter()
            .filter(|o| matches!(o, Outcome::Paid(_)))
            .count(),
        1,
        "{outcomes:?}"
    );
    let status = r.pagopa.status(&p.iupd).await.unwrap().unwrap();
    assert_eq!(status.receipts.len(), 1);
    assert!(matches!(
        r.pagopa.invalidate(&p.iupd).await,
        Err(PortError::ConditionFailed)
    ));

    // Cancelled, refused by the PSP, past due: nothing is paid.
    let q = position(3, false);
    r.pagopa.create(&q).await.unwrap();
    let c = cart_of(&r, &q).await;
    assert_eq!(
        r.pagopa.cancel(&c).await.unwrap(),
        Some(Outcome::Cancelled("http://x/annullato".into()))
    );
    assert_eq!(
        r.pagopa.pay(&c, &PSPS[2]).await.unwrap(),
        Some(Outcome::Failed("http://x/errore".into()))
    );
    assert_eq!(
        r.pagopa.status(&q.iupd).await.unwrap().unwrap().state,
        PositionState::Unpaid
    );
    r.clock.advance(Duration::days(2));
    assert_eq!(
        r.pagopa.status(&q.iupd).await.unwrap().unwrap().state,
        PositionState::Expired
    );
    assert_eq!(
        r.pagopa.pay(&c, &PSPS[0]).await.unwrap(),
        None,
        "a cart lasts an hour"
    );
    let c = cart_of(&r, &q).await;
    assert_eq!(
        r.pagopa.pay(&c, &PSPS[0]).await.unwrap(),
        Some(Outcome::Failed("http://x/errore".into()))
    );
    r.pagopa.invalidate(&q.iupd).await.unwrap();
    assert_eq!(
        r.pagopa.status(&q.iupd).await.unwrap().unwrap().state,
        PositionState::Invalid
    );
    assert_eq!(
        r.pagopa.pay(&c, &PSPS[0]).await.unwrap(),
        Some(Outcome::Failed("http://x/errore".into()))
    );
}

/// The checkout page in the local portal: the notices and the PSPs; "Paga" and "Annulla"
/// send the citizen back to the return addresses; only "Paga" pays.
#[tokio::test]
async fn the_local_portal_serves_the_checkout_page() {
    let dir = tempfile::tempdir().unwrap();
    let portal = e2e::Portal::start(dir.path()).await;
    let payments = portal.state.payments.clone();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for (n, action, returned) in [
        (11, "paga", "http://x/ok"),
        (12, "annulla", "http://x/annullato"),
    ] {
        let p = position(n, false);
        payments.create(&p).await.unwrap();
        let item = CartItem {
            nav: p.notice.nav.clone(),
            amount_cents: 1600,
            description: p.description.clone(),
        };
        let url = payments.checkout(&[item], &back(), None).await.unwrap();
        assert!(
            url.starts_with(&format!("{}/pagopa/checkout/", portal.base)),
            "{url}"
        );
        let page = client.get(&url).send().await.unwrap().text().await.unwrap();
        for expected in [
            "Paga € 16,00",
            "Banca di Prova S.p.A.",
            &p.notice.nav,
            "Annulla",
        ] {
            assert!(page.contains(expected), "{expected} not in the page");
        }
        let resp = client
            .post(&url)
            .form(&[("psp", "banca"), ("azione", action)])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 303);
        assert_eq!(resp.headers()["location"], returned);
        let state = payments.status(&p.iupd).await.unwrap().unwrap().state;
        let expected = if action == "paga" {
            PositionState::Paid
        } else {
            PositionState::Unpaid
        };
        assert_eq!(state, expected);
    }
    let gone = client
        .get(format!("{}/pagopa/checkout/nessuno", portal.base))
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), 404);
}

/// The check digits of several notice numbers, computed independently by Python's integers.
#[test]
fn notice_numbers_agree_with_an_independent_computation() {
    let cases = [
        ("47", 1u64),
        ("47", 2026000000042),
        ("01", 9999999999999),
        ("00", 1234567890123),
        ("12", 42),
    ];
    let program = "import sys\nfor a in sys.argv[1:]:\n    s, b = a.split(':')\n    head = '3' + s + b.zfill(13)\n    print(head + '%02d' % (int(head) % 93))";
    let args: Vec<String> = cases.iter().map(|(s, b)| format!("{s}:{b}")).collect();
    let mut argv = vec!["-c", program];
    argv.extend(args.iter().map(String::as_str));
    let expected = e2e::run("python3", &argv);
    let ours: Vec<String> = cases.iter().map(|(s, b)| notice(s, *b).nav).collect();
    assert_eq!(expected.lines().collect::<Vec<_>>(), ours);
    assert!(ours.iter().all(|n| shared::domain::payments::is_valid(n)));
}

/// The payment notice: its text and its QR code, decoded by zxing-cpp, carrying exactly the
/// pagoPA payload.
#[tokio::test]
async fn the_payment_notice_prints_the_notice_and_its_qr_code() {
    let dir = tempfile::tempdir().unwrap();
    let portal = e2e::Portal::start(dir.path()).await;
    let mut p = position(2026000000042, false);
    p.description = "Diritti di ricerca d'archivio anagrafico".into();
    p.amount_cents = 1000;
    let pdf = shared::services::payments::notice::notice_pdf(&portal.state, &p, Utc::now());
    // The README's sample notice (`NOTICE_SAMPLE=<path>`).
    if let Some(path) = std::env::var_os("NOTICE_SAMPLE") {
        std::fs::write(path, &pdf).unwrap();
    }
    let file = e2e::PdfFile::new(&pdf);
    let text = file.text();
    for expected in [
        "Avviso di pagamento pagoPA",
        "3472 0260 0000 0042 24",
        "€ 10,00",
        "24/11/2026",
        "00000000000",
        "Mario Rossi",
        "Diritti di ricerca",
    ] {
        assert!(text.contains(expected), "{expected} not in:\n{text}");
    }
    assert_eq!(
        file.qr_codes(),
        ["PAGOPA|002|347202600000004224|00000000000|1000"]
    );
}
