//! The cloud adapter of `Payments` (`PagoPaHttp`) against pagoPA's own contract: Prism
//! serves GPD's and Checkout's OpenAPI files on 127.0.0.1 and validates every request; a
//! recording proxy between the adapter and Prism keeps each request as the adapter sent it,
//! with Prism's `sl-violations` verdict. A test passes only when the adapter's result is
//! right AND Prism found nothing wrong in the adapter's own requests.

use axum::extract::Path;
use axum::Json;
use base64::Engine;
use chrono::{TimeZone, Utc};
use e2e::aws::free_port;
use e2e::prism::{Exchange, Prism, Recorder};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use shared::adapters::pagopa::PagoPaHttp;
use shared::config::PagoPaEndpoints;
use shared::domain::payments::{self, notice, Creditor};
use shared::ports::{
    CartItem, DebtPosition, PaymentReceipt, Payments, Port, PortError, PositionState,
    PositionStatus, ReturnUrls, Transfer, TransferKind,
};

const KEY: &str = "test-subscription-key";
const CF: &str = "RSSMRA80A01H501U";
const NAME: &str = "Mario Rossi";
/// An address where nothing listens: the service a test does not use.
const NOWHERE: &str = "http://127.0.0.1:9";

fn creditor() -> Creditor {
    Creditor {
        fiscal_code: "00000000000".into(),
        company_name: "Comune di Valdemo".into(),
        segregation_code: "47".into(),
        iban: "IT60X0542811101000000123456".into(),
        taxonomy: "9/0101108TS/".into(),
    }
}

fn adapter(gpd: &str, checkout: &str) -> PagoPaHttp {
    let endpoints = PagoPaEndpoints {
        gpd_url: gpd.into(),
        checkout_url: checkout.into(),
        subscription_key: KEY.into(),
    };
    PagoPaHttp::new(endpoints, creditor()).unwrap()
}

fn to_comune(cents: u64) -> Transfer {
    Transfer {
        amount_cents: cents,
        remittance: "Diritti di segreteria certificato".into(),
        taxonomy: creditor().taxonomy,
        kind: TransferKind::Iban(creditor().iban),
    }
}

fn stamp(document: &[u8], province: &str) -> Transfer {
    let hash = Sha256::digest(document);
    Transfer {
        amount_cents: 1600,
        remittance: "Marca da bollo digitale".into(),
        taxonomy: creditor().taxonomy,
        kind: TransferKind::Stamp {
            document_sha256_b64: base64::engine::general_purpose::STANDARD.encode(hash),
            province: province.into(),
        },
    }
}

/// The `base`-th position of the comune with these transfers (the amount is their sum).
fn position(base: u64, transfers: Vec<Transfer>) -> DebtPosition {
    DebtPosition {
        iupd: format!("00000000000-cert-{base:06}"),
        notice: notice("47", base),
        payer_fiscal_code: CF.into(),
        payer_name: NAME.into(),
        description: "Certificato di residenza".into(),
        amount_cents: transfers.iter().map(|t| t.amount_cents).sum(),
        due: Utc.with_ymd_and_hms(2026, 12, 31, 23, 59, 59).unwrap(),
        transfers,
    }
}

fn back() -> ReturnUrls {
    let page = |outcome| format!("https://anagrafe.valdemo.example.it/pagamenti/esito/{outcome}");
    ReturnUrls {
        ok: page("ok"),
        cancel: page("annullato"),
        error: page("errore"),
    }
}

fn item(base: u64) -> CartItem {
    CartItem {
        nav: notice("47", base).nav,
        amount_cents: 1652,
        description: format!("Certificato di residenza n. {base}"),
    }
}

/// Each request carried the key and its own request id, and Prism found nothing wrong in it.
fn assert_clean(log: &[Exchange]) {
    let mut ids = std::collections::HashSet::new();
    for x in log {
        assert!(
            x.request_violations().is_empty(),
            "{} {}: {:?}\n{}",
            x.method,
            x.target,
            x.violations,
            String::from_utf8_lossy(&x.body)
        );
        assert_eq!(x.header("ocp-apim-subscription-key"), Some(KEY));
        let id = x.header("x-request-id").expect("a request id");
        assert_eq!(id.len(), 36, "a UUID: {id}");
        assert!(ids.insert(id.to_string()), "request id {id} reused");
    }
}

