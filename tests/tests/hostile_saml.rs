//! An attacker's answers at the ACS: none crashes, stalls or steers the service, and none
//! opens a session. Each test asserts that the portal still answers afterwards.

use std::io::Read;
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anagrafe_local::demo_idp::ResponseSpec;
use base64::{engine::general_purpose::STANDARD as B64, Engine as _};
use e2e::Portal;
use samael::crypto::{Crypto, CryptoProvider};
use shared::domain::person::Persona;

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// A pending login: request ID, RelayState, the browser-binding cookie.
struct Login {
    request_id: String,
    relay: String,
    browser: String,
}

async fn start(portal: &Portal, level: &str) -> (Login, String) {
    let r = client()
        .get(format!("{}/saml/login?idp=demo&level={level}", portal.base))
        .send()
        .await
        .unwrap();
    let browser = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .find(|v| v.starts_with("anagrafe_login="))
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let location = reqwest::Url::parse(r.headers()["location"].to_str().unwrap()).unwrap();
    let q: std::collections::HashMap<_, _> = location.query_pairs().into_owned().collect();
    let raw = B64.decode(&q["SAMLRequest"]).unwrap();
    let mut xml = String::new();
    flate2::read::DeflateDecoder::new(raw.as_slice())
        .read_to_string(&mut xml)
        .unwrap();
    let req: samael::schema::AuthnRequest = xml.parse().unwrap();
    let login = Login {
        request_id: req.id,
        relay: q["RelayState"].clone(),
        browser,
    };
    (login, xml)
}

fn spec(portal: &Portal, login: &Login, who: &Persona, level: u8) -> ResponseSpec {
    let now = portal.clock.now_utc();
    ResponseSpec {
        idp: format!("{}/demo-idp/metadata", portal.base),
        sp: format!("{}/saml/metadata", portal.base),
        acs: format!("{}/saml/acs", portal.base),
        in_response_to: login.request_id.clone(),
        issued: now,
        not_before: now,
        until: now + chrono::Duration::minutes(5),
        level,
        response_issuer_format: true,
        attributes: vec![(
            "fiscalNumber".into(),
            format!("TINIT-{}", who.codice_fiscale),
        )],
    }
}

fn signed(portal: &Portal, xml: String) -> String {
    let pem = std::fs::read(portal.state.config.data_dir.join("demo-idp/idp-key.pem")).unwrap();
    let der = openssl::pkey::PKey::private_key_from_pem(&pem)
        .unwrap()
        .private_key_to_der()
        .unwrap();
    Crypto::sign_xml(xml, &der).unwrap()
}

/// Posts the answer with the login's browser cookie (or `cookie`); status, session cookie
/// set, time taken.
async fn post(
    portal: &Portal,
    login: &Login,
    xml: &str,
    cookie: Option<&str>,
) -> (u16, bool, Duration) {
    let t = Instant::now();
    let r = client()
        .post(format!("{}/saml/acs", portal.base))
        .header("Cookie", cookie.unwrap_or(&login.browser))
        .form(&[
            ("SAMLResponse", B64.encode(xml)),
            ("RelayState", login.relay.clone()),
        ])
        .send()
        .await
        .unwrap();
    let session = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .any(|v| v.to_str().unwrap().starts_with("anagrafe_session="));
    (r.status().as_u16(), session, t.elapsed())
}

async fn still_alive(portal: &Portal) {
    let (status, body) = portal.get("/api/health/auth", None).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("ok")));
}

/// A `ds:Signature` placed first in the Response, with `reference` as its only Reference.
fn with_attacker_signature(good: &str, reference: &str) -> String {
    let sig = format!(
        r##"<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo><ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/><ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>{reference}</ds:SignedInfo><ds:SignatureValue>AAAA</ds:SignatureValue></ds:Signature>"##
    );
    let at = good.find("<saml:Issuer").unwrap();
    format!("{}{sig}{}", &good[..at], &good[at..])
}

/// The ID of the Response element.
fn response_id(xml: &str) -> String {
    let at = xml.find("<samlp:Response").unwrap();
    let from = at + xml[at..].find(" ID=\"").unwrap() + 5;
    xml[from..from + xml[from..].find('"').unwrap()].to_string()
}

