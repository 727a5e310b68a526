//! The @e.bollo receipt (`marcaDaBollo`, Agenzia delle Entrate's MarcaDaBollo.xsd) as the
//! stand-in's PSP issues it: the PSP, the IUBD, the time, € 16,00, the document's SHA-256,
//! and an enveloped XML signature (exclusive C14N, ECDSA P-256 with SHA-256, the PSP's
//! certificate in KeyInfo). The XML is written already in its canonical form (no
//! whitespace between elements, each namespace declared where exclusive C14N renders it),
//! so the digest and the signature are computed over the very bytes sent.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use chrono::{DateTime, SecondsFormat, Utc};
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use sha2::{Digest, Sha256};

use crate::domain::payments::{DS, MDB};
const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
const SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";
const ECDSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256";
const ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";

/// What a marca da bollo digitale says.
pub struct Marca<'a> {
    pub psp_fiscal_code: &'a str,
    pub psp_name: &'a str,
    pub iubd: &'a str,
    pub bought_at: DateTime<Utc>,
    /// Base64 SHA-256 of the document it pays the duty of.
    pub document_sha256_b64: &'a str,
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn body(m: &Marca) -> String {
    format!(
        "<PSP><CodiceFiscale>{}</CodiceFiscale><Denominazione>{}</Denominazione></PSP>\
         <IUBD>{}</IUBD><OraAcquisto>{}</OraAcquisto><Importo>16.00</Importo><TipoBollo>01</TipoBollo>\
         <ImprontaDocumento><DigestMethod Algorithm=\"{SHA256}\"></DigestMethod>\
         <ds:DigestValue xmlns:ds=\"{DS}\">{}</ds:DigestValue></ImprontaDocumento>",
        escape(m.psp_fiscal_code),
        escape(m.psp_name),
        escape(m.iubd),
        m.bought_at.to_rfc3339_opts(SecondsFormat::Secs, true),
        escape(m.document_sha256_b64),
    )
}

/// The signed `marcaDaBollo` document.
pub fn signed(m: &Marca, key: &SigningKey, certificate_der: &[u8]) -> String {
    let unsigned = format!("<marcaDaBollo xmlns=\"{MDB}\">{}</marcaDaBollo>", body(m));
    let digest = B64.encode(Sha256::digest(unsigned.as_bytes()));
    let signed_info = |ns: &str| {
        format!(
            "<ds:SignedInfo{ns}><ds:CanonicalizationMethod Algorithm=\"{EXC_C14N}\"></ds:CanonicalizationMethod>\
             <ds:SignatureMethod Algorithm=\"{ECDSA_SHA256}\"></ds:SignatureMethod><ds:Reference URI=\"\">\
             <ds:Transforms><ds:Transform Algorithm=\"{ENVELOPED}\"></ds:Transform>\
             <ds:Transform Algorithm=\"{EXC_C14N}\"></ds:Transform></ds:Transforms>\
             <ds:DigestMethod Algorithm=\"{SHA256}\"></ds:DigestMethod><ds:DigestValue>{digest}</ds:DigestValue>\
             </ds:Reference></ds:SignedInfo>"
        )
    };
    // Canonicalized alone, SignedInfo carries the ds declaration it inherits in place.
    let signature: Signature = key.sign(signed_info(&format!(" xmlns:ds=\"{DS}\"")).as_bytes());
    format!(
        "<marcaDaBollo xmlns=\"{MDB}\">{}<ds:Signature xmlns:ds=\"{DS}\">{}\
         <ds:SignatureValue>{}</ds:SignatureValue><ds:KeyInfo><ds:X509Data>\
         <ds:X509Certificate>{}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></ds:Signature></marcaDaBollo>",
        body(m),
        signed_info(""),
        B64.encode(signature.to_bytes()),
        B64.encode(certificate_der),
    )
}
