//! What an SP must check on a SPID/CIE Response beyond samael's own validation (research
//! notes §2.3, test ids of spid-sp-test in brackets), run on the XML that xmlsec verified so
//! that only signed content is trusted. The caller has bounded the document
//! (`shared::xml`) and checked the shape of its signatures (`shape`).

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use roxmltree::{Document, Node};
use samael::crypto::{
    AllowedSignatureAlgorithm, CertificateDer, Crypto, CryptoProvider, ReduceMode,
};
use shared::xml;

use crate::sp::{ENTITY, TRANSIENT};

const SAMLP: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
const SAML: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
const DS: &str = "http://www.w3.org/2000/09/xmldsig#";
const SUCCESS: &str = "urn:oasis:names:tc:SAML:2.0:status:Success";

/// What the SP expects of the Response to one of its requests.
pub struct Expected<'a> {
    pub request_id: &'a str,
    pub request_instant: DateTime<Utc>,
    pub level: u8,
    pub sp_entity_id: &'a str,
    pub acs: &'a str,
    pub idp_entity_id: &'a str,
    pub now: DateTime<Utc>,
}

/// A Response that passed every check.
#[derive(Debug)]
pub struct Verified {
    pub assertion_id: String,
    pub not_on_or_after: DateTime<Utc>,
    pub level: u8,
    pub attributes: HashMap<String, String>,
}

fn is(n: Node, ns: &str, name: &str) -> bool {
    n.is_element() && n.tag_name().namespace() == Some(ns) && n.tag_name().name() == name
}

fn child<'a, 'i>(n: Node<'a, 'i>, ns: &str, name: &str) -> Option<Node<'a, 'i>> {
    n.children().find(|c| is(*c, ns, name))
}

fn nonempty<'a>(n: Node<'a, '_>, attr: &str) -> Result<&'a str, String> {
    match n.attribute(attr) {
        Some(v) if !v.trim().is_empty() => Ok(v),
        _ => Err(format!("{}@{attr} missing or empty", n.tag_name().name())),
    }
}

fn must_eq(n: Node, attr: &str, want: &str) -> Result<(), String> {
    if n.attribute(attr) == Some(want) {
        Ok(())
    } else {
        Err(format!(
            "{}@{attr} = {:?}, expected {want:?}",
            n.tag_name().name(),
            n.attribute(attr)
        ))
    }
}

fn time(n: Node, attr: &str) -> Result<DateTime<Utc>, String> {
    let v = nonempty(n, attr)?;
    DateTime::parse_from_rfc3339(v)
        .map(|d| d.with_timezone(&Utc))
        .map_err(|_| format!("{}@{attr} malformed", n.tag_name().name()))
}

/// The status of a Response that is not Success: its code and the StatusMessage, which
/// carries SPID's "ErrorCode nrNN".
pub fn status_message(doc: &Document) -> Option<(String, Option<String>)> {
    let status = child(doc.root_element(), SAMLP, "Status")?;
    let code = child(status, SAMLP, "StatusCode")?
        .attribute("Value")?
        .to_string();
    if code == SUCCESS {
        return None;
    }
    let message = child(status, SAMLP, "StatusMessage")
        .and_then(|m| m.text())
        .map(|t| t.trim().to_string());
    Some((code, message))
}

/// Whether the Response's own signature verifies with one of the IdP's certificates (an
/// error answer carries no Assertion).
pub fn response_signed_by(xml: &str, certs: &[CertificateDer]) -> bool {
    reduced(xml, certs).is_ok_and(|r| {
        xml::parse(&r, &xml::SAML_RESPONSE).is_ok_and(|d| is(d.root_element(), SAMLP, "Response"))
    })
}

fn reduced(xml: &str, certs: &[CertificateDer]) -> Result<String, String> {
    Crypto::reduce_xml_to_signed_with_allowed_algorithms(
        xml,
        certs,
        ReduceMode::ValidateAndMarkNoAncestors,
        Some(&[AllowedSignatureAlgorithm::RsaSha256]),
    )
    .map_err(|e| format!("signature: {e}"))
}

