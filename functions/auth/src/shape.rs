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
