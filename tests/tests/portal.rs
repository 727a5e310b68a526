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
    for f in [
        "auth",
        "household",
        "certificates",
        "autocert",
        "verify",
        "import",
    ] {
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