/// The signed Response (or its envelope) and the signed Assertion. Signed Response: the
/// verified root is the Response, whose Assertion must carry its own signature [3].
/// Unsigned Response (allowed): the verified root is the Assertion, and the envelope is
/// checked on the original, which must hold exactly that Assertion.
fn envelope<'a, 'i>(
    signed: &'a Document<'i>,
    original: &'a Document<'i>,
) -> Result<(Node<'a, 'i>, Node<'a, 'i>, bool), String> {
    let one_assertion = |r: Node<'a, 'i>| {
        let v: Vec<_> = r.children().filter(|n| is(*n, SAML, "Assertion")).collect();
        if v.len() == 1 {
            Ok(v[0])
        } else {
            Err("exactly one Assertion required".to_string())
        }
    };
    let root = signed.root_element();
    if is(root, SAMLP, "Response") {
        return Ok((root, one_assertion(root)?, false));
    }
    if !is(root, SAML, "Assertion") {
        return Err("unexpected signed element".into());
    }
    let r = original.root_element();
    if !is(r, SAMLP, "Response") {
        return Err("root is not samlp:Response".into());
    }
    if one_assertion(r)?.attribute("ID") != root.attribute("ID") {
        return Err("the signed Assertion is not the Response's only Assertion".into());
    }
    Ok((r, root, true))
}

/// The Response element [8-32].
fn response(root: Node, e: &Expected) -> Result<(), String> {
    let skew = Duration::seconds(60);
    must_eq(root, "Version", "2.0")?;
    nonempty(root, "ID")?;
    let ri = time(root, "IssueInstant")?;
    if ri < e.request_instant - skew || ri > e.now + skew {
        return Err("Response IssueInstant out of range".into());
    }
    must_eq(root, "InResponseTo", e.request_id)?;
    must_eq(root, "Destination", e.acs)?;
    let status = child(root, SAMLP, "Status").ok_or("Status missing")?;
    let sc = child(status, SAMLP, "StatusCode").ok_or("StatusCode missing")?;
    must_eq(sc, "Value", SUCCESS)?;
    let iss = child(root, SAML, "Issuer").ok_or("Response Issuer missing")?;
    if iss.text().map(str::trim) != Some(e.idp_entity_id) {
        return Err("Response Issuer is not the IdP".into());
    }
    if iss.attribute("Format").is_some_and(|f| f != ENTITY) {
        return Err("Response Issuer Format".into());
    }
    Ok(())
}

/// The Assertion's own attributes, signature and Issuer [33-45].
fn assertion(a: Node, assertion_is_root: bool, e: &Expected) -> Result<String, String> {
    let skew = Duration::seconds(60);
    must_eq(a, "Version", "2.0")?;
    let aid = nonempty(a, "ID")?.to_string();
    if !assertion_is_root {
        let sig = child(a, DS, "Signature").ok_or("Assertion not signed")?;
        let uri = sig
            .descendants()
            .find(|n| is(*n, DS, "Reference"))
            .and_then(|n| n.attribute("URI"))
            .unwrap_or("");
        if uri != format!("#{aid}") {
            return Err("the Assertion signature does not cover the Assertion".into());
        }
    }
    let ai = time(a, "IssueInstant")?;
    if ai < e.request_instant - skew || ai > e.now + skew {
        return Err("Assertion IssueInstant out of range".into());
    }
    let aiss = child(a, SAML, "Issuer").ok_or("Assertion Issuer missing")?;
    if aiss.text().map(str::trim) != Some(e.idp_entity_id) {
        return Err("Assertion Issuer is not the IdP".into());
    }
    must_eq(aiss, "Format", ENTITY)?;
    Ok(aid)
}

