//! Public verification by QR link and by the manual form, as a bank or employer uses it.

use chrono::Duration;
use e2e::{today, PdfFile, Portal};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use shared::domain::person::Persona;

struct Issued {
    id: String,
    pdf: Vec<u8>,
    link: String,
    pin: String,
    person: Persona,
}

async fn issue(portal: &Portal) -> Issued {
    let person = portal
        .demo()
        .into_iter()
        .find(|p| {
            p.membership_at(today())
                .is_some_and(|m| m.famiglia == "F000001")
        })
        .unwrap();
    let who = portal.session(&person, false).await;
    let body = json!({"person": person.codice_fiscale, "type": "residenza", "uso": "pensioni", "delivery": "download"});
    let resp = portal.post("/api/certificates", &who, &body, &[]).await;
    assert_eq!(resp.status(), 201);
    let id = resp.headers()["x-certificate-id"]
        .to_str()
        .unwrap()
        .to_string();
    let pdf = resp.bytes().await.unwrap().to_vec();
    let file = PdfFile::new(&pdf);
    let link = file.qr_codes().remove(0);
    let text = file.text();
    let pin = text
        .split("PIN: ")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    Issued {
        id,
        pdf,
        link,
        pin,
        person,
    }
}

/// The verification URL with the portal's actual address instead of the printed base.
fn local(portal: &Portal, link: &str) -> String {
    link.replace("http://127.0.0.1:8080", &portal.base)
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn get(url: &str) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let r = client().get(url).send().await.unwrap();
    (
        r.status().as_u16(),
        r.headers().clone(),
        r.bytes().await.unwrap().to_vec(),
    )
}

