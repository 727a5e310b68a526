//! The service provider's identity: its RSA key and certificate (created on first start for
//! local use, from configuration in the cloud), its SPID metadata (Avviso SPID 29 v3, written
//! as a template because samael cannot emit `md:Extensions`, then signed with samael's xmlsec
//! wrapper) and its AuthnRequests.

use std::path::{Path, PathBuf};

use base64::{engine::general_purpose::STANDARD as B64, Engine as _};
use chrono::{DateTime, Utc};
use openssl::asn1::Asn1Time;
use openssl::bn::{BigNum, MsbOption};
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::x509::{X509NameBuilder, X509};
use samael::crypto::{Crypto, CryptoProvider};
use samael::schema::{
    AuthnContextClassRef, AuthnContextComparison, AuthnRequest, Issuer, NameIdPolicy,
    RequestedAuthnContext,
};

use shared::config::{Config, IdpKind};

pub const ENTITY: &str = "urn:oasis:names:tc:SAML:2.0:nameid-format:entity";
pub const TRANSIENT: &str = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient";
pub const REDIRECT: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";
pub const POST: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST";

pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// The SP key and certificate.
pub struct Keys {
    pub key: PKey<Private>,
    pub cert: X509,
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A self-signed certificate with the subject SPID asks of public SPs: CN, O, uri (the
/// entityID), organizationIdentifier `PA:IT-<codice IPA>`, C=IT, L.
pub fn self_signed(
    key: &PKey<Private>,
    entity_id: &str,
    org: &str,
    city: &str,
    ipa: &str,
) -> Result<X509, Error> {
    let mut name = X509NameBuilder::new()?;
    name.append_entry_by_text("C", "IT")?;
    name.append_entry_by_text("L", city)?;
    name.append_entry_by_text("O", org)?;
    name.append_entry_by_text("CN", org)?;
    name.append_entry_by_text("2.5.4.83", entity_id)?;
    name.append_entry_by_text("2.5.4.97", &format!("PA:IT-{ipa}"))?;
    let name = name.build();
    let mut b = X509::builder()?;
    b.set_version(2)?;
    let mut serial = BigNum::new()?;
    serial.rand(127, MsbOption::MAYBE_ZERO, false)?;
    let serial = serial.to_asn1_integer()?;
    b.set_serial_number(&serial)?;
    b.set_subject_name(&name)?;
    b.set_issuer_name(&name)?;
    b.set_pubkey(key)?;
    let (from, to) = (
        Asn1Time::days_from_now(0)?,
        Asn1Time::days_from_now(3 * 365)?,
    );
    b.set_not_before(&from)?;
    b.set_not_after(&to)?;
    b.sign(key, MessageDigest::sha256())?;
    Ok(b.build())
}

fn write_private(path: &Path, data: &[u8]) -> Result<(), Error> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, data)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600))?;
    }
    std::fs::rename(&tmp, path)?;
    Ok(())
}

/// Loads a key and certificate from PEM files, or creates them in `dir` on first start.
pub fn load_or_create(
    key_file: &Path,
    cert_file: &Path,
    subject: (&str, &str, &str, &str),
) -> Result<Keys, Error> {
    if key_file.exists() && cert_file.exists() {
        return Ok(Keys {
            key: PKey::private_key_from_pem(&std::fs::read(key_file)?)?,
            cert: X509::from_pem(&std::fs::read(cert_file)?)?,
        });
    }
    if let Some(dir) = key_file.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let key = PKey::from_rsa(Rsa::generate(2048)?)?;
    let (entity_id, org, city, ipa) = subject;
    let cert = self_signed(&key, entity_id, org, city, ipa)?;
    write_private(key_file, &key.private_key_to_pem_pkcs8()?)?;
    std::fs::write(cert_file, cert.to_pem()?)?;
    Ok(Keys { key, cert })
}

/// The SP of this portal: one entity for SPID (registered with AgID), one for CIE
/// (federated by the Ministry of the Interior), same key, ACS and logout.
pub struct Sp {
    pub entity_id: String,
    pub cie_entity_id: String,
    pub acs: String,
    pub slo: String,
    pub keys: Keys,
    pub metadata: String,
    pub cie_metadata: String,
}

