//! The Response the demo identity provider signs: SPID-shaped, or as the CIE IdP answers.

use chrono::{SecondsFormat, Utc};
use samael::crypto::{Crypto, CryptoProvider};

pub(crate) fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// An enveloped signature template (RSA-SHA256, exclusive c14n) over the element `id`, for
/// `Crypto::sign_xml` to fill.
fn template(id: &str) -> String {
    format!(
        r##"<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo><ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/><ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/><ds:Reference URI="#{id}"><ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/><ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue/></ds:Reference></ds:SignedInfo><ds:SignatureValue/></ds:Signature>"##
    )
}

/// A SPID-shaped Response; fields are public so tests can craft faulty ones.
pub struct ResponseSpec {
    pub idp: String,
    pub sp: String,
    pub acs: String,
    pub in_response_to: String,
    pub issued: chrono::DateTime<Utc>,
    pub not_before: chrono::DateTime<Utc>,
    pub until: chrono::DateTime<Utc>,
    pub level: u8,
    /// The Response's Issuer with `Format` (SPID); the CIE IdP sends it without.
    pub response_issuer_format: bool,
    pub attributes: Vec<(String, String)>,
}

impl ResponseSpec {
    /// The Response XML; with `signature_template` the Assertion carries the enveloped
    /// signature template that `Crypto::sign_xml` fills.
    pub fn xml(&self, signature_template: bool) -> String {
        let ts = |t: chrono::DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Millis, true);
        let (issued, not_before, until) = (ts(self.issued), ts(self.not_before), ts(self.until));
        let assertion_id = format!("_{}", uuid::Uuid::new_v4());
        let response_id = format!("_{}", uuid::Uuid::new_v4());
        let attributes: String = self
            .attributes
            .iter()
            .map(|(name, value)| format!(r#"<saml:Attribute Name="{}"><saml:AttributeValue xsi:type="xs:string">{}</saml:AttributeValue></saml:Attribute>"#, esc(name), esc(value)))
            .collect();
        let signature = if signature_template {
            template(&assertion_id)
        } else {
            String::new()
        };
        let (eid, sp, acs, req) = (
            esc(&self.idp),
            esc(&self.sp),
            esc(&self.acs),
            esc(&self.in_response_to),
        );
        let level = self.level;
        let format = if self.response_issuer_format {
            r#" Format="urn:oasis:names:tc:SAML:2.0:nameid-format:entity""#
        } else {
            ""
        };
        format!(
            r##"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ID="{response_id}" Version="2.0" IssueInstant="{issued}" Destination="{acs}" InResponseTo="{req}"><saml:Issuer{format}>{eid}</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status><saml:Assertion ID="{assertion_id}" Version="2.0" IssueInstant="{issued}"><saml:Issuer Format="urn:oasis:names:tc:SAML:2.0:nameid-format:entity">{eid}</saml:Issuer>{signature}<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:transient" NameQualifier="{eid}">_{nameid}</saml:NameID><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData InResponseTo="{req}" NotOnOrAfter="{until}" Recipient="{acs}"/></saml:SubjectConfirmation></saml:Subject><saml:Conditions NotBefore="{not_before}" NotOnOrAfter="{until}"><saml:AudienceRestriction><saml:Audience>{sp}</saml:Audience></saml:AudienceRestriction></saml:Conditions><saml:AuthnStatement AuthnInstant="{issued}" SessionIndex="_{session}"><saml:AuthnContext><saml:AuthnContextClassRef>https://www.spid.gov.it/SpidL{level}</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement><saml:AttributeStatement>{attributes}</saml:AttributeStatement></saml:Assertion></samlp:Response>"##,
            nameid = uuid::Uuid::new_v4().simple(),
            session = uuid::Uuid::new_v4().simple(),
        )
    }

    /// The Response as SPID IdPs send it: the Assertion signed, then the Response around it
    /// (its signature after its Issuer, covering the Assertion's).
    pub fn signed(&self, key_der: &[u8]) -> Result<String, String> {
        let inner = Crypto::sign_xml(self.xml(true), key_der).map_err(|e| e.to_string())?;
        let start = inner.find("<samlp:Response ").ok_or("no Response")?;
        let id = inner[start..]
            .split(" ID=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .ok_or("no Response ID")?;
        let end = "</saml:Issuer>";
        let at = inner.find(end).ok_or("no Response Issuer")? + end.len();
        let outer = format!("{}{}{}", &inner[..at], template(id), &inner[at..]);
        Crypto::sign_xml(outer, key_der).map_err(|e| e.to_string())
    }
}
