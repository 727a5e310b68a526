//! Login with SAML through the demo IdP, exactly as CONTRACT.md describes, and the checks of
//! the ACS: each faulty Response is refused with a 4xx page and no session.

use std::io::Read;

use anagrafe_local::demo_idp::ResponseSpec;
use base64::{engine::general_purpose::STANDARD as B64, Engine as _};
use chrono::Duration;
use e2e::{today, Portal};
use samael::crypto::{Crypto, CryptoProvider};
use serde_json::{json, Value};
use shared::domain::person::{Persona, PosizioneAnagrafica};

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

use e2e::hidden_input;

const DS: &str = "http://www.w3.org/2000/09/xmldsig#";

/// The `name=value` of the cookie `name` a response sets, unless it removes it.
fn set_cookie(r: &reqwest::Response, name: &str) -> Option<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .find(|v| v.starts_with(&format!("{name}=")) && !v.contains("Max-Age=0"))
        .map(|v| v.split(';').next().unwrap().to_string())
}

/// Starts a login at the demo IdP: the pending request's ID, the RelayState and the
/// browser-binding cookie.
async fn start(portal: &Portal, level: u8) -> (String, String, String) {
    let r = client()
        .get(format!("{}/saml/login?idp=demo&level={level}", portal.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    let browser = set_cookie(&r, "anagrafe_login").expect("the login is bound to the browser");
    let location = r.headers()["location"].to_str().unwrap().to_string();
    assert!(
        location.starts_with(&format!("{}/demo-idp/sso?SAMLRequest=", portal.base)),
        "{location}"
    );
    let url = reqwest::Url::parse(&location).unwrap();
    let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(
        q["SigAlg"],
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
    );
    assert!(!q["Signature"].is_empty() && !q["RelayState"].contains("http"));
    let raw = B64.decode(&q["SAMLRequest"]).unwrap();
    let mut xml = String::new();
    flate2::read::DeflateDecoder::new(raw.as_slice())
        .read_to_string(&mut xml)
        .unwrap();
    let req: samael::schema::AuthnRequest = xml.parse().unwrap();
    assert_eq!(req.force_authn, Some(level > 1));
    (req.id, q["RelayState"].clone(), browser)
}

fn spec(portal: &Portal, request_id: &str, who: &Persona, level: u8) -> ResponseSpec {
    let now = portal.clock.now_utc();
    ResponseSpec {
        idp: format!("{}/demo-idp/metadata", portal.base),
        sp: format!("{}/saml/metadata", portal.base),
        acs: format!("{}/saml/acs", portal.base),
        in_response_to: request_id.to_string(),
        issued: now,
        not_before: now,
        until: now + Duration::minutes(5),
        level,
        response_issuer_format: true,
        attributes: vec![
            (
                "fiscalNumber".into(),
                format!("TINIT-{}", who.codice_fiscale),
            ),
            ("name".into(), who.nome.clone()),
            ("familyName".into(), who.cognome.clone()),
        ],
    }
}

fn demo_key(portal: &Portal) -> Vec<u8> {
    let pem = std::fs::read(portal.state.config.data_dir.join("demo-idp/idp-key.pem")).unwrap();
    openssl::pkey::PKey::private_key_from_pem(&pem)
        .unwrap()
        .private_key_to_der()
        .unwrap()
}

fn sign(xml: String, key_der: &[u8]) -> String {
    Crypto::sign_xml(xml, key_der).unwrap()
}

async fn post_acs(
    portal: &Portal,
    xml: &str,
    relay: &str,
    browser: &str,
) -> (u16, Option<String>, String) {
    let r = client()
        .post(format!("{}/saml/acs", portal.base))
        .header("Cookie", browser)
        .form(&[
            ("SAMLResponse", B64.encode(xml)),
            ("RelayState", relay.to_string()),
        ])
        .send()
        .await
        .unwrap();
    let cookie = set_cookie(&r, "anagrafe_session");
    (r.status().as_u16(), cookie, r.text().await.unwrap())
}

/// A login started at `idp` and followed to the demo IdP: the browser cookie, the SSO address
/// and the demo IdP's page.
async fn demo_page(portal: &Portal, idp: &str) -> (String, String, String) {
    let r = client()
        .get(format!("{}/saml/login?idp={idp}", portal.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    let browser = set_cookie(&r, "anagrafe_login").unwrap();
    let sso = r.headers()["location"].to_str().unwrap().to_string();
    let page = client()
        .get(&sso)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    (browser, sso, page)
}

/// The demo IdP's auto-posting answer for `who`, chosen on its `page`.
async fn demo_answer(portal: &Portal, page: &str, who: &Persona) -> String {
    let mut form = vec![("fiscalNumber", who.codice_fiscale.clone())];
    for field in ["request_id", "relay_state", "level", "profile"] {
        form.push((field, hidden_input(page, field)));
    }
    client()
        .post(format!("{}/demo-idp/login", portal.base))
        .form(&form)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

#[tokio::test]
async fn login_through_the_demo_idp_over_plain_http_reads_the_household() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::start(dir.path()).await;
    let me = portal.citizen();
    let (_, relay, _) = start(&portal, 2).await;
    // Follow the redirect to the demo IdP, pick the citizen, get the auto-posting form.
    let (browser, _, page) = demo_page(&portal, "demo").await;
    assert!(
        page.contains(&me.codice_fiscale),
        "the demo citizens are listed"
    );
    let answer = demo_answer(&portal, &page, &me).await;
    assert!(answer.contains(&format!("action=\"{}/saml/acs\"", portal.base)));
    let saml_response = hidden_input(&answer, "SAMLResponse");
    let relay_state = hidden_input(&answer, "RelayState");
    assert_ne!(relay_state, relay, "each login has its own RelayState");
    // As SPID IdPs answer: the Response signed (after its Issuer), around the signed Assertion.
    let xml = String::from_utf8(B64.decode(&saml_response).unwrap()).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let root = doc.root_element();
    let signed = |e: roxmltree::Node| {
        let sig = e.children().find(|c| c.has_tag_name((DS, "Signature")));
        sig.and_then(|s| s.descendants().find(|d| d.has_tag_name((DS, "Reference"))))
            .and_then(|r| r.attribute("URI"))
            .map(String::from)
    };
    let elements: Vec<_> = root.children().filter(|c| c.is_element()).collect();
    assert_eq!(
        elements[1].tag_name().name(),
        "Signature",
        "the Response's signature after its Issuer"
    );
    assert_eq!(
        signed(root),
        Some(format!("#{}", root.attribute("ID").unwrap()))
    );
    let assertion = elements
        .iter()
        .find(|e| e.tag_name().name() == "Assertion")
        .unwrap();
    assert_eq!(
        signed(*assertion),
        Some(format!("#{}", assertion.attribute("ID").unwrap()))
    );
    let r = client()
        .post(format!("{}/saml/acs", portal.base))
        .header("Cookie", &browser)
        .form(&[
            ("SAMLResponse", saml_response.clone()),
            ("RelayState", relay_state.clone()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/famiglia.html");
    let set_cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|v| v.starts_with("anagrafe_session="))
        .unwrap();
    assert!(
        set_cookie.contains("HttpOnly")
            && set_cookie.contains("SameSite=Lax")
            && set_cookie.contains("Path=/"),
        "{set_cookie}"
    );
    let cookie = set_cookie.split(';').next().unwrap().to_string();

    let (status, me_json) = portal.get("/api/me", Some(&cookie)).await;
    assert_eq!(status, 200);
    assert_eq!(me_json["codice_fiscale"], me.codice_fiscale.as_str());
    assert_eq!(me_json["level"], 2);
    assert!(
        me_json["email"].as_str().unwrap().ends_with("@example.org"),
        "pre-filled from the SPID attribute"
    );
    assert_eq!(me_json["csrf_token"].as_str().unwrap().len(), 32);
    let (status, household) = portal.get("/api/household", Some(&cookie)).await;
    assert_eq!(status, 200);
    assert!(household["members"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["codice_fiscale"] == me.codice_fiscale.as_str()));

    let logins = [("Idp", "demo"), ("Outcome", "session")];
    assert_eq!(portal.metric("Logins", &logins), 1, "the login counted");
    // The same Response again is a replay.
    let (status, set, _) = post_acs(
        &portal,
        &String::from_utf8(B64.decode(&saml_response).unwrap()).unwrap(),
        &relay_state,
        &browser,
    )
    .await;
    assert!(status >= 400 && set.is_none());

    // Mio account: e-mail and PEC, validated.
    let put = |body: Value| {
        client()
            .put(format!("{}/api/me", portal.base))
            .header("Cookie", &cookie)
            .header("X-CSRF-Token", me_json["csrf_token"].as_str().unwrap())
            .json(&body)
            .send()
    };
    let r = put(json!({"email": "nuovo@example.org", "pec": "mario@pec.example.it"}))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (_, after) = portal.get("/api/me", Some(&cookie)).await;
    assert_eq!(
        (after["email"].as_str(), after["pec"].as_str()),
        (Some("nuovo@example.org"), Some("mario@pec.example.it"))
    );
    let r = put(json!({"email": "non valida"})).await.unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.json::<Value>().await.unwrap()["message"]
        .as_str()
        .unwrap()
        .contains("Indirizzo e-mail non valido"));

    // GET shows the logout button and ends nothing; a POST without the token is refused.
    let csrf = me_json["csrf_token"].as_str().unwrap();
    let logout = format!("{}/saml/logout", portal.base);
    let r = client()
        .get(&logout)
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    assert!(page.contains(r#"method="post" action="/saml/logout""#) && page.contains(csrf));
    assert_eq!(portal.get("/api/me", Some(&cookie)).await.0, 200);
    let r = client()
        .post(&logout)
        .header("Cookie", &cookie)
        .form(&[("csrf_token", "sbagliato")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(portal.get("/api/me", Some(&cookie)).await.0, 200);

    // Logout (POST with the token) ends the session.
    let r = client()
        .post(&logout)
        .header("Cookie", &cookie)
        .form(&[("csrf_token", csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/uscito.html");
    assert!(r.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .contains("Max-Age=0"));
    let (status, _) = portal.get("/api/me", Some(&cookie)).await;
    assert_eq!(status, 401);
    portal.stop().await;
}

#[tokio::test]
async fn every_faulty_response_is_refused_without_a_session() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::start(dir.path()).await;
    let me = portal.citizen();
    let key = demo_key(&portal);
    let other_key = openssl::pkey::PKey::from_rsa(openssl::rsa::Rsa::generate(2048).unwrap())
        .unwrap()
        .private_key_to_der()
        .unwrap();

    type Case = Box<dyn Fn(&mut ResponseSpec, &mut Vec<u8>, &mut bool)>;
    let cases: Vec<(&str, Case)> = vec![
        (
            "expired assertion",
            Box::new(|s, _, _| s.until = s.issued - Duration::minutes(10)),
        ),
        (
            "future NotBefore",
            Box::new(|s, _, _| s.not_before = s.issued + Duration::minutes(10)),
        ),
        (
            "wrong Audience",
            Box::new(|s, _, _| s.sp = "https://altro.example/saml/metadata".into()),
        ),
        (
            "wrong Destination and Recipient",
            Box::new(|s, _, _| s.acs = "https://altro.example/saml/acs".into()),
        ),
        (
            "unknown InResponseTo",
            Box::new(|s, _, _| s.in_response_to = "_sconosciuto".into()),
        ),
        (
            "signed by an unknown key",
            Box::new(move |_, k, _| *k = other_key.clone()),
        ),
        (
            "unsigned assertion",
            Box::new(|_, _, signed| *signed = false),
        ),
        (
            "level lower than requested",
            Box::new(|s, _, _| s.level = 1),
        ),
    ];
    for (name, mutate) in cases {
        let (request_id, relay, browser) = start(&portal, 2).await;
        let mut s = spec(&portal, &request_id, &me, 2);
        let (mut k, mut signed) = (key.clone(), true);
        mutate(&mut s, &mut k, &mut signed);
        let xml = if signed {
            sign(s.xml(true), &k)
        } else {
            s.xml(false)
        };
        let (status, cookie, page) = post_acs(&portal, &xml, &relay, &browser).await;
        assert!((400..500).contains(&status), "{name}: status {status}");
        assert!(cookie.is_none(), "{name}: a session was created");
        assert!(page.contains("lang=\"it\""), "{name}: an Italian page");
    }

    // Wrong Recipient alone (Destination right).
    let (request_id, relay, browser) = start(&portal, 2).await;
    let good = sign(spec(&portal, &request_id, &me, 2).xml(true), &key);
    let wrong_recipient = good.replacen(
        &format!("Recipient=\"{}/saml/acs\"", portal.base),
        "Recipient=\"https://altro.example/acs\"",
        1,
    );
    assert_ne!(good, wrong_recipient);
    let (status, cookie, _) = post_acs(&portal, &wrong_recipient, &relay, &browser).await;
    assert!(status >= 400 && cookie.is_none(), "wrong Recipient");

    // An attribute changed after signing.
    let (request_id, relay, browser) = start(&portal, 2).await;
    let signed = sign(spec(&portal, &request_id, &me, 2).xml(true), &key);
    let stranger = portal
        .demo()
        .into_iter()
        .find(|p| {
            p.posizione_at(today()) == Some(PosizioneAnagrafica::Residente)
                && p.codice_fiscale != me.codice_fiscale
        })
        .unwrap();
    let tampered = signed.replace(&me.codice_fiscale, &stranger.codice_fiscale);
    let (status, cookie, _) = post_acs(&portal, &tampered, &relay, &browser).await;
    assert!(status >= 400 && cookie.is_none(), "tampered attribute");

    // A non-Success status with SPID's error code: the prescribed message.
    let (request_id, relay, browser) = start(&portal, 2).await;
    let error = format!(
        r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_e" Version="2.0" IssueInstant="{}" Destination="{}/saml/acs" InResponseTo="{request_id}"><saml:Issuer>{}/demo-idp/metadata</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Responder"><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:AuthnFailed"/></samlp:StatusCode><samlp:StatusMessage>ErrorCode nr22</samlp:StatusMessage></samlp:Status></samlp:Response>"#,
        portal.clock.now_utc().to_rfc3339(),
        portal.base,
        portal.base
    );
    let (status, cookie, page) = post_acs(&portal, &error, &relay, &browser).await;
    assert_eq!(status, 403);
    assert!(cookie.is_none());
    assert!(page.contains("Hai negato il consenso"), "{page}");

    // The correct Response to the last request works: the checks are not just refusing all.
    let (request_id, relay, browser) = start(&portal, 2).await;
    let (status, cookie, _) = post_acs(
        &portal,
        &sign(spec(&portal, &request_id, &me, 2).xml(true), &key),
        &relay,
        &browser,
    )
    .await;
    assert_eq!(status, 303);
    assert!(cookie.is_some());
    // A RelayState nobody issued.
    let (status, cookie, page) = post_acs(
        &portal,
        &sign(spec(&portal, &request_id, &me, 2).xml(true), &key),
        "0000",
        &browser,
    )
    .await;
    assert_eq!(status, 400);
    assert!(cookie.is_none() && page.contains("scaduta"));
    portal.stop().await;
}

#[tokio::test]
async fn metadata_is_signed_and_spid_shaped() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::start(dir.path()).await;
    let r = client()
        .get(format!("{}/saml/metadata", portal.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let xml = r.text().await.unwrap();
    for expected in [
        "<ds:SignatureValue>",
        "AuthnRequestsSigned=\"true\"",
        "<spid:IPACode>c_x000</spid:IPACode>",
        "<spid:Public/>",
        "contactType=\"other\"",
        "RequestedAttribute Name=\"fiscalNumber\"",
        "index=\"0\" isDefault=\"true\"",
    ] {
        assert!(xml.contains(expected), "metadata lacks {expected}");
    }
    assert!(!xml.contains("<ds:SignatureValue/>"), "signature filled in");
    let (status, idps) = portal.get("/api/auth/idps", None).await;
    assert_eq!(status, 200);
    assert_eq!(idps["idps"][0]["key"], "demo");
    let r = client()
        .get(format!("{}/saml/login?idp=nessuno", portal.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("Gestore dell'identità sconosciuto"));
    portal.stop().await;
}

#[tokio::test]
async fn cie_has_its_own_federation_metadata_and_a_demo_cie_login_is_level_3() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::start(dir.path()).await;
    let me = portal.citizen();

    // Its own entity and signed metadata: the administrative contact with the cie:
    // extensions (the comune's Belfiore code), Company, only the CIE attributes.
    let xml = client()
        .get(format!("{}/saml/cie/metadata", portal.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let cie_entity = format!("{}/saml/cie/metadata", portal.base);
    for expected in [
        format!("entityID=\"{cie_entity}\""),
        "xmlns:cie=\"https://www.cartaidentita.interno.gov.it/saml-extensions\"".into(),
        "contactType=\"administrative\"".into(),
        "<cie:Public/><cie:IPACode>c_x000</cie:IPACode><cie:IPACategory>L6</cie:IPACategory><cie:Municipality>X000</cie:Municipality><cie:Province>SI</cie:Province><cie:Country>IT</cie:Country>".into(),
        "<md:Company>Comune di Valdemo</md:Company>".into(),
        "<md:EmailAddress>protocollo@comune.example</md:EmailAddress>".into(),
    ] {
        assert!(xml.contains(&expected), "CIE metadata lacks {expected}: {xml}");
    }
    let requested: Vec<&str> = xml
        .split("RequestedAttribute Name=\"")
        .skip(1)
        .map(|s| s.split('"').next().unwrap())
        .collect();
    assert_eq!(
        requested,
        ["name", "familyName", "dateOfBirth", "fiscalNumber"]
    );
    assert!(!xml.contains("spid:") && !xml.contains("<ds:SignatureValue/>"));

    // The login uses it: an AuthnRequest from the CIE entity, ForceAuthn, to the demo CIE
    // IdP (whose entityID is its SSO URL).
    let (status, idps) = portal.get("/api/auth/idps", None).await;
    assert_eq!(status, 200);
    assert!(idps["idps"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["key"] == "demo-cie" && i["kind"] == "cie"));
    let (browser, sso, page) = demo_page(&portal, "demo-cie").await;
    assert!(
        sso.starts_with(&format!("{}/demo-idp/cie/sso?", portal.base)),
        "{sso}"
    );
    let url = reqwest::Url::parse(&sso).unwrap();
    let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    let raw = B64.decode(&q["SAMLRequest"]).unwrap();
    let mut request = String::new();
    flate2::read::DeflateDecoder::new(raw.as_slice())
        .read_to_string(&mut request)
        .unwrap();
    let req: samael::schema::AuthnRequest = request.parse().unwrap();
    assert_eq!(req.force_authn, Some(true));
    assert_eq!(req.issuer.unwrap().value.unwrap(), cie_entity);
    let answer = demo_answer(&portal, &page, &me).await;
    let response =
        String::from_utf8(B64.decode(hidden_input(&answer, "SAMLResponse")).unwrap()).unwrap();
    // As the Ministry's IdP answers: Response Issuer without Format, SpidL3, no e-mail.
    assert!(response.contains(&format!(
        "<saml:Issuer>{}/demo-idp/cie/sso</saml:Issuer>",
        portal.base
    )));
    assert!(response.contains("https://www.spid.gov.it/SpidL3") && !response.contains("\"email\""));
    let r = client()
        .post(format!("{}/saml/acs", portal.base))
        .header("Cookie", &browser)
        .form(&[
            ("SAMLResponse", hidden_input(&answer, "SAMLResponse")),
            ("RelayState", hidden_input(&answer, "RelayState")),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let cookie = set_cookie(&r, "anagrafe_session").unwrap();
    let (status, me_json) = portal.get("/api/me", Some(&cookie)).await;
    assert_eq!(status, 200);
    assert_eq!(me_json["codice_fiscale"], me.codice_fiscale.as_str());
    assert_eq!(me_json["level"], 3);
    assert_eq!(me_json["idp"], "demo-cie");

    // A Response for the SPID entity is not one for the CIE login (wrong Audience).
    let (browser, _, page) = demo_page(&portal, "demo-cie").await;
    let (request_id, relay) = (
        hidden_input(&page, "request_id"),
        hidden_input(&page, "relay_state"),
    );
    let mut wrong = spec(&portal, &request_id, &me, 3);
    wrong.idp = format!("{}/demo-idp/cie/sso", portal.base);
    wrong.response_issuer_format = false;
    let (status, set, _) = post_acs(
        &portal,
        &sign(wrong.xml(true), &demo_key(&portal)),
        &relay,
        &browser,
    )
    .await;
    assert!(
        status >= 400 && set.is_none(),
        "audience of the SPID entity refused"
    );
    // The same answer addressed to the CIE entity is accepted: the audience was the fault.
    wrong.sp = cie_entity.clone();
    let (status, set, _) = post_acs(
        &portal,
        &sign(wrong.xml(true), &demo_key(&portal)),
        &relay,
        &browser,
    )
    .await;
    assert_eq!(status, 303);
    assert!(set.is_some());
    portal.stop().await;
}