/// The attributes the SPID entity asks for.
const SPID_ATTRIBUTES: [&str; 6] = [
    "fiscalNumber",
    "name",
    "familyName",
    "dateOfBirth",
    "email",
    "digitalAddress",
];
/// CIE gives only the eIDAS minimum data set.
const CIE_ATTRIBUTES: [&str; 4] = ["name", "familyName", "dateOfBirth", "fiscalNumber"];
/// The IPA category of the comuni ("Comuni e loro Consorzi e Associazioni").
const IPA_CATEGORY_COMUNI: &str = "L6";

impl Sp {
    /// The SP's key and certificate files: `SAML_KEY_FILE` / `SAML_CERT_FILE`, or
    /// `<DATA_DIR>/saml/sp-{key,cert}.pem`.
    pub fn key_files(config: &Config) -> (PathBuf, PathBuf) {
        let dir = config.data_dir.join("saml");
        (
            config
                .saml
                .key_file
                .clone()
                .unwrap_or_else(|| dir.join("sp-key.pem")),
            config
                .saml
                .cert_file
                .clone()
                .unwrap_or_else(|| dir.join("sp-cert.pem")),
        )
    }

    /// Loads the SP, creating its key and certificate on the first local start. In the cloud
    /// they must be provided (the package is read-only, and a new key would need a new
    /// registration with AgID): `auth sp-keys` makes them.
    pub fn load(config: &Config) -> Result<Sp, Error> {
        let base = &config.public_base_url;
        let entity_id = format!("{base}/saml/metadata");
        let org = format!("Comune di {}", config.municipality.name);
        let (key_file, cert_file) = Sp::key_files(config);
        if config.cloud.is_some() && !(key_file.exists() && cert_file.exists()) {
            return Err(format!(
                "SP key or certificate missing ({}, {}): create them with `auth sp-keys`",
                key_file.display(),
                cert_file.display()
            )
            .into());
        }
        let keys = load_or_create(
            &key_file,
            &cert_file,
            (
                &entity_id,
                &org,
                &config.municipality.name,
                &config.saml.ipa_code,
            ),
        )?;
        let mut sp = Sp {
            acs: format!("{base}/saml/acs"),
            slo: format!("{base}/saml/logout"),
            entity_id,
            cie_entity_id: format!("{base}/saml/cie/metadata"),
            keys,
            metadata: String::new(),
            cie_metadata: String::new(),
        };
        sp.metadata = sp.signed_metadata(config, false)?;
        sp.cie_metadata = sp.signed_metadata(config, true)?;
        Ok(sp)
    }

    /// The entity an identity provider of `kind` knows this SP by.
    pub fn entity_for(&self, kind: IdpKind) -> &str {
        if kind == IdpKind::Cie {
            &self.cie_entity_id
        } else {
            &self.entity_id
        }
    }

    /// The ContactPerson each federation asks of a public SP: SPID's `other` with the `spid:`
    /// extensions (Avviso 29 v3), CIE's `administrative` with the `cie:` ones, `Company` and
    /// the comune's Belfiore code.
    fn contact(config: &Config, cie: bool) -> String {
        let s = &config.saml;
        let (ipa, email, phone) = (
            xml_escape(&s.ipa_code),
            xml_escape(&s.contact_email),
            xml_escape(&s.contact_phone),
        );
        if !cie {
            return format!(
                r#"<md:ContactPerson contactType="other"><md:Extensions><spid:IPACode>{ipa}</spid:IPACode><spid:Public/></md:Extensions><md:EmailAddress>{email}</md:EmailAddress><md:TelephoneNumber>{phone}</md:TelephoneNumber></md:ContactPerson>"#
            );
        }
        let m = &config.municipality;
        format!(
            r#"<md:ContactPerson contactType="administrative"><md:Extensions><cie:Public/><cie:IPACode>{ipa}</cie:IPACode><cie:IPACategory>{IPA_CATEGORY_COMUNI}</cie:IPACategory><cie:Municipality>{code}</cie:Municipality><cie:Province>{province}</cie:Province><cie:Country>IT</cie:Country></md:Extensions><md:Company>{org}</md:Company><md:EmailAddress>{email}</md:EmailAddress><md:TelephoneNumber>{phone}</md:TelephoneNumber></md:ContactPerson>"#,
            code = xml_escape(&m.code),
            province = xml_escape(&m.province),
            org = xml_escape(&format!("Comune di {}", m.name)),
        )
    }