fn reference(uri: &str, transforms: &str) -> String {
    format!(
        r#"<ds:Reference URI="{uri}"><ds:Transforms>{transforms}</ds:Transforms><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue>AAAA</ds:DigestValue></ds:Reference>"#
    )
}

const ENVELOPED: &str =
    r#"<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>"#;

/// A listener that counts the connections it gets.
fn counting_listener() -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let count = Arc::new(AtomicUsize::new(0));
    let c = count.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            c.fetch_add(1, Ordering::SeqCst);
            drop(conn);
        }
    });
    (port, count)
}

#[tokio::test]
async fn deep_and_huge_answers_are_refused_and_the_service_lives_on() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::start(dir.path()).await;
    let (login, _) = start(&portal, "2").await;
    // 2 MB of nesting: refused at the body limit, before any parsing.
    let deep = format!(
        "<samlp:Response>{}{}</samlp:Response>",
        "<a>".repeat(350_000),
        "</a>".repeat(350_000)
    );
    let (status, session, _) = post(&portal, &login, &deep, None).await;
    assert!((400..500).contains(&status) && !session, "{status}");
    // Under the body limit, but 3,000 levels deep in an unsigned part (the old crash).
    let good = spec(&portal, &login, &portal.citizen(), 2).xml(true);
    let nested = format!("{}{}", "<x>".repeat(3000), "</x>".repeat(3000));
    let deep = good.replacen("<samlp:Status>", &format!("{nested}<samlp:Status>"), 1);
    assert!(deep.len() < 40 * 1024);
    let (status, session, _) = post(&portal, &login, &deep, None).await;
    assert!((400..500).contains(&status) && !session, "{status}");
    // A DTD with entities.
    let dtd =
        format!("<!DOCTYPE r [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;\">]>{good}");
    let (status, session, _) = post(&portal, &login, &dtd, None).await;
    assert!((400..500).contains(&status) && !session, "{status}");
    still_alive(&portal).await;
    portal.stop().await;
}

#[tokio::test]
async fn references_outside_the_document_are_never_followed() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::start(dir.path()).await;
    let who = portal.citizen();
    let (port, connections) = counting_listener();
    let fifo = dir.path().join("fifo");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let fifo_uri = fifo.to_str().unwrap().to_string();
    let xslt = format!(
        r#"<ds:Transform Algorithm="http://www.w3.org/TR/1999/REC-xslt-19991116"><xsl:stylesheet xmlns:xsl="http://www.w3.org/1999/XSL/Transform" version="1.0"><xsl:import href="http://127.0.0.1:{port}/xslt"/><xsl:template match="/"><xsl:call-template name="t"><xsl:with-param name="n" select="22"/></xsl:call-template></xsl:template><xsl:template name="t"><xsl:param name="n"/><xsl:if test="$n &gt; 0"><xsl:call-template name="t"><xsl:with-param name="n" select="$n - 1"/></xsl:call-template><xsl:call-template name="t"><xsl:with-param name="n" select="$n - 1"/></xsl:call-template></xsl:if></xsl:template></xsl:stylesheet></ds:Transform>"#
    );
    type Case = (&'static str, Box<dyn Fn(&str) -> String>);
    let cases: Vec<Case> = vec![
        (
            "http reference",
            Box::new(move |_| reference(&format!("http://127.0.0.1:{port}/ssrf"), ENVELOPED)),
        ),
        (
            "file reference",
            Box::new(move |_| reference(&fifo_uri, ENVELOPED)),
        ),
        (
            "xpointer",
            Box::new(|_| reference("#xpointer(//*[count(//*)>1])", ENVELOPED)),
        ),
        // The right URI: what is refused is the transform.
        (
            "xslt",
            Box::new(move |id| reference(&format!("#{id}"), &xslt)),
        ),
        (
            "200 references",
            Box::new(|id| {
                (0..200)
                    .map(|_| reference(&format!("#{id}"), ENVELOPED))
                    .collect()
            }),
        ),
    ];
    for (name, r) in cases {
        let (login, _) = start(&portal, "2").await;
        let good = signed(&portal, spec(&portal, &login, &who, 2).xml(true));
        let id = response_id(&good);
        let hostile = with_attacker_signature(&good, &r(&id));
        let fastest = {
            let mut best = Duration::MAX;
            for _ in 0..3 {
                let (status, session, took) = post(&portal, &login, &hostile, None).await;
                assert!((400..500).contains(&status) && !session, "{name}: {status}");
                best = best.min(took);
            }
            best
        };
        assert!(
            fastest < Duration::from_millis(100),
            "{name}: refused in {fastest:?}"
        );
    }
    assert_eq!(
        connections.load(Ordering::SeqCst),
        0,
        "no connection was made"
    );
    // Nobody opened the FIFO for reading: a writer that does not wait finds no reader.
    use std::os::unix::fs::OpenOptionsExt;
    let open = std::fs::OpenOptions::new()
        .write(true)
        .custom_flags(0o4000) // O_NONBLOCK
        .open(&fifo);
    assert_eq!(
        open.unwrap_err().raw_os_error(),
        Some(6),
        "ENXIO: no reader"
    );
    still_alive(&portal).await;
    portal.stop().await;
}