async fn submit(portal: &Portal, codice: &str, cognome: &str, nome: &str) -> (u16, String) {
    let r = client()
        .post(format!("{}/verifica", portal.base))
        .form(&[("codice", codice), ("cognome", cognome), ("nome", nome)])
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

fn download_href(html: &str) -> String {
    let at = html.find("/originale?").expect("download link");
    let start = html[..at].rfind("href=\"").unwrap() + 6;
    let end = start + html[start..].find('"').unwrap();
    html[start..end].replace("&amp;", "&")
}

fn sha(b: &[u8]) -> Vec<u8> {
    Sha256::digest(b).to_vec()
}

#[tokio::test]
async fn qr_link_and_form_return_the_original_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::start(dir.path()).await;
    let cert = issue(&portal).await;

    let (status, headers, body) = get(&local(&portal, &cert.link)).await;
    assert_eq!(status, 200);
    let html = String::from_utf8(body).unwrap();
    for expected in [
        "Certificato valido",
        "Certificato di residenza",
        "Comune di Valdemo",
        &cert.id,
        "Sigillo elettronico valido",
        "Valido fino al",
    ] {
        assert!(html.contains(expected), "{expected:?} missing");
    }
    // Whom it concerns, so that a clerk holding a paper copy sees whether a genuine QR code
    // was pasted onto a forged paper; never the codice fiscale.
    let subject = format!(
        "{} {}, nato/a il {}",
        cert.person.cognome,
        cert.person.nome,
        cert.person.nascita.data.format("%d/%m/%Y")
    )
    .replace('\'', "&#39;");
    assert!(html.contains(&subject), "{subject:?} missing: {html}");
    assert!(
        !html.contains(&cert.person.codice_fiscale),
        "no codice fiscale on the page"
    );
    // The comune's coat of arms in the header, served by the verification function itself:
    // the PNG the certificates print.
    assert!(html.contains(r#"<img class="stemma" src="/verifica/stemma.png""#));
    let (status, arms_headers, arms) = get(&format!("{}/verifica/stemma.png", portal.base)).await;
    assert_eq!(status, 200);
    assert_eq!(arms_headers["content-type"], "image/png");
    let printed = portal.state.arms.as_ref().expect("the demo's arms");
    let decoded = shared::pdf::Arms::from_png(&arms).unwrap();
    assert_eq!(
        (decoded.width, decoded.height),
        (printed.width, printed.height)
    );
    assert_eq!(decoded.rgb, printed.rgb);
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("default-src 'none'")
            && csp.contains("frame-ancestors 'none'")
            && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert!(!html.contains("<script"), "no script at all");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["referrer-policy"], "no-referrer");
    let cache = headers["cache-control"].to_str().unwrap();
    assert!(
        cache.contains("no-store") && cache.contains("private") && !cache.contains("public"),
        "{cache}"
    );

    let (status, headers, bytes) = get(&format!("{}{}", portal.base, download_href(&html))).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "application/pdf");
    assert_eq!(sha(&bytes), sha(&cert.pdf), "QR download is the issued PDF");

    // The form, with the ID typed sloppily and the names in another case.
    let sloppy_id = cert.id.replace('-', " ").to_lowercase();
    let (status, html) = submit(
        &portal,
        &sloppy_id,
        &cert.person.cognome.to_lowercase(),
        &format!("  {}  ", cert.person.nome.to_uppercase()),
    )
    .await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Certificato valido"));
    let (status, _, bytes) = get(&format!("{}{}", portal.base, download_href(&html))).await;
    assert_eq!(status, 200);
    assert_eq!(
        sha(&bytes),
        sha(&cert.pdf),
        "form download is the issued PDF"
    );

    // And by PIN.
    let (status, html) = submit(&portal, &cert.pin, &cert.person.cognome, &cert.person.nome).await;
    assert_eq!(status, 200);
    assert!(html.contains(&cert.id));

    // The machine-readable variant.
    let r = client()
        .get(local(&portal, &cert.link))
        .header("Accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let j: Value = r.json().await.unwrap();
    assert_eq!(j["status"], "valid");
    assert_eq!(j["id"], cert.id.as_str());
    assert_eq!(j["title"], "Certificato di residenza");
    assert_eq!(j["sha256"], hex(&sha(&cert.pdf)).as_str());
    assert_eq!(j["signature"]["valid"], true);
    assert!(j["expires_at"].as_str().unwrap().starts_with("2027-05-23"));
    portal.stop().await;
}

#[tokio::test]
async fn wrong_secret_and_wrong_name_look_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::start(dir.path()).await;
    let cert = issue(&portal).await;
    let last = if cert.link.ends_with('0') { "1" } else { "0" };
    let wrong_k = local(&portal, &cert.link[..cert.link.len() - 1]) + last;
    let (s1, _, page1) = get(&wrong_k).await;
    let (s2, page2) = submit(&portal, &cert.id, "Bianchi", &cert.person.nome).await;
    let (s3, page3) = submit(&portal, &cert.id, &cert.person.cognome, "Zeno").await;
    let (s4, page4) = submit(
        &portal,
        "ZZZZ-ZZZZ-ZZZZ",
        &cert.person.cognome,
        &cert.person.nome,
    )
    .await;
    assert_eq!((s1, s2, s3, s4), (404, 404, 404, 404));
    let page1 = String::from_utf8(page1).unwrap();
    let message = "Nessun certificato corrisponde ai dati inseriti";
    assert!(page1.contains(message));
    // The form comes back with what was typed and the same message, whichever field was
    // wrong: nothing tells which.
    let without_values = |page: &str, values: [&str; 3]| {
        values.iter().fold(page.to_string(), |p, v| {
            p.replace(&format!("value=\"{v}\""), "value=\"\"")
        })
    };
    let (c, n) = (cert.person.cognome.as_str(), cert.person.nome.as_str());
    let forms = [
        without_values(&page2, [&cert.id, "Bianchi", n]),
        without_values(&page3, [&cert.id, c, "Zeno"]),
        without_values(&page4, ["ZZZZ-ZZZZ-ZZZZ", c, n]),
    ];
    assert!(
        forms[0].contains(message) && page2.contains("value=\"Bianchi\""),
        "{page2}"
    );
    assert_eq!(forms[0], forms[1]);
    assert_eq!(forms[1], forms[2]);
    portal.stop().await;
}