/// Subject and SubjectConfirmation [46-68]; the confirmation's expiry.
fn subject(a: Node, e: &Expected) -> Result<DateTime<Utc>, String> {
    let subject = child(a, SAML, "Subject").ok_or("Subject missing")?;
    let name_id = child(subject, SAML, "NameID").ok_or("NameID missing")?;
    if name_id.text().map(str::trim).unwrap_or("").is_empty() {
        return Err("NameID empty".into());
    }
    must_eq(name_id, "Format", TRANSIENT)?;
    nonempty(name_id, "NameQualifier")?;
    let conf = child(subject, SAML, "SubjectConfirmation").ok_or("SubjectConfirmation missing")?;
    must_eq(conf, "Method", "urn:oasis:names:tc:SAML:2.0:cm:bearer")?;
    let data =
        child(conf, SAML, "SubjectConfirmationData").ok_or("SubjectConfirmationData missing")?;
    must_eq(data, "Recipient", e.acs)?;
    must_eq(data, "InResponseTo", e.request_id)?;
    let until = time(data, "NotOnOrAfter")?;
    if until <= e.now - Duration::seconds(60) {
        return Err("SubjectConfirmationData expired".into());
    }
    Ok(until)
}

/// Conditions and Audience [69-84]; their expiry.
fn conditions(a: Node, e: &Expected) -> Result<DateTime<Utc>, String> {
    let skew = Duration::seconds(60);
    let cond = child(a, SAML, "Conditions").ok_or("Conditions missing")?;
    if time(cond, "NotBefore")? > e.now + skew {
        return Err("Conditions NotBefore in the future".into());
    }
    let until = time(cond, "NotOnOrAfter")?;
    if until <= e.now - skew {
        return Err("Conditions expired".into());
    }
    let restriction =
        child(cond, SAML, "AudienceRestriction").ok_or("AudienceRestriction missing")?;
    let audience = child(restriction, SAML, "Audience").ok_or("Audience missing")?;
    if audience.text().map(str::trim) != Some(e.sp_entity_id) {
        return Err("Audience is not this SP".into());
    }
    Ok(until)
}

/// The SPID level of the AuthnStatement [85-99], not lower than requested.
fn level(a: Node, e: &Expected) -> Result<u8, String> {
    let stmt = child(a, SAML, "AuthnStatement").ok_or("AuthnStatement missing")?;
    let ctx = child(stmt, SAML, "AuthnContext").ok_or("AuthnContext missing")?;
    let acr = child(ctx, SAML, "AuthnContextClassRef")
        .and_then(|n| n.text())
        .map(str::trim)
        .unwrap_or("");
    let level = match acr {
        "https://www.spid.gov.it/SpidL1" => 1,
        "https://www.spid.gov.it/SpidL2" => 2,
        "https://www.spid.gov.it/SpidL3" => 3,
        _ => return Err("AuthnContextClassRef not a SPID level".into()),
    };
    if level < e.level {
        return Err("authentication level lower than requested".into());
    }
    Ok(level)
}

fn attributes(a: Node) -> Result<HashMap<String, String>, String> {
    let mut out = HashMap::new();
    if let Some(st) = child(a, SAML, "AttributeStatement") {
        for at in st.children().filter(|n| is(*n, SAML, "Attribute")) {
            let v = child(at, SAML, "AttributeValue").ok_or("Attribute without AttributeValue")?;
            out.insert(
                at.attribute("Name").unwrap_or("").to_string(),
                v.text().unwrap_or("").trim().to_string(),
            );
        }
        if out.is_empty() {
            return Err("AttributeStatement without Attribute".into());
        }
    }
    Ok(out)
}

/// Verifies the signatures with the IdP's certificates and runs the SPID checks on what
/// they cover.
pub fn verify(
    xml: &str,
    original: &Document,
    certs: &[CertificateDer],
    e: &Expected,
) -> Result<Verified, String> {
    let reduced = reduced(xml, certs)?;
    let doc = xml::parse(&reduced, &xml::SAML_RESPONSE).map_err(|e| e.to_string())?;
    let (root, a, assertion_is_root) = envelope(&doc, original)?;
    response(root, e)?;
    let assertion_id = assertion(a, assertion_is_root, e)?;
    let data_until = subject(a, e)?;
    let cond_until = conditions(a, e)?;
    Ok(Verified {
        assertion_id,
        not_on_or_after: data_until.min(cond_until),
        level: level(a, e)?,
        attributes: attributes(a)?,
    })
}
