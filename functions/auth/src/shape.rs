//! The shape a SAML signature must have, checked on the parsed tree before xmlsec sees the
//! document. xmlsec digests every Reference (fetching `http://` URIs, opening files,
//! running XSLT, evaluating XPointer) *before* it checks the SignatureValue, and samael
//! restricts neither URIs nor transforms: so anything but exactly what SPID signatures are
//! is refused here.
//!
//! Allowed: at most two signatures, one on the Response and one on its single Assertion,
//! each with SignedInfo (exclusive c14n, RSA-SHA256), SignatureValue and an optional KeyInfo;
//! exactly one Reference whose URI is `#` + the ID of the signed element, transforms
//! enveloped-signature and exclusive c14n (whose only parameter may be InclusiveNamespaces),
//! digest SHA-256. IDs unique, no `xml:id`, no nested or encrypted assertions.

use std::collections::HashSet;

use roxmltree::{Document, Node};

const SAMLP: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
const SAML: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
const DS: &str = "http://www.w3.org/2000/09/xmldsig#";
const EXC: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
const ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
const RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
const SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";
const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";

fn is(n: Node, ns: &str, name: &str) -> bool {
    n.is_element() && n.tag_name().namespace() == Some(ns) && n.tag_name().name() == name
}

fn elements<'a, 'i>(n: Node<'a, 'i>) -> impl Iterator<Item = Node<'a, 'i>> {
    n.children().filter(|c| c.is_element())
}

/// Whether the document has any signature at all (an unsigned error answer has none).
pub fn is_signed(doc: &Document) -> bool {
    doc.descendants().any(|n| is(n, DS, "Signature"))
}

/// Checks every element of the answer: IDs, assertions, and the shape of each signature.
pub fn check(doc: &Document) -> Result<(), &'static str> {
    let root = doc.root_element();
    if !is(root, SAMLP, "Response") {
        return Err("root is not samlp:Response");
    }
    let mut ids = HashSet::new();
    let mut signatures = 0;
    for n in doc.descendants().filter(|n| n.is_element()) {
        for a in n.attributes() {
            if a.namespace() == Some(XML_NS) && a.name() == "id" {
                return Err("xml:id");
            }
            if (a.name() == "ID" || a.name() == "Id") && !ids.insert(a.value()) {
                return Err("duplicate ID");
            }
        }
        if is(n, SAML, "EncryptedAssertion") {
            return Err("EncryptedAssertion");
        }
        if is(n, SAML, "Assertion") && n.parent_element() != Some(root) {
            return Err("nested Assertion");
        }
        if is(n, DS, "Signature") {
            let parent = n.parent_element().ok_or("Signature without parent")?;
            let on_assertion =
                is(parent, SAML, "Assertion") && parent.parent_element() == Some(root);
            if parent != root && !on_assertion {
                return Err("Signature outside the Response and its Assertion");
            }
            signatures += 1;
            signature(n, parent)?;
        }
    }
    if signatures > 2 {
        return Err("too many signatures");
    }
    Ok(())
}

fn signature(sig: Node, parent: Node) -> Result<(), &'static str> {
    let id = parent.attribute("ID").ok_or("signed element without ID")?;
    let kids: Vec<_> = elements(sig).collect();
    let shaped = matches!(kids.len(), 2 | 3)
        && is(kids[0], DS, "SignedInfo")
        && is(kids[1], DS, "SignatureValue")
        && kids.get(2).is_none_or(|k| is(*k, DS, "KeyInfo"));
    if !shaped {
        return Err("Signature children (no Object, no Manifest)");
    }
    let info: Vec<_> = elements(kids[0]).collect();
    let [c14n, method, reference] = info.as_slice() else {
        return Err("SignedInfo must hold exactly one Reference");
    };
    algorithm(*c14n, "CanonicalizationMethod", EXC)?;
    algorithm(*method, "SignatureMethod", RSA_SHA256)?;
    if !is(*reference, DS, "Reference") || reference.attribute("URI") != Some(&format!("#{id}")) {
        return Err("the Reference URI must be # and the ID of the signed element");
    }
    let parts: Vec<_> = elements(*reference).collect();
    let [transforms, digest, value] = parts.as_slice() else {
        return Err("Reference children");
    };
    let t: Vec<_> = elements(*transforms).collect();
    if !is(*transforms, DS, "Transforms") || t.is_empty() || t.len() > 2 {
        return Err("Transforms");
    }
    algorithm(t[0], "Transform", ENVELOPED)?;
    if let Some(t1) = t.get(1) {
        algorithm(*t1, "Transform", EXC)?;
    }
    algorithm(*digest, "DigestMethod", SHA256)?;
    if !is(*value, DS, "DigestValue") {
        return Err("DigestValue");
    }
    Ok(())
}