/// Whoever saw the printed ID can lock only themselves out: the bank clerk, from another
/// address, still verifies with the right names.
#[tokio::test]
async fn a_lock_from_one_client_leaves_the_others_verifying() {
    let dir = tempfile::tempdir().unwrap();
    let secret = "segreto-di-cloudfront-0123456789abcdef";
    let portal = Portal::start_with(dir.path(), |mut s| {
        let mut config = s.config.as_ref().clone();
        config.origin_secret = Some(secret.into());
        s.config = std::sync::Arc::new(config);
        s
    })
    .await;
    let cert = issue(&portal).await;
    let attempt = |viewer: &'static str, cognome: String| {
        let url = format!("{}/verifica", portal.base);
        let (id, nome) = (cert.id.clone(), cert.person.nome.clone());
        async move {
            let r = client()
                .post(url)
                .header(verify::ORIGIN_HEADER, secret)
                .header("CloudFront-Viewer-Address", viewer)
                .form(&[
                    ("codice", id.as_str()),
                    ("cognome", cognome.as_str()),
                    ("nome", nome.as_str()),
                ])
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    for _ in 0..5 {
        assert_eq!(
            attempt("203.0.113.5:41000", "Sbagliato".into()).await.0,
            404
        );
    }
    let (status, html) = attempt("203.0.113.5:41000", cert.person.cognome.clone()).await;
    assert_eq!(status, 429);
    let until = (portal.clock.now_utc() + Duration::minutes(15) + Duration::hours(1))
        .format("%H:%M")
        .to_string();
    assert!(
        html.contains(&format!("sospesa fino alle {until}")) && html.contains("codice QR"),
        "{until}: {html}"
    );
    let (status, html) = attempt("198.51.100.7:5000", cert.person.cognome.clone()).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Certificato valido"));
    portal.stop().await;
}

#[tokio::test]
async fn names_match_regardless_of_case_accents_apostrophes_and_spaces() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::start(dir.path()).await;
    let cert = issue(&portal).await;
    let surname = &cert.person.cognome;
    let mut accented = String::new();
    for (i, c) in surname.chars().enumerate() {
        accented.push(match (i, c) {
            (1, 'a') => 'à',
            (1, 'e') => 'è',
            (1, 'o') => 'ò',
            (1, 'i') => 'ì',
            (1, 'u') => 'ù',
            _ => c,
        });
    }
    let apostrophe = format!("{}'{}", &surname[..1], &surname[1..]);
    for variant in [
        surname.to_uppercase(),
        accented,
        apostrophe,
        format!("  {}  ", surname.to_lowercase()),
    ] {
        let (status, html) = submit(
            &portal,
            &cert.id,
            &variant,
            &cert.person.nome.to_lowercase(),
        )
        .await;
        assert_eq!(status, 200, "{variant:?} did not match: {html}");
    }
    portal.stop().await;
}

#[tokio::test]
async fn sixth_wrong_try_is_locked_but_the_qr_link_still_works() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::start(dir.path()).await;
    let cert = issue(&portal).await;
    for i in 0..5 {
        let (status, _) = submit(&portal, &cert.id, "Sbagliato", &format!("Nome{i}")).await;
        assert_eq!(status, 404);
    }
    let r = client()
        .post(format!("{}/verifica", portal.base))
        .form(&[
            ("codice", cert.id.as_str()),
            ("cognome", cert.person.cognome.as_str()),
            ("nome", cert.person.nome.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429, "locked even with the right names");
    assert!(r.headers().contains_key("retry-after"));
    let html = r.text().await.unwrap();
    assert!(
        html.contains("Troppi tentativi errati per questo certificato")
            && html.contains("codice QR"),
        "{html}"
    );
    let (status, _, _) = get(&local(&portal, &cert.link)).await;
    assert_eq!(status, 200, "the QR link keeps working");
    // The lock ends after its period.
    portal.clock.advance(Duration::minutes(16));
    let (status, _) = submit(&portal, &cert.id, &cert.person.cognome, &cert.person.nome).await;
    assert_eq!(status, 200);
    // Counted by outcome: five wrong, one locked, the QR link and the last form valid.
    let count = |outcome| portal.metric("Verifications", &[("Outcome", outcome)]);
    assert_eq!(
        (count("not_found"), count("locked"), count("valid")),
        (5, 1, 2)
    );
    portal.stop().await;
}

#[tokio::test]
async fn a_client_trying_many_codes_is_rate_limited() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::start(dir.path()).await;
    let mut last = 0;
    for i in 0..31 {
        let (status, _) =
            submit(&portal, &format!("{:010}", 1_000_000 + i), "Rossi", "Mario").await;
        last = status;
        if i < 30 {
            assert_eq!(status, 404, "attempt {i}");
        }
    }
    assert_eq!(last, 429);
    let (status, html) = submit(&portal, "0000000000", "Rossi", "Mario").await;
    assert_eq!(status, 429);
    assert!(html.contains("da questo collegamento"));
    portal.stop().await;
}

