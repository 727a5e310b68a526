//! E-mail delivery cannot become a channel for anyone's messages in the comune's name:
//! addresses, text and the daily number are checked before anything is issued, and every
//! e-mail says who sent it through the portal.

use std::sync::Arc;

use e2e::Portal;
use serde_json::{json, Value};
use shared::domain::person::Persona;

fn outbox(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir.join("outbox"))
        .map(|d| {
            d.filter(|e| {
                e.as_ref()
                    .unwrap()
                    .path()
                    .extension()
                    .is_some_and(|x| x == "eml")
            })
            .count()
        })
        .unwrap_or(0)
}

fn email(person: &Persona, to: &str, message: &str) -> Value {
    json!({"person": person.codice_fiscale, "type": "residenza", "uso": "pensioni",
           "delivery": "email", "email": to, "message": message})
}

async fn mine(portal: &Portal, cookie: &str) -> usize {
    let (_, body) = portal.get("/api/certificates/mine", Some(cookie)).await;
    body["certificates"].as_array().unwrap().len()
}

#[tokio::test]
async fn bad_addresses_long_texts_and_too_many_mails_issue_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::start_with(dir.path(), |mut s| {
        let mut config = s.config.as_ref().clone();
        config.mail_daily_limit = 2;
        s.config = Arc::new(config);
        s
    })
    .await;
    let me = portal.citizen();
    let who = portal.session(&me, false).await;
    for (body, code, words) in [
        (
            email(&me, "a@example.org\r\nBcc: tutti@example.org", ""),
            "invalid_email",
            "non valido",
        ),
        (
            email(&me, "a@example.org", &"x".repeat(10_000)),
            "message_too_long",
            "2000 caratteri",
        ),
        (
            email(&me, "a@example.org, b@example.org", ""),
            "invalid_email",
            "non valido",
        ),
    ] {
        let resp = portal.post("/api/certificates", &who, &body, &[]).await;
        assert_eq!(resp.status(), 400);
        let err: Value = resp.json().await.unwrap();
        assert_eq!(err["error"], code);
        assert!(err["message"].as_str().unwrap().contains(words), "{err}");
    }
    assert_eq!(
        (mine(&portal, &who.cookie).await, outbox(dir.path())),
        (0, 0),
        "nothing issued, nothing sent"
    );

    // Two e-mails a day, then a clear refusal before issuing.
    for _ in 0..2 {
        let resp = portal
            .post(
                "/api/certificates",
                &who,
                &email(&me, "a@example.org", "Buongiorno"),
                &[],
            )
            .await;
        assert_eq!(resp.status(), 201);
    }
    let resp = portal
        .post(
            "/api/certificates",
            &who,
            &email(&me, "a@example.org", ""),
            &[],
        )
        .await;
    assert_eq!(resp.status(), 429);
    let err: Value = resp.json().await.unwrap();
    assert_eq!(err["error"], "mail_daily_limit");
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .contains("limite di 2 invii"),
        "{err}"
    );
    let decl = json!({"person": me.codice_fiscale, "kind": "nascita", "delivery": "email", "email": "a@example.org"});
    assert_eq!(
        portal
            .post("/api/autocert", &who, &decl, &[])
            .await
            .status(),
        429
    );
    assert_eq!(
        (mine(&portal, &who.cookie).await, outbox(dir.path())),
        (2, 2)
    );
    // Downloads are not e-mails.
    let download = json!({"person": me.codice_fiscale, "type": "residenza", "uso": "pensioni"});
    assert_eq!(
        portal
            .post("/api/certificates", &who, &download, &[])
            .await
            .status(),
        201
    );

    // Every e-mail names who sent it through the portal.
    let eml = std::fs::read_dir(dir.path().join("outbox"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "eml"))
        .unwrap();
    let mail: Value = serde_json::from_str(&e2e::run(
        e2e::venv_bin("python"),
        &[&e2e::script("read_eml.py"), eml.to_str().unwrap()],
    ))
    .unwrap();
    let text = mail["text"].as_str().unwrap();
    let sender = format!("{} {} ti invia questo documento tramite i Servizi Demografici online del Comune di Valdemo", me.cognome.to_uppercase(), me.nome.to_uppercase());
    assert!(text.starts_with(&sender), "{text}");
    portal.stop().await;
}
