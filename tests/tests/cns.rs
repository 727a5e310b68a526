//! CNS / TS-CNS login end to end: a test PKI made with openssl (a trusted CA with its CRL
//! served here, an untrusted one, one card per case), the local runner's TLS login host, and
//! a real TLS client presenting each card. Only the good card opens a session, for its
//! codice fiscale; every bad one gets its Italian page and no session; a good card of
//! someone not in the registry gets the first-access page.

use std::path::{Path, PathBuf};
use std::process::Command;

use axum::routing::{get, post};
use chrono::NaiveDate;
use e2e::Portal;
use shared::cns::{tsl, CnsSettings, RevocationPolicy};
use shared::domain::codice_fiscale::{check_character, CodiceFiscale};
use shared::domain::person::Sesso;
use shared::services::audit::{self, AuditAction};

fn pki(dir: &Path, crl_url: &str, ocsp_url: &str, cf: &str) -> PathBuf {
    let bad = {
        let right = cf.chars().last().unwrap();
        let wrong = if right == 'A' { 'B' } else { 'A' };
        format!("{}{wrong}", &cf[..15])
    };
    let unknown = CodiceFiscale::compute(
        "Nessuno",
        "Ignoto",
        Sesso::M,
        NaiveDate::from_ymd_opt(1970, 2, 2).unwrap(),
        "F205",
    );
    assert_eq!(
        check_character(&unknown.as_str().as_bytes()[..15]),
        unknown.as_str().chars().last().unwrap()
    );
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/cns/make-pki.sh");
    let out = Command::new("bash")
        .args([
            script,
            dir.to_str().unwrap(),
            crl_url,
            cf,
            &bad,
            unknown.as_str(),
            ocsp_url,
        ])
        .output()
        .expect("openssl available");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir.to_path_buf()
}

/// Serves the trusted CA's CRL and its OCSP responder — openssl's, answering from the CA's
/// database each request — (read when asked: the PKI is made after the server starts). The
/// CRL's and the responder's addresses.
async fn revocation_server(dir: PathBuf) -> (String, String) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let crl_dir = dir.clone();
    let app = axum::Router::new()
        .route(
            "/ca.crl",
            get(move || {
                let path = crl_dir.join("trusted/crl.der");
                async move { std::fs::read(path).unwrap_or_default() }
            }),
        )
        .route(
            "/ocsp",
            post(move |request: axum::body::Bytes| {
                let dir = dir.clone();
                async move {
                    tokio::task::spawn_blocking(move || ocsp_answer(&dir, &request))
                        .await
                        .unwrap()
                }
            }),
        );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("{base}/ca.crl"), format!("{base}/ocsp"))
}