/// The body of a position with one transfer to the comune, as `position` builds it.
fn assert_iban_position(x: &Exchange, p: &DebtPosition) {
    assert_eq!(x.header("content-type"), Some("application/json"));
    let body = x.json();
    assert_eq!(body["iupd"], p.iupd);
    assert_eq!(body["type"], "F");
    assert_eq!(body["fiscalCode"], CF);
    assert_eq!(body["fullName"], NAME);
    assert_eq!(body["companyName"], "Comune di Valdemo");
    assert_eq!(body["switchToExpired"], true);
    let option = &body["paymentOption"][0];
    assert_eq!(option["nav"], p.notice.nav);
    assert_eq!(option["iuv"], p.notice.iuv);
    assert!(payments::is_valid(option["nav"].as_str().unwrap()));
    assert_eq!(option["amount"], 52);
    assert_eq!(option["isPartialPayment"], false);
    assert_eq!(option["dueDate"], "2026-12-31T23:59:59Z");
    assert_eq!(option["retentionDate"], "2027-03-31T23:59:59Z");
    assert_eq!(
        option["transfer"],
        json!([{"idTransfer": "1", "amount": 52,
                "remittanceInformation": "Diritti di segreteria certificato",
                "category": "9/0101108TS/", "iban": "IT60X0542811101000000123456"}])
    );
}

/// The body of the position with diritti and a marca da bollo over `%PDF certificato`, its
/// description cut at 140 characters.
fn assert_stamp_position(x: &Exchange) {
    let option = &x.json()["paymentOption"][0];
    assert!(payments::is_valid(option["nav"].as_str().unwrap()));
    assert_eq!(option["amount"], 1652);
    let description = option["description"].as_str().unwrap();
    assert_eq!(description.chars().count(), 140);
    assert!(description.ends_with('è'));
    let transfers = option["transfer"].as_array().unwrap();
    assert_eq!(transfers.len(), 2);
    assert_eq!(transfers[1]["idTransfer"], "2");
    assert_eq!(transfers[1]["amount"], 1600);
    assert!(transfers[1].get("iban").is_none());
    let hash =
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(b"%PDF certificato"));
    assert_eq!(
        transfers[1]["stamp"],
        json!({"hashDocument": hash, "stampType": "01", "provincialResidence": "RM"})
    );
}

#[tokio::test]
async fn gpd_accepts_the_positions_the_adapter_creates() {
    let gpd = Prism::mock("gpd.json");
    let rec = Recorder::start(&gpd.url).await;
    let pagopa = adapter(&rec.url, NOWHERE);

    let diritti = position(1, vec![to_comune(52)]);
    accepted(pagopa.create(&diritti).await, &rec);
    let mut bollo = position(2, vec![to_comune(52), stamp(b"%PDF certificato", "RM")]);
    // Longer than GPD's 140 characters, with a two-byte one across the cut.
    bollo.description = format!("{}è oltre", "x".repeat(139));
    accepted(pagopa.create(&bollo).await, &rec);
    // The mock's example position: a DRAFT, not paid yet.
    assert_eq!(
        accepted(pagopa.status(&bollo.iupd).await, &rec),
        Some(PositionStatus {
            state: PositionState::Unpaid,
            receipts: vec![]
        })
    );
    accepted(pagopa.invalidate(&bollo.iupd).await, &rec);

    let log = rec.take();
    assert_clean(&log);
    let calls: Vec<_> = log
        .iter()
        .map(|x| (x.method.as_str(), x.target.as_str(), x.status))
        .collect();
    let positions = "/organizations/00000000000/debtpositions";
    assert_eq!(
        calls,
        [
            ("POST", &*format!("{positions}?toPublish=true"), 201),
            ("POST", &*format!("{positions}?toPublish=true"), 201),
            ("GET", &*format!("{positions}/{}", bollo.iupd), 200),
            (
                "POST",
                &*format!("{positions}/{}/invalidate", bollo.iupd),
                200
            ),
        ]
    );

    assert_iban_position(&log[0], &diritti);
    assert_stamp_position(&log[1]);
    // The position's body is the only place the payer appears: not in the address.
    assert!(log.iter().all(|x| !x.target.contains(CF)));
    assert!(log[2].body.is_empty() && log[3].body.is_empty());
}