/// Even a document that skips the shape check (xmlsec called directly) cannot make xmlsec
/// fetch or open anything: its transforms and I/O are locked down at start.
#[tokio::test]
async fn xmlsec_itself_is_locked_down() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::start(dir.path()).await;
    let (port, connections) = counting_listener();
    let (login, _) = start(&portal, "2").await;
    let good = signed(
        &portal,
        spec(&portal, &login, &portal.citizen(), 2).xml(true),
    );
    let hostile = with_attacker_signature(
        &good,
        &reference(&format!("http://127.0.0.1:{port}/x"), ENVELOPED),
    );
    let cert = std::fs::read_to_string(dir.path().join("demo-idp/idp-cert.pem")).unwrap();
    let der = openssl::x509::X509::from_pem(cert.as_bytes())
        .unwrap()
        .to_der()
        .unwrap();
    let certs = vec![samael::crypto::CertificateDer::from(der)];
    assert!(!auth::checks::response_signed_by(&hostile, &certs));
    assert_eq!(connections.load(Ordering::SeqCst), 0);
    portal.stop().await;
}

#[tokio::test]
async fn an_answer_carried_into_another_browser_opens_no_session() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::start(dir.path()).await;
    let (login, _) = start(&portal, "2").await;
    let xml = signed(
        &portal,
        spec(&portal, &login, &portal.citizen(), 2).xml(true),
    );
    // Another browser: no login cookie, or another login's cookie.
    let (status, session, _) = post(&portal, &login, &xml, Some("")).await;
    assert!(
        (400..500).contains(&status) && !session,
        "no cookie: {status}"
    );
    let (another, _) = start(&portal, "2").await;
    let (status, session, _) = post(&portal, &login, &xml, Some(&another.browser)).await;
    assert!(
        (400..500).contains(&status) && !session,
        "another cookie: {status}"
    );
    // The browser that started it gets in with the same answer.
    let (status, session, _) = post(&portal, &login, &xml, None).await;
    assert_eq!((status, session), (303, true));
    still_alive(&portal).await;
    portal.stop().await;
}

#[tokio::test]
async fn an_unsigned_error_does_not_cancel_someone_elses_login() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::start(dir.path()).await;
    let (login, _) = start(&portal, "2").await;
    let error = format!(
        r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_e" Version="2.0" IssueInstant="{}" Destination="{}/saml/acs" InResponseTo="{}"><saml:Issuer>{}/demo-idp/metadata</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Responder"/><samlp:StatusMessage>ErrorCode nr25</samlp:StatusMessage></samlp:Status></samlp:Response>"#,
        portal.clock.now_utc().to_rfc3339(),
        portal.base,
        login.request_id,
        portal.base
    );
    let (status, session, _) = post(&portal, &login, &error, None).await;
    assert_eq!((status, session), (403, false));
    // The real answer still completes the login.
    let xml = signed(
        &portal,
        spec(&portal, &login, &portal.citizen(), 2).xml(true),
    );
    let (status, session, _) = post(&portal, &login, &xml, None).await;
    assert_eq!((status, session), (303, true));
    portal.stop().await;
}