#[tokio::test]
async fn after_six_months_the_answer_is_expired_and_nothing_is_served() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::start(dir.path()).await;
    let cert = issue(&portal).await;
    let (status, _, body) = get(&local(&portal, &cert.link)).await;
    assert_eq!(status, 200);
    let html = String::from_utf8(body).unwrap();
    let href = format!("{}{}", portal.base, download_href(&html));

    portal.clock.advance(Duration::days(182));
    let (status, _, body) = get(&local(&portal, &cert.link)).await;
    assert_eq!(status, 410);
    let html = String::from_utf8(body).unwrap();
    assert!(
        html.contains("Certificato scaduto") && html.contains("Scaduto il</dt><dd>23/05/2027"),
        "{html}"
    );
    assert!(!html.contains("/originale"), "no download offered");
    let (status, headers, _) = get(&href).await;
    assert_eq!(status, 410, "the original is no longer served");
    assert_ne!(headers["content-type"], "application/pdf");
    let (status, _) = submit(&portal, &cert.id, &cert.person.cognome, &cert.person.nome).await;
    assert_eq!(status, 410);
    portal.stop().await;
}

#[tokio::test]
async fn the_form_page_is_accessible_html_and_empty_fields_are_explained() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::start(dir.path()).await;
    let (status, _, body) = get(&format!("{}/verifica", portal.base)).await;
    assert_eq!(status, 200);
    let html = String::from_utf8(body).unwrap();
    assert!(
        html.contains("<html lang=\"it\">")
            && html.contains("<label for=\"codice\">")
            && html.contains("name=\"viewport\"")
    );
    let (status, html) = submit(&portal, "", "Rossi", "").await;
    assert_eq!(status, 400);
    assert!(html.contains("Compila tutti i campi") && html.contains("value=\"Rossi\""));
    let (status, _, css) = get(&format!("{}/verifica/stile.css", portal.base)).await;
    assert_eq!(status, 200);
    assert!(String::from_utf8(css).unwrap().contains(".esito"));
    portal.stop().await;
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Behind CloudFront every request comes from an edge address: the limit keys on the
/// viewer's address that CloudFront forwards, trusted only with the distribution's secret
/// origin header.
#[tokio::test]
async fn the_rate_limit_keys_on_the_viewer_behind_cloudfront() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::start_with(dir.path(), |mut s| {
        let mut config = s.config.as_ref().clone();
        config.origin_secret = Some("segreto-di-cloudfront-0123456789abcdef".into());
        s.config = std::sync::Arc::new(config);
        s
    })
    .await;
    let attempt = |viewer: &'static str, secret: &'static str| {
        let url = format!("{}/verifica", portal.base);
        async move {
            client()
                .post(url)
                .header(verify::ORIGIN_HEADER, secret)
                .header("CloudFront-Viewer-Address", viewer)
                .form(&[
                    ("codice", "0000000000"),
                    ("cognome", "Rossi"),
                    ("nome", "Mario"),
                ])
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    let secret = "segreto-di-cloudfront-0123456789abcdef";
    for i in 0..30 {
        assert_eq!(
            attempt("203.0.113.5:41000", secret).await,
            404,
            "attempt {i}"
        );
    }
    assert_eq!(
        attempt("203.0.113.5:41999", secret).await,
        429,
        "the same viewer, another port"
    );
    // Another viewer behind the same edge is not blocked.
    assert_eq!(attempt("198.51.100.7:5000", secret).await, 404);
    assert_eq!(attempt("2001:db8::7:5000", secret).await, 404);
    // Without the secret the header is not trusted: the edge (here the TCP peer) is the
    // client, still unlimited after these.
    assert_eq!(attempt("203.0.113.5:41000", "indovinato").await, 404);
    portal.stop().await;
}