/// The result of an accepted call; a refusal shows what Prism objected to.
fn accepted<T>(r: Result<T, PortError>, rec: &Recorder) -> T {
    r.unwrap_or_else(|e| {
        let seen: Vec<_> = rec
            .take()
            .into_iter()
            .map(|x| (x.target, x.status, x.violations))
            .collect();
        panic!("{e}\nexchanges: {seen:#?}")
    })
}

fn is_unavailable<T>(r: Result<T, PortError>) -> bool {
    matches!(
        r,
        Err(PortError::Unavailable {
            port: Port::Payments,
            ..
        })
    )
}

/// Positions the adapter refuses to send. Most pass the schema (the mock would answer 201)
/// and GPD refuses them on its side: transfers that do not add up, more than five or none, a
/// province only the unanchored pattern `[A-Z]{2}` accepts, wrong check digits, an IUV that
/// is not the notice's, a hash that is not a SHA-256; the schema refuses an amount of 0 and
/// an IBAN with a space too.
fn positions_gpd_would_refuse() -> Vec<DebtPosition> {
    let mut wrong_sum = position(4, vec![to_comune(52), stamp(b"doc", "RM")]);
    wrong_sum.amount_cents = 1600;
    let mut bad_check_digits = position(5, vec![to_comune(52)]);
    bad_check_digits.notice.nav.replace_range(16.., "00");
    bad_check_digits.notice.iuv = bad_check_digits.notice.nav[1..].to_string();
    let mut other_iuv = position(6, vec![to_comune(52)]);
    other_iuv.notice.iuv = notice("47", 7).iuv;
    let mut bad_hash = position(8, vec![stamp(b"doc", "RM")]);
    bad_hash.transfers[0].kind = TransferKind::Stamp {
        document_sha256_b64: "aGVsbG8=".into(),
        province: "RM".into(),
    };
    vec![
        wrong_sum,
        position(9, vec![to_comune(10); 6]),
        position(10, vec![]),
        position(11, vec![stamp(b"doc", "xRMx")]),
        position(12, vec![stamp(b"doc", "rm")]),
        position(13, vec![to_comune(0)]),
        position(
            14,
            vec![Transfer {
                kind: TransferKind::Iban("IT60 X054".into()),
                ..to_comune(52)
            }],
        ),
        bad_check_digits,
        other_iuv,
        bad_hash,
    ]
}

