//! The local portal as a whole: seeding, restarts, the static site, the Lambda request path.

use e2e::{today, Portal};
use shared::domain::person::PosizioneAnagrafica;
use tower::ServiceExt;

#[tokio::test]
async fn data_survive_a_restart_and_the_demo_is_seeded_once() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::start(dir.path()).await;
    let demo = portal.demo();
    let me = demo
        .iter()
        .find(|p| p.posizione_at(today()) == Some(PosizioneAnagrafica::Residente))
        .unwrap()
        .clone();
    let cookie = portal.login(&me).await;
    let (status, before) = portal.get("/api/household", Some(&cookie)).await;
    assert_eq!(status, 200);
    let export = dir.path().join("demo-export.jsonl");
    let written = std::fs::metadata(&export).unwrap().modified().unwrap();
    portal.stop().await;

    let portal = Portal::start(dir.path()).await;
    assert_eq!(
        std::fs::metadata(&export).unwrap().modified().unwrap(),
        written,
        "not seeded again"
    );
    // The session too lives in the store and survives.
    let (status, after) = portal.get("/api/household", Some(&cookie)).await;
    assert_eq!(status, 200, "{after}");
    assert_eq!(before, after);
    portal.stop().await;
}

#[tokio::test]
async fn serves_the_site_and_every_function() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::start(dir.path()).await;
    let resp = reqwest::get(format!("{}/", portal.base)).await.unwrap();
    assert_eq!(resp.status(), 200);
    let html = resp.text().await.unwrap();
    assert!(html.contains("Servizi Demografici online"));
    for f in e2e::aws::FUNCTIONS {
        let (status, body) = portal.get(&format!("/api/health/{f}"), None).await;
        assert_eq!(status, 200);
        assert_eq!(body["function"], f);
    }
    let resp = reqwest::get(format!("{}/api/health/household", portal.base))
        .await
        .unwrap();
    assert_eq!(resp.headers()["cache-control"], "no-store");
    assert_eq!(resp.headers()["x-content-type-options"], "nosniff");
    portal.stop().await;
}

/// The exact request conversion the Lambda runtime does (API Gateway HTTP API v2 payload,
/// also the Function URL format) reaches the same router.
#[tokio::test]
async fn lambda_http_events_reach_the_household_router() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::start(dir.path()).await;
    let demo = portal.demo();
    let me = demo
        .iter()
        .find(|p| p.posizione_at(today()) == Some(PosizioneAnagrafica::Residente))
        .unwrap();
    let cookie = portal.login(me).await;
    let event = serde_json::json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": "/api/household",
        "rawQueryString": "deceased=true",
        "cookies": [cookie],
        "headers": {"host": "example.execute-api.eu-south-1.amazonaws.com", "accept": "application/json"},
        "queryStringParameters": {"deceased": "true"},
        "requestContext": {
            "accountId": "123456789012", "apiId": "api", "domainName": "example.execute-api.eu-south-1.amazonaws.com",
            "domainPrefix": "example", "requestId": "id", "routeKey": "$default", "stage": "$default",
            "time": "23/Nov/2026:09:00:00 +0000", "timeEpoch": 1795424400000u64,
            "http": {"method": "GET", "path": "/api/household", "protocol": "HTTP/1.1", "sourceIp": "192.0.2.1", "userAgent": "test"}
        },
        "isBase64Encoded": false
    });
    let req = lambda_http::request::from_str(&event.to_string()).unwrap();
    let resp = household::router(portal.state.clone())
        .oneshot(req)
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20)
        .await
        .unwrap();
    let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert!(body["members"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["codice_fiscale"] == me.codice_fiscale.as_str()));
    portal.stop().await;
}