/// `openssl ocsp` as the CA's responder, signing with the CA's key, for one request.
fn ocsp_answer(dir: &Path, request: &[u8]) -> Vec<u8> {
    let n = uuid_like();
    let (req, resp) = (
        dir.join(format!("req-{n}.der")),
        dir.join(format!("resp-{n}.der")),
    );
    std::fs::write(&req, request).unwrap();
    let t = |p: &str| dir.join("trusted").join(p).to_str().unwrap().to_string();
    let out = Command::new("openssl")
        .args([
            "ocsp",
            "-index",
            &t("index.txt"),
            "-CA",
            &t("ca.pem"),
            "-rsigner",
            &t("ca.pem"),
            "-rkey",
            &t("key.pem"),
            "-nmin",
            "5",
        ])
        .args([
            "-reqin",
            req.to_str().unwrap(),
            "-respout",
            resp.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read(resp).unwrap()
}

fn uuid_like() -> u64 {
    static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    N.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

struct Attempt {
    url: String,
    status: u16,
    page: String,
    me: serde_json::Value,
}

/// A browser with the card `case` (none: no card) going through "Entra con CNS".
async fn attempt(portal: &Portal, pki: &Path, case: Option<&str>) -> Attempt {
    let server = std::fs::read(portal.state.config.data_dir.join("cns/server.pem")).unwrap();
    let mut builder = reqwest::Client::builder()
        .cookie_store(true)
        .tls_certs_only([reqwest::Certificate::from_pem(&server).unwrap()]);
    if let Some(case) = case {
        let mut pem = std::fs::read(pki.join(format!("{case}.pem"))).unwrap();
        pem.extend(std::fs::read(pki.join(format!("{case}.key"))).unwrap());
        builder = builder.identity(reqwest::Identity::from_pem(&pem).unwrap());
    }
    let client = builder.build().unwrap();
    let resp = client
        .get(format!("{}/cns/start", portal.base))
        .send()
        .await
        .unwrap();
    let (url, status) = (resp.url().to_string(), resp.status().as_u16());
    let page = resp.text().await.unwrap();
    let me = client
        .get(format!("{}/api/me", portal.base))
        .send()
        .await
        .unwrap();
    let me = if me.status() == 200 {
        me.json().await.unwrap()
    } else {
        serde_json::Value::Null
    };
    Attempt {
        url,
        status,
        page,
        me,
    }
}

#[tokio::test]
async fn only_a_good_card_opens_a_session_and_every_bad_one_is_told_why() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let portal = Portal::start(&data).await;
    let citizen = portal.citizen();
    portal.stop().await;

    let pki_dir = dir.path().join("pki");
    std::fs::create_dir_all(&pki_dir).unwrap();
    let (crl_url, ocsp_url) = revocation_server(pki_dir.clone()).await;
    let pki = pki(&pki_dir, &crl_url, &ocsp_url, &citizen.codice_fiscale);
    let tls = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mut cns = CnsSettings::off();
    cns.trust_bundle = Some(pki.join("trusted/ca.pem"));
    cns.base_url = format!("https://{}", tls.local_addr().unwrap());
    cns.revocation = RevocationPolicy::FailClosed;
    let portal = Portal::start_with_cns(&data, cns, tls).await;
    // openssl's OCSP answers carry the real time: the portal's clock must agree.
    portal.clock.set(chrono::Utc::now());

    // The good card: a session for its holder, named from the registry — whether its status
    // comes from the CRL (good), from OCSP with the CRL unreachable (ocspgood), or from the CRL
    // with the OCSP responder unreachable (ocspdown).
    for case in ["good", "ocspgood", "ocspdown"] {
        let good = attempt(&portal, &pki, Some(case)).await;
        assert!(good.url.ends_with("/famiglia.html"), "{case}: {}", good.url);
        assert_eq!(good.me["codice_fiscale"], citizen.codice_fiscale.as_str());
        assert_eq!(good.me["cognome"], citizen.cognome.as_str());
        assert_eq!(good.me["idp"], "cns");
        assert_eq!(good.me["level"], 2);
    }

    for (case, code, words) in [
        (None, "nessun-certificato", "Nessuna carta presentata"),
        (
            Some("nopolicy"),
            "non-cns",
            "non è quello di autenticazione di una Carta Nazionale dei Servizi",
        ),
        (Some("expired"), "scaduta", "Carta scaduta"),
        (Some("revoked"), "revocata", "Carta revocata o sospesa"),
        (Some("ocsprevoked"), "revocata", "Carta revocata o sospesa"),
        (
            Some("wrongeku"),
            "uso-non-consentito",
            "Carta non abilitata all&#39;accesso",
        ),
        (
            Some("noslash"),
            "codice-fiscale",
            "Codice fiscale non leggibile",
        ),
        (
            Some("badcf"),
            "codice-fiscale",
            "Codice fiscale non leggibile",
        ),
        (
            Some("untrusted"),
            "non-riconosciuta",
            "Carta non riconosciuta",
        ),
        (
            Some("nocrl"),
            "stato-non-verificabile",
            "Verifica della carta non disponibile",
        ),
    ] {
        let a = attempt(&portal, &pki, case).await;
        assert!(
            a.url.ends_with(&format!("/cns/esito?motivo={code}")),
            "{case:?}: {}",
            a.url
        );
        assert!(a.status >= 400, "{case:?}: {}", a.status);
        let page = a.page.replace("&#39;", "'");
        assert!(
            page.contains(&words.replace("&#39;", "'")),
            "{case:?}: {page}"
        );
        assert!(page.contains(r#"<html lang="it">"#));
        assert!(a.me.is_null(), "{case:?}: no session");
    }

    // A good card of someone not in the registry: the first-access page, no session.
    let unknown = attempt(&portal, &pki, Some("unknown")).await;
    assert!(unknown.url.contains("/cns/complete"), "{}", unknown.url);
    assert!(
        unknown.page.contains("Non risulti iscritto nell"),
        "{}",
        unknown.page
    );
    assert!(unknown.me.is_null());

    // Every attempt is in the audit trail: the refusals with their outcome and issuer.
    let day = audit::records_of_day(&portal.state, portal.clock.now_utc())
        .await
        .unwrap();
    let refused: Vec<_> = day
        .iter()
        .filter(|r| r.action == AuditAction::CnsLoginRefused)
        .collect();
    assert_eq!(refused.len(), 10);
    assert!(refused.iter().all(|r| r.subjects.is_empty()));
    assert!(refused.iter().any(|r| r.detail.as_deref()
        == Some("esito revocata, emittente Regione di prova - CA Cittadini")));
    assert!(day.iter().any(|r| r.action == AuditAction::Login
        && r.subjects == vec![citizen.codice_fiscale.clone()]
        && r.detail.as_deref() == Some("CNS, emittente Regione di prova - CA Cittadini")));

    // The login host serves only the login; a ticket is for the browser that started.
    let server = std::fs::read(data.join("cns/server.pem")).unwrap();
    let tls_client = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(&server).unwrap()])
        .build()
        .unwrap();
    let other = tls_client
        .get(format!("{}/api/me", portal.state.config.cns.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 404);
    portal.stop().await;
}

#[test]
fn the_trust_bundle_keeps_only_current_idv_cas_not_expired() {
    let dir = tempfile::tempdir().unwrap();
    let pki = pki(
        dir.path(),
        "http://127.0.0.1:9/ca.crl",
        "http://127.0.0.1:9/ocsp",
        "RSSMRA80A01H501U",
    );
    let b64 = |p: &str| {
        let pem = std::fs::read_to_string(pki.join(p)).unwrap();
        pem.lines()
            .filter(|l| !l.starts_with("-----"))
            .collect::<String>()
    };
    let service = |name: &str, kind: &str, status: &str, cert: String| {
        format!(
            r#"<TrustServiceProvider><TSPServices><TSPService><ServiceInformation>
<ServiceTypeIdentifier>{kind}</ServiceTypeIdentifier>
<ServiceName><Name xml:lang="it">{name}</Name></ServiceName>
<ServiceDigitalIdentity><DigitalId><X509Certificate>{cert}</X509Certificate></DigitalId></ServiceDigitalIdentity>
<ServiceStatus>http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/{status}</ServiceStatus>
</ServiceInformation></TSPService></TSPServices></TrustServiceProvider>"#
        )
    };
    let tsl_xml = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<TrustServiceStatusList xmlns="http://uri.etsi.org/02231/v2#"><TrustServiceProviderList>{}{}{}{}</TrustServiceProviderList></TrustServiceStatusList>"#,
        service(
            "CA Cittadini",
            tsl::IDV,
            "recognisedatnationallevel",
            b64("trusted/ca.pem")
        ),
        service(
            "CA scaduta",
            tsl::IDV,
            "recognisedatnationallevel",
            b64("expired-ca.pem")
        ),
        service(
            "CA firma qualificata",
            "http://uri.etsi.org/TrstSvc/Svctype/CA/QC",
            "granted",
            b64("other/ca.pem")
        ),
        service("CA ritirata", tsl::IDV, "withdrawn", b64("other/ca.pem")),
    );
    // The ops command an operator runs on AgID's file writes the bundle the portal loads.
    let (tsl_path, out) = (dir.path().join("TSL-IT.xml"), dir.path().join("trust.pem"));
    std::fs::write(&tsl_path, &tsl_xml).unwrap();
    let said = e2e::aws::ops_command(
        "auth",
        &[
            "cns-trust",
            tsl_path.to_str().unwrap(),
            out.to_str().unwrap(),
        ],
        &[],
    );
    assert!(
        said.contains("incluso: CA Cittadini")
            && said.contains("escluso: CA scaduta (certificato scaduto)"),
        "{said}"
    );
    let (pem, report) = tsl::bundle(&tsl_xml, chrono::Utc::now()).unwrap();
    assert_eq!(std::fs::read_to_string(&out).unwrap(), pem);
    assert_eq!(report.included, vec!["CA Cittadini"]);
    let skipped: Vec<_> = report
        .skipped
        .iter()
        .map(|(n, why)| (n.as_str(), *why))
        .collect();
    assert_eq!(
        skipped,
        vec![
            ("CA scaduta", "certificato scaduto"),
            ("CA firma qualificata", "non è un servizio IdV"),
            ("CA ritirata", "stato non in vigore"),
        ]
    );
    let bundle = shared::cns::TrustBundle::from_pem(&pem).unwrap();
    assert_eq!(bundle.len(), 1);
    let trusted = std::fs::read_to_string(pki.join("trusted/ca.pem")).unwrap();
    assert_eq!(
        shared::cns::certificates(&pem).unwrap(),
        shared::cns::certificates(&trusted).unwrap()
    );
}

/// The answer with one bit of its signature flipped.
fn tampered(answer: &[u8]) -> Vec<u8> {
    use der::{Decode, Encode};
    use x509_ocsp::{BasicOcspResponse, OcspResponse};
    let mut resp = OcspResponse::from_der(answer).unwrap();
    let bytes = resp.response_bytes.as_mut().unwrap();
    let mut basic = BasicOcspResponse::from_der(bytes.response.as_bytes()).unwrap();
    let mut sig = basic.signature.raw_bytes().to_vec();
    sig[8] ^= 1;
    basic.signature = der::asn1::BitString::from_bytes(&sig).unwrap();
    bytes.response = der::asn1::OctetString::new(basic.to_der().unwrap()).unwrap();
    resp.to_der().unwrap()
}

#[test]
fn ocsp_answers_of_the_cas_responder_are_checked_and_understood() {
    use der::DecodePem;
    use shared::cns::ocsp::{request, status, Status};
    let dir = tempfile::tempdir().unwrap();
    let pki = pki(
        dir.path(),
        "http://127.0.0.1:9/ca.crl",
        "http://127.0.0.1:9/ocsp",
        "RSSMRA80A01H501U",
    );
    let read =
        |p: &str| x509_cert::Certificate::from_pem(std::fs::read(pki.join(p)).unwrap()).unwrap();
    let (ca, other) = (read("trusted/ca.pem"), read("other/ca.pem"));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    for (case, expected) in [("ocspgood", Status::Good), ("ocsprevoked", Status::Revoked)] {
        let card = read(&format!("{case}.pem"));
        assert_eq!(
            shared::cns::ocsp::responders(&card),
            vec!["http://127.0.0.1:9/ocsp".to_string()]
        );
        let (req, id) = request(&ca, &card).unwrap();
        let answer = ocsp_answer(&pki, &req);
        assert_eq!(status(&answer, &ca, &id, now), Ok(expected), "{case}");
        // Not signed by the card's CA, not current, or tampered with: refused.
        assert!(status(&answer, &other, &id, now).is_err());
        assert!(status(&answer, &ca, &id, now + 3600).is_err());
        assert!(status(&tampered(&answer), &ca, &id, now).is_err());
    }
}