#[tokio::test]
async fn gpd_answers_map_to_port_errors_and_bad_positions_are_not_sent() {
    let gpd = Prism::mock("gpd.json");
    let rec = Recorder::start(&gpd.url).await;
    let prefer =
        |code: u16| adapter(&rec.url, NOWHERE).with_header("Prefer", &format!("code={code}"));
    let p = position(3, vec![to_comune(52)]);

    assert!(matches!(
        prefer(409).create(&p).await,
        Err(PortError::ConditionFailed)
    ));
    assert!(is_unavailable(prefer(500).create(&p).await));
    assert!(matches!(
        prefer(400).create(&p).await,
        Err(PortError::Corrupt(_))
    ));
    for code in [401, 403] {
        assert!(matches!(
            prefer(code).create(&p).await,
            Err(PortError::NotConfigured("pagoPA subscription key"))
        ));
    }
    assert_eq!(prefer(404).status(&p.iupd).await.unwrap(), None);
    assert!(is_unavailable(prefer(500).status(&p.iupd).await));
    assert!(matches!(
        prefer(409).invalidate(&p.iupd).await,
        Err(PortError::ConditionFailed)
    ));
    prefer(404).invalidate(&p.iupd).await.unwrap();
    assert!(is_unavailable(prefer(500).invalidate(&p.iupd).await));
    // Those answers were the ones asked for, not refusals of the requests.
    let log = rec.take();
    assert_clean(&log);
    let statuses: Vec<u16> = log.iter().map(|x| x.status).collect();
    assert_eq!(statuses, [409, 500, 400, 401, 403, 404, 500, 409, 404, 500]);

    // A key the gateway refuses: Prism's own check, "Invalid security scheme used".
    let refused = adapter(&rec.url, NOWHERE).with_header("Ocp-Apim-Subscription-Key", "");
    assert!(matches!(
        refused.create(&p).await,
        Err(PortError::NotConfigured("pagoPA subscription key"))
    ));
    let log = rec.take();
    assert_eq!((log.len(), log[0].status), (1, 401));
    assert_eq!(log[0].request_violations()[0]["code"], 401);
    // No key at all is a configuration error before any request.
    let keyless = PagoPaEndpoints {
        gpd_url: rec.url.clone(),
        checkout_url: NOWHERE.into(),
        subscription_key: " ".into(),
    };
    assert!(matches!(
        PagoPaHttp::new(keyless, creditor()),
        Err(PortError::NotConfigured("pagoPA subscription key"))
    ));
    // Nothing listening.
    let closed = format!("http://127.0.0.1:{}", free_port());
    assert!(is_unavailable(adapter(&closed, NOWHERE).status("x").await));

    // What GPD checks on its side and the schema does not: refused by the adapter, not sent.
    let pagopa = adapter(&rec.url, NOWHERE);
    let bad = positions_gpd_would_refuse();
    for p in &bad {
        let r = pagopa.create(p).await;
        assert!(matches!(r, Err(PortError::Corrupt(_))), "{} {r:?}", p.iupd);
    }
    assert!(rec.take().is_empty(), "nothing sent");
    // Five transfers are fine.
    accepted(
        pagopa.create(&position(15, vec![to_comune(10); 5])).await,
        &rec,
    );
    let log = rec.take();
    assert_clean(&log);
    assert_eq!(
        log[0].json()["paymentOption"][0]["transfer"][4]["idTransfer"],
        "5"
    );
}

#[tokio::test]
async fn checkout_accepts_the_carts_the_adapter_sends() {
    let checkout = Prism::mock("checkout_v1.json");
    let rec = Recorder::start(&checkout.url).await;
    let pagopa = adapter(NOWHERE, &rec.url);

    // The mock's example address; a client that followed it would fail (no network here).
    let one = [item(1)];
    let to = pagopa
        .checkout(&one, &back(), Some("mario.rossi@example.org"))
        .await;
    assert_eq!(accepted(to, &rec), "http://example.com");
    let mut five: Vec<_> = (1..=5).map(item).collect();
    // Longer than Checkout's 140 characters.
    five[4].description = format!("{}€ oltre", "y".repeat(139));
    accepted(pagopa.checkout(&five, &back(), None).await, &rec);
    // An address the schema's `format: email` would refuse is left out, not sent.
    let odd_email = pagopa
        .checkout(&one, &back(), Some("mario at example"))
        .await;
    accepted(odd_email, &rec);

    let log = rec.take();
    assert_clean(&log);
    assert!(log
        .iter()
        .all(|x| (x.method.as_str(), x.target.as_str(), x.status) == ("POST", "/carts", 302)));
    let cart = log[0].json();
    assert_eq!(
        cart,
        json!({
            "paymentNotices": [{"noticeNumber": one[0].nav, "fiscalCode": "00000000000",
                "amount": 1652, "companyName": "Comune di Valdemo",
                "description": "Certificato di residenza n. 1"}],
            "returnUrls": {"returnOkUrl": back().ok, "returnCancelUrl": back().cancel,
                "returnErrorUrl": back().error},
            "emailNotice": "mario.rossi@example.org"
        })
    );
    let notices = log[1].json()["paymentNotices"].as_array().unwrap().clone();
    assert_eq!(notices.len(), 5);
    assert!(notices
        .iter()
        .all(|n| payments::is_valid(n["noticeNumber"].as_str().unwrap())));
    assert!(log[1].json().get("emailNotice").is_none());
    assert!(log[2].json().get("emailNotice").is_none());
    let long = log[1].json()["paymentNotices"][4]["description"].clone();
    assert_eq!(long.as_str().unwrap().chars().count(), 140);
    assert!(long.as_str().unwrap().ends_with('€'));
}