#[tokio::test]
async fn a_lower_level_never_reaches_registry_data() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::start(dir.path()).await;
    let who = portal.citizen();
    // Asking for level 1 still asks the IdP for the configured level 2.
    let (login, request) = start(&portal, "1").await;
    assert!(
        request.contains("https://www.spid.gov.it/SpidL2"),
        "{request}"
    );
    let at_one = signed(&portal, spec(&portal, &login, &who, 1).xml(true));
    let (status, session, _) = post(&portal, &login, &at_one, None).await;
    assert!(
        (400..500).contains(&status) && !session,
        "an answer at level 1: {status}"
    );
    // A session at level 1 (however obtained) reads no registry data, and is told how to
    // log in again.
    let mut identity = portal.session(&who, false).await;
    let token = identity.cookie.split('=').nth(1).unwrap().to_string();
    let mut s = shared::services::sessions::get(&portal.state, &token)
        .await
        .unwrap()
        .unwrap();
    s.identity.level = 1;
    shared::services::sessions::save(&portal.state, &token, &s)
        .await
        .unwrap();
    identity.csrf = s.csrf_token;
    let (status, body) = portal.get("/api/household", Some(&identity.cookie)).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["error"], "insufficient_level");
    assert!(body["message"]
        .as_str()
        .unwrap()
        .contains("livello di sicurezza 2"));
    assert_eq!(body["login"], "/saml/login?idp=test&level=2");
    portal.stop().await;
}

#[tokio::test]
async fn the_demo_idp_inflates_requests_within_a_bound() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::start(dir.path()).await;
    // 50 MB of one byte deflate to about 50 KB.
    let mut z = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    z.write_all(&vec![b'<'; 50 * 1024 * 1024]).unwrap();
    let bomb = B64.encode(z.finish().unwrap());
    assert!(bomb.len() < 200 * 1024);
    let t = Instant::now();
    let r = client()
        .post(format!("{}/demo-idp/sso", portal.base))
        .form(&[("SAMLRequest", bomb.as_str()), ("RelayState", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("AuthnRequest mancante o illeggibile"));
    assert!(t.elapsed() < Duration::from_secs(1), "{:?}", t.elapsed());
    still_alive(&portal).await;
    portal.stop().await;
}

/// The bounds leave a wide margin over what an identity provider really sends: the demo
/// IdP's answer (measured here) and spid-sp-test's 111 (README, "Login").
#[tokio::test]
async fn real_answers_fit_the_bounds_with_a_margin() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::start(dir.path()).await;
    let (login, _) = start(&portal, "2").await;
    let xml = signed(&portal, {
        let mut s = spec(&portal, &login, &portal.citizen(), 2);
        s.attributes.extend([
            ("name".into(), "Mario".into()),
            ("familyName".into(), "Rossi".into()),
            ("email".into(), "mario.rossi@example.org".into()),
            ("digitalAddress".into(), "mario.rossi@pec.example.it".into()),
            ("dateOfBirth".into(), "1980-01-01".into()),
        ]);
        s.xml(true)
    });
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let depth = doc
        .descendants()
        .map(|n| n.ancestors().count())
        .max()
        .unwrap();
    let nodes = doc.descendants().count();
    let b64 = B64.encode(&xml).len();
    println!(
        "demo IdP answer: {} bytes XML, {b64} bytes base64, depth {depth}, {nodes} nodes",
        xml.len()
    );
    let limits = shared::xml::SAML_RESPONSE;
    assert!(xml.len() * 4 < limits.max_bytes, "size margin");
    assert!(b64 * 4 < auth::saml::ACS_LIMIT, "body margin");
    assert!((depth as u32) * 3 < limits.max_depth, "depth margin");
    assert!((nodes as u32) * 4 < limits.max_tokens, "node margin");
    portal.stop().await;
}