    /// The metadata of a public SP for SPID or CIE, signed (RSA-SHA256, exclusive c14n).
    fn signed_metadata(&self, config: &Config, cie: bool) -> Result<String, Error> {
        let id = format!("_{}", uuid::Uuid::new_v4());
        let cert = B64.encode(self.keys.cert.to_der()?);
        let org = xml_escape(&format!("Comune di {}", config.municipality.name));
        let url = xml_escape(&config.saml.organization_url);
        let (eid, acs, slo) = (
            xml_escape(if cie {
                &self.cie_entity_id
            } else {
                &self.entity_id
            }),
            xml_escape(&self.acs),
            xml_escape(&self.slo),
        );
        let (ns, attributes) = if cie {
            (
                r#"xmlns:cie="https://www.cartaidentita.interno.gov.it/saml-extensions""#,
                &CIE_ATTRIBUTES[..],
            )
        } else {
            (
                r#"xmlns:spid="https://spid.gov.it/saml-extensions""#,
                &SPID_ATTRIBUTES[..],
            )
        };
        let requested: String = attributes
            .iter()
            .map(|a| format!(r#"<md:RequestedAttribute Name="{a}"/>"#))
            .collect();
        let contact = Sp::contact(config, cie);
        let xml = format!(
            r##"<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" {ns} entityID="{eid}" ID="{id}">
<ds:Signature><ds:SignedInfo><ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/><ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/><ds:Reference URI="#{id}"><ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/><ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue/></ds:Reference></ds:SignedInfo><ds:SignatureValue/><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></ds:Signature>
<md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol" AuthnRequestsSigned="true" WantAssertionsSigned="true">
<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
<md:SingleLogoutService Binding="{REDIRECT}" Location="{slo}"/>
<md:NameIDFormat>{TRANSIENT}</md:NameIDFormat>
<md:AssertionConsumerService index="0" isDefault="true" Binding="{POST}" Location="{acs}"/>
<md:AttributeConsumingService index="0"><md:ServiceName xml:lang="it">Servizi Demografici online</md:ServiceName>{requested}</md:AttributeConsumingService>
</md:SPSSODescriptor>
<md:Organization><md:OrganizationName xml:lang="it">{org}</md:OrganizationName><md:OrganizationDisplayName xml:lang="it">{org}</md:OrganizationDisplayName><md:OrganizationURL xml:lang="it">{url}</md:OrganizationURL></md:Organization>
{contact}
</md:EntityDescriptor>"##
        );
        Ok(Crypto::sign_xml(xml, &self.keys.key.private_key_to_der()?)?)
    }

    /// A SPID (or CIE) AuthnRequest for `level`, to the IdP's SSO location, issued by `entity`.
    pub fn authn_request(
        &self,
        id: &str,
        now: DateTime<Utc>,
        destination: &str,
        level: u8,
        entity: &str,
    ) -> AuthnRequest {
        AuthnRequest {
            id: id.to_string(),
            version: "2.0".into(),
            issue_instant: now,
            destination: Some(destination.to_string()),
            issuer: Some(Issuer {
                format: Some(ENTITY.into()),
                name_qualifier: Some(entity.to_string()),
                value: Some(entity.to_string()),
                ..Issuer::default()
            }),
            name_id_policy: Some(NameIdPolicy {
                format: Some(TRANSIENT.into()),
                ..NameIdPolicy::default()
            }),
            requested_authn_context: Some(RequestedAuthnContext {
                authn_context_class_refs: Some(vec![AuthnContextClassRef {
                    value: Some(format!("https://www.spid.gov.it/SpidL{level}")),
                }]),
                authn_context_decl_refs: None,
                comparison: Some(AuthnContextComparison::Minimum),
            }),
            // SPID: ForceAuthn above level 1.
            force_authn: (level > 1).then_some(true),
            assertion_consumer_service_index: Some(0),
            attribute_consuming_service_index: Some(0),
            ..AuthnRequest::default()
        }
    }
}