#[tokio::test]
async fn checkout_errors_and_carts_refused_before_sending() {
    let checkout = Prism::mock("checkout_v1.json");
    let rec = Recorder::start(&checkout.url).await;
    let pagopa = adapter(NOWHERE, &rec.url);
    let one = [item(1)];
    let prefer500 = adapter(NOWHERE, &rec.url).with_header("Prefer", "code=500");
    assert!(is_unavailable(
        prefer500.checkout(&one, &back(), None).await
    ));
    assert!(matches!(
        prefer500
            .with_header("Prefer", "code=400")
            .checkout(&one, &back(), None)
            .await,
        Err(PortError::Corrupt(_))
    ));
    let log = rec.take();
    assert_clean(&log);
    assert_eq!(log.iter().map(|x| x.status).collect::<Vec<_>>(), [500, 400]);
    let refused = adapter(NOWHERE, &rec.url).with_header("Ocp-Apim-Subscription-Key", "");
    assert!(matches!(
        refused.checkout(&one, &back(), None).await,
        Err(PortError::NotConfigured("pagoPA subscription key"))
    ));
    assert_eq!(rec.take()[0].status, 401);

    // Refused before sending: six notices, none, a wrong check digit, a relative address.
    let six: Vec<_> = (1..=6).map(item).collect();
    let mut wrong = item(1);
    wrong
        .nav
        .replace_range(17.., if wrong.nav.ends_with('0') { "1" } else { "0" });
    let relative = ReturnUrls {
        ok: "www.comune.di.prova.it/pagopa/success.html".into(),
        ..back()
    };
    for (items, urls) in [
        (&six[..], back()),
        (&[][..], back()),
        (&[wrong][..], back()),
        (&one[..], relative),
    ] {
        let r = pagopa.checkout(items, &urls, None).await;
        assert!(matches!(r, Err(PortError::Corrupt(_))), "{r:?}");
    }
    assert!(rec.take().is_empty(), "nothing sent");
}

/// A position as GPD would answer for `iupd` (`status-<STATUS>`), valid against the file.
async fn canned(Path((_, iupd)): Path<(String, String)>) -> (axum::http::StatusCode, Json<Value>) {
    let option = |status: &str, receipt: &str| {
        let mut o = json!({"nav": "347202600000004224", "iuv": "47202600000004224",
            "organizationFiscalCode": "00000000000", "amount": 1652,
            "description": "Certificato di residenza", "isPartialPayment": false,
            "dueDate": "2026-12-31T23:59:59Z", "status": status});
        if !receipt.is_empty() {
            o["idReceipt"] = json!(receipt);
            o["pspCompany"] = json!("Banca di Prova");
            o["paymentDate"] = json!(if receipt == "naive" {
                "2026-11-23T10:15:00.250"
            } else {
                "2026-11-23T10:15:00Z"
            });
            o["paymentMethod"] = json!("CP");
        }
        o
    };
    let (status, options) = match iupd.trim_start_matches("status-") {
        "PAID" => ("PAID", vec![option("PO_PAID", "R-1")]),
        "REPORTED" => ("REPORTED", vec![option("PO_REPORTED", "R-2")]),
        "PARTIALLY_PAID" => (
            "PARTIALLY_PAID",
            vec![option("PO_PAID", "R-3"), option("PO_UNPAID", "")],
        ),
        "NAIVE" => ("PAID", vec![option("PO_PAID", "naive")]),
        "NEGATIVE" => (
            "PAID",
            vec![{
                let mut o = option("PO_PAID", "R-4");
                o["amount"] = json!(-1);
                o
            }],
        ),
        "unknown" => {
            let problem =
                json!({"title": "Not Found", "status": 404, "detail": "position not found"});
            return (axum::http::StatusCode::NOT_FOUND, Json(problem));
        }
        other => (other, vec![option("PO_UNPAID", "")]),
    };
    let body = json!({"iupd": iupd, "organizationFiscalCode": "00000000000", "type": "F",
        "companyName": "Comune di Valdemo", "status": status, "insertedDate": "2026-11-23T09:00:00Z",
        "paymentOption": options, "extension": {"unknown": "fields are ignored"}});
    (axum::http::StatusCode::OK, Json(body))
}