/// An algorithm element with the expected URI, whose only parameter may be the exclusive
/// c14n's InclusiveNamespaces.
fn algorithm(n: Node, name: &str, want: &str) -> Result<(), &'static str> {
    if !is(n, DS, name) || n.attribute("Algorithm") != Some(want) {
        return Err("algorithm not allowed");
    }
    if elements(n).any(|c| !is(c, EXC, "InclusiveNamespaces")) {
        return Err("algorithm parameters not allowed");
    }
    Ok(())
}

/// Hostile answers: random and mutated Responses, signed on the Response and on the
/// Assertion, through the bounded parser and this check, as `Saml::verify` takes them
/// before xmlsec: refused or accepted, never a panic; what is accepted has the allowed shape.
#[cfg(test)]
mod hostile {
    use super::*;
    use proptest::test_runner::{Config, TestRunner};
    use shared::testkit::hostile::{cases, mutated};

    fn signature(id: &str) -> String {
        format!(
            r##"<ds:Signature xmlns:ds="{DS}"><ds:SignedInfo><ds:CanonicalizationMethod Algorithm="{EXC}"/><ds:SignatureMethod Algorithm="{RSA_SHA256}"/><ds:Reference URI="#{id}"><ds:Transforms><ds:Transform Algorithm="{ENVELOPED}"/><ds:Transform Algorithm="{EXC}"><ec:InclusiveNamespaces xmlns:ec="{EXC}" PrefixList="xs"/></ds:Transform></ds:Transforms><ds:DigestMethod Algorithm="{SHA256}"/><ds:DigestValue>AAAA</ds:DigestValue></ds:Reference></ds:SignedInfo><ds:SignatureValue>AAAA</ds:SignatureValue><ds:KeyInfo><ds:X509Data><ds:X509Certificate>AAAA</ds:X509Certificate></ds:X509Data></ds:KeyInfo></ds:Signature>"##
        )
    }

    fn response() -> String {
        format!(
            r#"<samlp:Response xmlns:samlp="{SAMLP}" xmlns:saml="{SAML}" ID="_r1" Version="2.0" IssueInstant="2026-11-23T09:00:00Z" InResponseTo="_q1"><saml:Issuer>https://idp.example</saml:Issuer>{}<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status><saml:Assertion ID="_a1" Version="2.0" IssueInstant="2026-11-23T09:00:00Z"><saml:Issuer>https://idp.example</saml:Issuer>{}<saml:Subject><saml:NameID>x</saml:NameID></saml:Subject><saml:AttributeStatement><saml:Attribute Name="fiscalNumber"><saml:AttributeValue>TINIT-RSSMRA80A01H501U</saml:AttributeValue></saml:Attribute></saml:AttributeStatement></saml:Assertion></samlp:Response>"#,
            signature("_r1"),
            signature("_a1")
        )
    }

    #[test]
    fn mutated_responses_are_refused_or_well_shaped_never_a_panic() {
        let seed = response();
        let doc = shared::xml::parse(&seed, &shared::xml::SAML_RESPONSE).unwrap();
        assert_eq!(check(&doc), Ok(()), "the seed has the allowed shape");
        let mut runner = TestRunner::new(Config {
            cases: cases(),
            failure_persistence: None,
            ..Config::default()
        });
        let (accepted, total) = (std::cell::Cell::new(0u32), std::cell::Cell::new(0u32));
        runner
            .run(&mutated(vec![seed]), |xml| {
                total.set(total.get() + 1);
                let Ok(doc) = shared::xml::parse(&xml, &shared::xml::SAML_RESPONSE) else {
                    return Ok(());
                };
                if check(&doc).is_ok() {
                    accepted.set(accepted.get() + 1);
                    let signatures = doc.descendants().filter(|n| is(*n, DS, "Signature"));
                    proptest::prop_assert!(signatures.count() <= 2);
                    proptest::prop_assert!(is(doc.root_element(), SAMLP, "Response"));
                }
                Ok(())
            })
            .unwrap();
        let (accepted, total) = (accepted.get(), total.get());
        assert!(
            accepted < total,
            "mutations are refused too ({accepted} of {total})"
        );
    }
}
