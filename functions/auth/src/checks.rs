//! What an SP must check on a SPID/CIE Response beyond samael's own validation (research
//! notes §2.3, test ids of spid-sp-test in brackets), run on the XML that xmlsec verified so
//! that only signed content is trusted.

use std::collections::HashMap;

use base64::{engine::general_purpose::STANDARD as B64, Engine as _};
use chrono::{DateTime, Duration, Utc};
use roxmltree::Node;
use samael::crypto::{
    AllowedSignatureAlgorithm, CertificateDer, Crypto, CryptoProvider, ReduceMode,
};

use crate::sp::{ENTITY, TRANSIENT};

const SAMLP: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
const SAML: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
const DS: &str = "http://www.w3.org/2000/09/xmldsig#";

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

/// The status of a Response that is not Success, from its (unauthenticated) XML: the
/// StatusMessage carries SPID's "ErrorCode nrNN".
pub fn status_message(xml: &str) -> Option<(String, Option<String>)> {
    let doc = roxmltree::Document::parse(xml).ok()?;
    let root = doc.root_element();
    let status = child(root, SAMLP, "Status")?;
    let code = child(status, SAMLP, "StatusCode")?
        .attribute("Value")?
        .to_string();
    if code.ends_with(":Success") {
        return None;
    }
    let message = child(status, SAMLP, "StatusMessage")
        .and_then(|m| m.text())
        .map(|t| t.trim().to_string());
    Some((code, message))
}

/// The XML of a base64 SAMLResponse, when it is UTF-8.
pub fn base64_xml(b64: &str) -> Option<String> {
    String::from_utf8(B64.decode(b64.trim().replace(['\r', '\n'], "")).ok()?).ok()
}

/// Verifies the signatures with the IdP's certificates and runs the SPID checks.
pub fn verify(b64: &str, certs: &[CertificateDer], e: &Expected) -> Result<Verified, String> {
    let bytes = B64
        .decode(b64.trim().replace(['\r', '\n'], ""))
        .map_err(|_| "SAMLResponse non in base64")?;
    let xml = String::from_utf8(bytes).map_err(|_| "SAMLResponse non UTF-8")?;
    let reduced = Crypto::reduce_xml_to_signed_with_allowed_algorithms(
        &xml,
        certs,
        ReduceMode::ValidateAndMarkNoAncestors,
        Some(&[AllowedSignatureAlgorithm::RsaSha256]),
    )
    .map_err(|e| format!("signature: {e}"))?;
    let doc = roxmltree::Document::parse(&reduced).map_err(|e| e.to_string())?;
    let orig = roxmltree::Document::parse(&xml).map_err(|e| e.to_string())?;
    let skew = Duration::seconds(60);
    let now = e.now;
    // Signed Response: the verified root is the Response, whose Assertion must carry its own
    // signature [3]. Unsigned Response (allowed): the verified root is the Assertion, and the
    // envelope is checked on the original XML, which must hold exactly that Assertion.
    let (root, a, assertion_is_root) = if is(doc.root_element(), SAMLP, "Response") {
        let r = doc.root_element();
        let v: Vec<_> = r.children().filter(|n| is(*n, SAML, "Assertion")).collect();
        if v.len() != 1 {
            return Err("exactly one Assertion required".into());
        }
        (r, v[0], false)
    } else if is(doc.root_element(), SAML, "Assertion") {
        let r = orig.root_element();
        if !is(r, SAMLP, "Response") {
            return Err("root is not samlp:Response".into());
        }
        let v: Vec<_> = r.children().filter(|n| is(*n, SAML, "Assertion")).collect();
        if v.len() != 1 || v[0].attribute("ID") != doc.root_element().attribute("ID") {
            return Err("the signed Assertion is not the Response's only Assertion".into());
        }
        (r, doc.root_element(), true)
    } else {
        return Err("unexpected signed element".into());
    };
    // Response [8-32]
    must_eq(root, "Version", "2.0")?;
    nonempty(root, "ID")?;
    let ri = time(root, "IssueInstant")?;
    if ri < e.request_instant - skew || ri > now + skew {
        return Err("Response IssueInstant out of range".into());
    }
    must_eq(root, "InResponseTo", e.request_id)?;
    must_eq(root, "Destination", e.acs)?;
    let status = child(root, SAMLP, "Status").ok_or("Status missing")?;
    let sc = child(status, SAMLP, "StatusCode").ok_or("StatusCode missing")?;
    must_eq(sc, "Value", "urn:oasis:names:tc:SAML:2.0:status:Success")?;
    let iss = child(root, SAML, "Issuer").ok_or("Response Issuer missing")?;
    if iss.text().map(str::trim) != Some(e.idp_entity_id) {
        return Err("Response Issuer is not the IdP".into());
    }
    if iss.attribute("Format").is_some_and(|f| f != ENTITY) {
        return Err("Response Issuer Format".into());
    }
    // Assertion [33-99]
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
    if ai < e.request_instant - skew || ai > now + skew {
        return Err("Assertion IssueInstant out of range".into());
    }
    let aiss = child(a, SAML, "Issuer").ok_or("Assertion Issuer missing")?;
    if aiss.text().map(str::trim) != Some(e.idp_entity_id) {
        return Err("Assertion Issuer is not the IdP".into());
    }
    must_eq(aiss, "Format", ENTITY)?;
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
    let data_until = time(data, "NotOnOrAfter")?;
    if data_until <= now - skew {
        return Err("SubjectConfirmationData expired".into());
    }
    let cond = child(a, SAML, "Conditions").ok_or("Conditions missing")?;
    if time(cond, "NotBefore")? > now + skew {
        return Err("Conditions NotBefore in the future".into());
    }
    let cond_until = time(cond, "NotOnOrAfter")?;
    if cond_until <= now - skew {
        return Err("Conditions expired".into());
    }
    let restriction =
        child(cond, SAML, "AudienceRestriction").ok_or("AudienceRestriction missing")?;
    let audience = child(restriction, SAML, "Audience").ok_or("Audience missing")?;
    if audience.text().map(str::trim) != Some(e.sp_entity_id) {
        return Err("Audience is not this SP".into());
    }
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
    let mut attributes = HashMap::new();
    if let Some(st) = child(a, SAML, "AttributeStatement") {
        for at in st.children().filter(|n| is(*n, SAML, "Attribute")) {
            let v = child(at, SAML, "AttributeValue").ok_or("Attribute without AttributeValue")?;
            attributes.insert(
                at.attribute("Name").unwrap_or("").to_string(),
                v.text().unwrap_or("").trim().to_string(),
            );
        }
        if attributes.is_empty() {
            return Err("AttributeStatement without Attribute".into());
        }
    }
    Ok(Verified {
        assertion_id: aid,
        not_on_or_after: data_until.min(cond_until),
        level,
        attributes,
    })
}