#[tokio::test]
async fn gpd_states_and_receipts_are_read_from_answers_valid_against_the_file() {
    let upstream = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let upstream_url = format!("http://{}", upstream.local_addr().unwrap());
    let app = axum::Router::new().route(
        "/organizations/{cf}/debtpositions/{iupd}",
        axum::routing::get(canned),
    );
    tokio::spawn(async move { axum::serve(upstream, app).await.unwrap() });
    // Prism checks the requests and, with `--errors`, that each canned answer is one GPD may
    // give (a violation turns it into a 500, which the adapter reports as unavailable).
    let gpd = Prism::proxy("gpd.json", &upstream_url);
    let rec = Recorder::start(&gpd.url).await;
    let pagopa = adapter(&rec.url, NOWHERE);

    let receipt = |id: &str| PaymentReceipt {
        receipt_id: id.into(),
        psp: "Banca di Prova".into(),
        paid_at: Utc.with_ymd_and_hms(2026, 11, 23, 10, 15, 0).unwrap(),
        amount_cents: 1652,
        stamp_xml: None,
    };
    let paid = |ids: &[&str]| PositionStatus {
        state: PositionState::Paid,
        receipts: ids.iter().map(|id| receipt(id)).collect(),
    };
    let plain = |state| PositionStatus {
        state,
        receipts: vec![],
    };
    let cases = [
        ("PAID", paid(&["R-1"])),
        ("REPORTED", paid(&["R-2"])),
        ("PARTIALLY_PAID", paid(&["R-3"])),
        ("VALID", plain(PositionState::Unpaid)),
        ("PUBLISHED", plain(PositionState::Unpaid)),
        ("DRAFT", plain(PositionState::Unpaid)),
        ("INVALID", plain(PositionState::Invalid)),
        ("EXPIRED", plain(PositionState::Expired)),
    ];
    for (status, want) in cases {
        let got = accepted(pagopa.status(&format!("status-{status}")).await, &rec);
        assert_eq!(got, Some(want), "{status}");
    }
    assert_eq!(accepted(pagopa.status("unknown").await, &rec), None);
    // The file sets no minimum on the answer's amounts; a negative one is no receipt.
    assert!(matches!(
        pagopa.status("status-NEGATIVE").await,
        Err(PortError::Corrupt(_))
    ));
    let log = rec.take();
    assert_clean(&log);
    assert!(
        log.iter().all(|x| x.violations.is_empty()),
        "the canned answers are valid"
    );

    // Answers the file does not allow, straight from the upstream (Prism would refuse them):
    // dates without an offset, as GPD's Java service (LocalDateTime) writes them, are read as
    // UTC; a status the file does not list is an error, not a guess.
    let direct = adapter(&upstream_url, NOWHERE);
    let naive = direct.status("status-NAIVE").await.unwrap().unwrap();
    assert_eq!(
        naive.receipts[0].paid_at,
        Utc.with_ymd_and_hms(2026, 11, 23, 10, 15, 0).unwrap()
            + chrono::Duration::milliseconds(250)
    );
    assert!(matches!(
        direct.status("status-BOGUS").await,
        Err(PortError::Corrupt(_))
    ));
}

/// GPD through Prism, answering `create` with `code` the first `times` calls; every other
/// call the real adapter's to the mocks.
struct Failing {
    failing: PagoPaHttp,
    fine: PagoPaHttp,
    times: std::sync::atomic::AtomicUsize,
}