#[tokio::test]
async fn the_openapi_document_describes_the_json_api() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::start(dir.path()).await;
    let resp = reqwest::get(format!("{}/openapi.json", portal.base))
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let doc: serde_json::Value = resp.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for (path, method) in [
        ("/api/household", "get"),
        ("/api/household/persons/{cf}", "get"),
        ("/api/accessi", "get"),
        ("/api/miei-dati", "get"),
        ("/api/import", "post"),
        ("/api/health/{function}", "get"),
        ("/api/certificates/catalog", "get"),
        ("/api/certificates", "post"),
        ("/api/certificates/preview", "post"),
        ("/api/certificates/mine", "get"),
        ("/api/certificates/{id}/pdf", "get"),
        ("/api/operator/catalog", "get"),
        ("/api/operator/certificates", "post"),
        ("/verifica/{id}", "get"),
        ("/verifica", "post"),
        ("/api/autocert/options", "get"),
        ("/api/autocert", "post"),
        ("/api/me", "get"),
        ("/api/me", "put"),
        ("/api/auth/idps", "get"),
        ("/api/istanze", "post"),
        ("/api/istanze/{id}/invia", "post"),
        ("/api/operatore/istanze/{id}/prendi", "post"),
    ] {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} undocumented"
        );
    }
    // Every documented API path is routed: none answers the generic "no such service".
    let me = portal.demo().into_iter().next().unwrap();
    let who = portal.session(&me, false).await;
    let client = reqwest::Client::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        if !path.starts_with("/api/") {
            continue;
        }
        let concrete = path
            .replace("{cf}", "RSSMRA80A01H501U")
            .replace("{id}", "ZZZZ-ZZZZ-ZZZZ")
            .replace("{function}", "household")
            .replace("{file}", "ZZZZ");
        for method in item.as_object().unwrap().keys() {
            let url = format!("{}{concrete}", portal.base);
            let req = match method.as_str() {
                "get" => client.get(url),
                "post" => client.post(url).body("{}"),
                "put" => client.put(url).body("{}"),
                "delete" => client.delete(url),
                other => panic!("undocumented method {other}"),
            };
            let resp = req
                .header("Cookie", &who.cookie)
                .header("X-CSRF-Token", &who.csrf)
                .send()
                .await
                .unwrap();
            let text = resp.text().await.unwrap();
            assert!(
                !text.contains("Il servizio richiesto non esiste"),
                "{method} {path} is not routed"
            );
        }
    }
    portal.stop().await;
}

#[tokio::test]
async fn import_over_http_is_for_operators_only() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::start(dir.path()).await;
    let demo = portal.demo();
    let export = std::fs::read_to_string(dir.path().join("demo-export.jsonl")).unwrap();
    let body = format!("{export}{{\"persona\": 42}}\n");
    let post = |who: &e2e::Login, csrf: bool| {
        let mut req = reqwest::Client::new()
            .post(format!("{}/api/import", portal.base))
            .header("Cookie", &who.cookie)
            .body(body.clone());
        if csrf {
            req = req.header("X-CSRF-Token", &who.csrf);
        }
        req.send()
    };
    let citizen = portal.session(&demo[0], false).await;
    let resp = post(&citizen, true).await.unwrap();
    assert_eq!(resp.status(), 403);
    let err: serde_json::Value = resp.json().await.unwrap();
    assert!(err["message"].as_str().unwrap().contains("operatori"));

    // An operator's session without the CSRF token writes nothing.
    let operator = portal.session(&demo[1], true).await;
    let resp = post(&operator, false).await.unwrap();
    assert_eq!(resp.status(), 403);
    let err: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(err["error"], "csrf_token_invalid");

    // A body over the limit is refused with the JSON answer.
    let huge = "x".repeat(import::BODY_LIMIT + 1);
    let resp = reqwest::Client::new()
        .post(format!("{}/api/import", portal.base))
        .header("Cookie", &operator.cookie)
        .header("X-CSRF-Token", &operator.csrf)
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 413);
    let err: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(err["error"], "payload_too_large");
    assert!(err["message"].as_str().unwrap().contains("5 MB"), "{err}");

    let resp = post(&operator, true).await.unwrap();
    assert_eq!(resp.status(), 200);
    let report: serde_json::Value = resp.json().await.unwrap();
    let lines = export.lines().count();
    assert_eq!(report["lines"], lines + 1);
    assert_eq!(report["written"], 0, "same data: nothing rewritten");
    assert_eq!(report["unchanged"], lines);
    assert_eq!(report["errors"][0]["line"], lines + 1);
    assert!(
        report["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("valore di tipo o formato errato"),
        "{report}"
    );
    portal.stop().await;
}

#[tokio::test]
async fn bodies_are_refused_in_italian_json_whatever_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::start(dir.path()).await;
    let who = portal.session(&portal.demo()[0], false).await;
    let send = |content_type: &'static str, body: Vec<u8>| {
        reqwest::Client::new()
            .post(format!("{}/api/certificates", portal.base))
            .header("Cookie", &who.cookie)
            .header("X-CSRF-Token", &who.csrf)
            .header("Content-Type", content_type)
            .body(body)
            .send()
    };
    for (content_type, body, status, code) in [
        ("text/plain", b"{}".to_vec(), 415, "unsupported_media_type"),
        (
            "application/json",
            b"{\"person\": ".to_vec(),
            400,
            "invalid_request",
        ),
        (
            "application/json",
            vec![b' '; 70 * 1024],
            413,
            "payload_too_large",
        ),
    ] {
        let resp = send(content_type, body).await.unwrap();
        assert_eq!(resp.status(), status, "{content_type}");
        let err: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(err["error"], code);
        assert!(!err["message"].as_str().unwrap().is_empty());
    }
    portal.stop().await;
}
