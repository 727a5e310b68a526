//! Every JSON body of the API as hostile input: for each route the OpenAPI document gives a
//! JSON request body, random and mutated bodies (of valid requests of every route) are sent
//! by a logged-in citizen or operator. Each answer is below 500 and says in a JSON `message`
//! what it did or why not; the portal still serves afterwards.
//!
//! Bodies per route: `HOSTILE_CASES` / 10 (100 by default; the full reliability run 10,000).

use e2e::Portal;
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;
use serde_json::Value;
use shared::testkit::hostile::{cases, mutated};

/// Valid bodies of the routes, the seeds of the mutations (each route gets all of them).
fn seeds(cf: &str) -> Vec<String> {
    let deep = format!("{}1{}", "[".repeat(300), "]".repeat(300));
    [
        format!(r#"{{"person":"{cf}","type":"residenza","uso":"pensioni","bollo":null,"delivery":"download"}}"#),
        format!(r#"{{"person":"{cf}","type":"residenza","uso":"uso_privato","bollo":{{"id":"01234567890123","date":"2026-11-20"}},"delivery":"email","email":"a@example.org"}}"#),
        format!(r#"{{"person":"{cf}","type":"residenza","uso":"pensioni","motivo":"Richiesta allo sportello","documento":"CI AB1234567"}}"#),
        format!(r#"{{"kind":"residenza","person":"{cf}"}}"#),
        r#"{"email":"mario.rossi@example.org","pec":null}"#.to_string(),
        r#"{"service":"albo_scrutatori"}"#.to_string(),
        r#"{"data":{"email":"a@example.org","titolo_studio":"diploma","elettore":true}}"#.to_string(),
        r#"{"reason":"Non serve più"}"#.to_string(),
        r#"{"text":"Ecco il documento","attachments":["0123456789abcdef"]}"#.to_string(),
        r#"{"action":"take","reason":"Motivo"}"#.to_string(),
        deep,
    ]
    .to_vec()
}

/// The routes with a JSON body, from the OpenAPI document, with `{id}` made concrete.
fn routes() -> Vec<(String, String)> {
    let doc: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../web/src/openapi.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if op["requestBody"]["content"]["application/json"].is_object() {
                out.push((method.clone(), path.replace("{id}", "0123456789abcdef")));
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_json_body_refuses_hostile_input_with_a_message_and_no_5xx() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::start(dir.path()).await;
    let demo = portal.demo();
    let me = portal.citizen();
    let citizen = portal.session(&me, false).await;
    let operator = portal.session(&demo[10], true).await;
    let routes = routes();
    assert!(routes.len() >= 10, "{routes:?}");
    let per_route = (cases() / 10).max(1);
    let strategy = mutated(seeds(&me.codice_fiscale));
    let mut runner = TestRunner::deterministic();
    let client = reqwest::Client::new();
    let mut sent = 0;
    for (method, path) in &routes {
        let who = if path.contains("/operat") {
            &operator
        } else {
            &citizen
        };
        for _ in 0..per_route {
            let body = strategy.new_tree(&mut runner).unwrap().current();
            let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let resp = client
                .request(method, format!("{}{path}", portal.base))
                .header("Cookie", &who.cookie)
                .header("X-CSRF-Token", &who.csrf)
                .header("Content-Type", "application/json")
                .body(body.clone())
                .send()
                .await
                .unwrap();
            let status = resp.status().as_u16();
            let answer: Value = resp.json().await.unwrap_or(Value::Null);
            assert!(status < 500, "{path}: {status} for {body:?}: {answer}");
            if status >= 400 {
                let message = answer["message"].as_str().unwrap_or_default();
                assert!(
                    !message.is_empty(),
                    "{path}: {status} without a message for {body:?}"
                );
            }
            sent += 1;
        }
    }
    // Still serving.
    let (status, _) = portal.get("/api/household", Some(&citizen.cookie)).await;
    assert_eq!(status, 200);
    println!("{sent} hostile bodies over {} routes", routes.len());
    portal.stop().await;
}