#[async_trait::async_trait]
impl Payments for Failing {
    async fn create(&self, p: &DebtPosition) -> Result<(), PortError> {
        use std::sync::atomic::Ordering;
        let left = self.times.load(Ordering::SeqCst);
        if left > 0 {
            self.times.store(left - 1, Ordering::SeqCst);
            return self.failing.create(p).await;
        }
        self.fine.create(p).await
    }
    async fn checkout(
        &self,
        items: &[CartItem],
        back: &ReturnUrls,
        email: Option<&str>,
    ) -> Result<String, PortError> {
        self.fine.checkout(items, back, email).await
    }
    async fn status(&self, iupd: &str) -> Result<Option<PositionStatus>, PortError> {
        self.fine.status(iupd).await
    }
    async fn invalidate(&self, iupd: &str) -> Result<(), PortError> {
        self.fine.invalidate(iupd).await
    }
}

/// The certificate use case over the cloud adapter and the mocks: GPD's 409 (the position
/// exists: an earlier attempt created it) goes on to the checkout; GPD's 500 keeps the
/// request, says so in Italian, releases nothing, and the citizen's retry opens it.
#[tokio::test]
async fn the_certificate_payment_reacts_to_gpd_duplicates_and_failures() {
    let gpd = Prism::mock("gpd.json");
    let checkout = Prism::mock("checkout_v1.json");
    let (gpd_rec, checkout_rec) = (
        Recorder::start(&gpd.url).await,
        Recorder::start(&checkout.url).await,
    );
    for (code, expect) in [(409u16, "awaiting"), (500, "preparing")] {
        let dir = tempfile::tempdir().unwrap();
        let payments = std::sync::Arc::new(Failing {
            failing: adapter(&gpd_rec.url, &checkout_rec.url)
                .with_header("Prefer", &format!("code={code}")),
            fine: adapter(&gpd_rec.url, &checkout_rec.url),
            times: 1.into(),
        });
        let portal = e2e::Portal::start_with(dir.path(), |mut s| {
            s.payments = payments;
            s
        })
        .await;
        let me = e2e::members_of(&portal.demo(), "F000001").remove(0);
        let who = portal.session(&me, false).await;
        let body = json!({"person": me.codice_fiscale, "type": "residenza", "uso": "uso_privato", "bollo": {"online": true}});
        let resp = portal
            .post(
                "/api/certificates",
                &who,
                &body,
                &[("Idempotency-Key", "k")],
            )
            .await;
        assert_eq!(resp.status(), 202);
        let view: Value = resp.json().await.unwrap();
        assert_eq!(view["state"], expect, "{code}: {view}");
        let id = view["id"].as_str().unwrap().to_string();
        assert!(shared::services::certificates::record(&portal.state, &id)
            .await
            .unwrap()
            .is_none());
        if code == 500 {
            assert!(view.get("checkout_url").is_none());
            assert!(
                view["message"]
                    .as_str()
                    .unwrap()
                    .contains("non ha risposto"),
                "{view}"
            );
            // The citizen retries: the same certificate's position is opened, then the cart.
            let resp = portal
                .post(
                    &format!("/api/certificates/{id}/payment"),
                    &who,
                    &json!({}),
                    &[],
                )
                .await;
            let view: Value = resp.json().await.unwrap();
            assert_eq!(view["state"], "awaiting", "{view}");
            assert_eq!(view["id"], id.as_str());
        }
        portal.stop().await;
    }
    let gpd_log = gpd_rec.take();
    assert_clean(&gpd_log);
    let statuses: Vec<u16> = gpd_log.iter().map(|x| x.status).collect();
    assert_eq!(statuses, vec![409, 500, 201], "{gpd_log:#?}");
    let carts = checkout_rec.take();
    assert_clean(&carts);
    assert_eq!(carts.len(), 2, "a cart only for an open position");
    for x in &gpd_log {
        let transfers = x.json()["paymentOption"][0]["transfer"].clone();
        assert_eq!(transfers.as_array().unwrap().len(), 1, "{transfers}");
        assert_eq!(transfers[0]["amount"], 1600);
        assert_eq!(transfers[0]["stamp"]["stampType"], "01");
        assert_eq!(
            transfers[0]["stamp"]["hashDocument"]
                .as_str()
                .unwrap()
                .len(),
            44
        );
    }
    // The failed creation and the retry are the same certificate's position.
    assert_eq!(gpd_log[1].json()["iupd"], gpd_log[2].json()["iupd"]);
    assert_eq!(
        gpd_log[1].json()["paymentOption"][0]["transfer"][0]["stamp"],
        gpd_log[2].json()["paymentOption"][0]["transfer"][0]["stamp"],
        "the document is not rebuilt: the same hash"
    );
}

