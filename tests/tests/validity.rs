//! Validity and the bollo over time: a certificate of facts that cannot change keeps its
//! unlimited validity when the six months of online verification end; a marca da bollo is
//! spent for good — the same request after the certificate's expiry, or another request, is
//! refused — and a marca dated before the contrassegno telematico existed or in the future
//! is refused with an Italian message.

use chrono::Duration;
use e2e::{Login, Portal};
use serde_json::{json, Value};
use shared::domain::certificate::Channel;
use shared::domain::person::Persona;
use shared::services::certificates::{self, Request};

fn in_bollo(person: &Persona, kind: &str, marca: &str, date: &str) -> Value {
    json!({"person": person.codice_fiscale, "type": kind, "uso": "uso_privato",
           "bollo": {"id": marca, "date": date}, "delivery": "download"})
}

async fn post(portal: &Portal, who: &Login, body: &Value) -> (u16, Value) {
    let resp = portal.post("/api/certificates", who, body, &[]).await;
    let status = resp.status().as_u16();
    let bytes = resp.bytes().await.unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

async fn fetch(url: &str, json: bool) -> (u16, String, String) {
    let mut req = reqwest::Client::new().get(url);
    if json {
        req = req.header("Accept", "application/json");
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let kind = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, kind, resp.text().await.unwrap())
}

#[tokio::test]
async fn a_birth_certificate_stays_valid_when_online_verification_ends() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::start(dir.path()).await;
    let me = portal.citizen();
    let session = portal.open_session(&me, false).await.1;
    let request = Request {
        person: me.codice_fiscale.clone(),
        type_id: "nascita".into(),
        uso: "pensioni".into(),
        ..Default::default()
    };
    let issued = certificates::issue(&portal.state, &session, &request, &Channel::Citizen, None)
        .await
        .unwrap();
    let text = e2e::PdfFile::new(&issued.pdf).text();
    assert!(text.contains("validità illimitata"), "{text}");
    let link = issued
        .link
        .unwrap()
        .replace(&portal.state.config.public_base_url, &portal.base);
    let (status, _, html) = fetch(&link, false).await;
    assert_eq!(status, 200);
    assert!(html.contains("Certificato valido"), "{html}");
    let at = html.find("/originale?").expect("download link");
    let start = html[..at].rfind("href=\"").unwrap() + 6;
    let end = start + html[start..].find('"').unwrap();
    let original = format!("{}{}", portal.base, html[start..end].replace("&amp;", "&"));
    let (status, kind, _) = fetch(&original, false).await;
    assert_eq!((status, kind.as_str()), (200, "application/pdf"));

    // Six months and a day later: verification has ended, the certificate has not.
    portal
        .clock
        .advance(Duration::days(182) + Duration::days(1));
    let (status, _, html) = fetch(&link, false).await;
    assert_eq!(status, 410);
    assert!(
        html.contains("Verifica online non più disponibile"),
        "{html}"
    );
    assert!(html.contains("conserva validità illimitata"), "{html}");
    assert!(
        !html.contains("Certificato scaduto") && !html.contains("Scaduto il"),
        "{html}"
    );
    assert!(
        html.contains("Verifica online disponibile fino al"),
        "{html}"
    );
    assert!(!html.contains("/originale"), "no download offered");
    let (status, _, body) = fetch(&link, true).await;
    assert_eq!(status, 410);
    let answer: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(answer["status"], "verification_ended", "{answer}");
    assert!(answer["message"]
        .as_str()
        .unwrap()
        .contains("validità illimitata"));
    assert!(answer.get("download").is_none());
    let (status, kind, _) = fetch(&original, false).await;
    assert_eq!(status, 410, "the original is no longer served");
    assert_ne!(kind, "application/pdf");
    portal.stop().await;
}

#[tokio::test]
async fn a_marca_is_spent_for_good_and_its_date_must_be_plausible() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::start(dir.path()).await;
    let me = portal.citizen();
    let who = portal.session(&me, false).await;

    // Before 1 September 2007 there were no 14-digit marche; none is dated tomorrow.
    for (date, words) in [
        ("1901-01-01", "esistono dal 01/09/2007"),
        ("2007-08-31", "esistono dal 01/09/2007"),
        ("2026-11-24", "non può essere successiva a oggi"),
    ] {
        let (status, body) = post(
            &portal,
            &who,
            &in_bollo(&me, "residenza", "01234567890123", date),
        )
        .await;
        assert_eq!(status, 400, "{date}: {body}");
        assert_eq!(body["error"], "invalid_bollo_date");
        assert!(
            body["message"].as_str().unwrap().contains(words),
            "{date}: {body}"
        );
    }
    let session = portal.open_session(&me, false).await.1;
    assert!(certificates::mine(&portal.state, &session)
        .await
        .unwrap()
        .is_empty());

    // Used once on 1 September 2007, the first day there were marche: accepted.
    let marca = "01234567890123";
    let first = in_bollo(&me, "residenza", marca, "2007-09-01");
    let resp = portal.post("/api/certificates", &who, &first, &[]).await;
    assert_eq!(resp.status(), 201);
    let id = resp.headers()["x-certificate-id"]
        .to_str()
        .unwrap()
        .to_string();

    // The same request while the original is kept: the same certificate again.
    let resp = portal.post("/api/certificates", &who, &first, &[]).await;
    assert_eq!(resp.status(), 201);
    assert_eq!(resp.headers()["x-certificate-id"].to_str().unwrap(), id);
    assert_eq!(resp.headers()["x-certificate-reissued"], "true");

    // After the certificate's expiry (the original is gone): the same request, and another
    // request with the same marca, are both refused as a reuse — never "riprova".
    portal.clock.advance(Duration::days(200));
    let who = portal.session(&me, false).await;
    let again = in_bollo(&me, "residenza", marca, "2007-09-01");
    let other = in_bollo(&me, "stato_famiglia", marca, "2007-09-01");
    for body in [&again, &other] {
        let (status, answer) = post(&portal, &who, body).await;
        assert_eq!(status, 409, "{answer}");
        assert_eq!(answer["error"], "bollo_already_used");
        assert!(
            answer["message"].as_str().unwrap().contains(marca),
            "{answer}"
        );
    }

    // Three years and more later the ledger still knows the marca.
    portal.clock.advance(Duration::days(4 * 365));
    let who = portal.session(&me, false).await;
    let (status, answer) = post(&portal, &who, &other).await;
    assert_eq!(status, 409, "{answer}");
    assert_eq!(answer["error"], "bollo_already_used");
    portal.stop().await;
}