/// An application's fee over the cloud adapter and the mocks: GPD's 500 on sending keeps the
/// application waiting for its payment ("preparing", in Italian, no checkout, no protocol);
/// the citizen's retry opens the same sending's position, to the comune's IBAN, then a cart.
#[tokio::test]
async fn the_application_fee_reacts_to_a_gpd_failure_and_its_retry_opens_the_same_position() {
    let gpd = Prism::mock("gpd.json");
    let checkout = Prism::mock("checkout_v1.json");
    let (gpd_rec, checkout_rec) = (
        Recorder::start(&gpd.url).await,
        Recorder::start(&checkout.url).await,
    );
    let dir = tempfile::tempdir().unwrap();
    let payments = std::sync::Arc::new(Failing {
        failing: adapter(&gpd_rec.url, &checkout_rec.url).with_header("Prefer", "code=500"),
        fine: adapter(&gpd_rec.url, &checkout_rec.url),
        times: 1.into(),
    });
    let portal = e2e::Portal::start_with(dir.path(), |mut s| {
        s.payments = payments;
        s
    })
    .await;
    let me = portal.citizen();
    let who = portal.session(&me, false).await;
    let resp = portal
        .post(
            "/api/istanze",
            &who,
            &json!({"service": "certificato_storico"}),
            &[],
        )
        .await;
    let draft: Value = resp.json().await.unwrap();
    let id = draft["id"].as_str().unwrap().to_string();
    let mut data = draft["data"].clone();
    data["tipo"] = json!("ricerca");
    data["uso"] = json!("pensione");
    data["email"] = json!("erede@example.it");
    let saved = reqwest::Client::new()
        .put(format!("{}/api/istanze/{id}", portal.base))
        .header("Cookie", &who.cookie)
        .header("X-CSRF-Token", &who.csrf)
        .json(&json!({ "data": data }))
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status(), 200);
    let empty = json!({});
    let sent: Value = portal
        .post(&format!("/api/istanze/{id}/invia"), &who, &empty, &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(sent["state"], "attesa_pagamento", "{sent}");
    assert!(sent.get("checkout_url").is_none(), "{sent}");
    assert!(sent["protocollo"].is_null());
    let payment = &sent["fee"]["payment"];
    assert_eq!(payment["state"], "preparing", "{payment}");
    assert!(payment["message"]
        .as_str()
        .unwrap()
        .contains("non ha risposto"));
    // The retry, as "Riprova il pagamento" sends it.
    let retry: Value = portal
        .post(&format!("/api/istanze/{id}/payment"), &who, &empty, &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(retry["state"], "awaiting", "{retry}");
    assert!(retry["checkout_url"].is_string(), "{retry}");
    assert_eq!(retry["notice"], payment["notice"], "the same notice");
    let creditor = portal.state.config.creditor.clone();
    portal.stop().await;

    let gpd_log = gpd_rec.take();
    assert_clean(&gpd_log);
    let created: Vec<&Exchange> = gpd_log.iter().filter(|x| x.method == "POST").collect();
    let statuses: Vec<u16> = created.iter().map(|x| x.status).collect();
    assert_eq!(statuses, vec![500, 201], "{gpd_log:#?}");
    let (failed, opened) = (created[0].json(), created[1].json());
    assert_eq!(
        failed["iupd"], opened["iupd"],
        "the same sending's position"
    );
    assert_eq!(opened["iupd"], format!("{}-{id}-1", creditor.fiscal_code));
    let transfers = opened["paymentOption"][0]["transfer"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(transfers.len(), 1, "{transfers:?}");
    assert_eq!(transfers[0]["amount"], 1000);
    assert_eq!(transfers[0]["iban"], creditor.iban.as_str());
    assert_eq!(opened["paymentOption"][0]["amount"], 1000);
    let carts = checkout_rec.take();
    assert_clean(&carts);
    assert_eq!(carts.len(), 1, "a cart only once the position is open");
}
