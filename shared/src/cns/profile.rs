//! What AgID's CNS profile puts in the authentication certificate, read with `x509-cert`.

use der::asn1::{Ia5StringRef, PrintableStringRef, Utf8StringRef};
use der::{Decode, Tagged};
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{CertificatePolicies, CrlDistributionPoints, KeyUsage};
use x509_cert::name::Name;
use x509_cert::Certificate;

use super::Refusal;
use crate::domain::codice_fiscale::CodiceFiscale;

/// At most this many distribution points are tried.
const MAX_CRL_URLS: usize = 4;

/// The parts of the certificate the login looks at.
#[derive(Debug, Clone)]
pub struct Profile {
    pub policies: Vec<String>,
    pub digital_signature: bool,
    /// The subject's CN: `<codice fiscale>/<card id>.<hash>` on a CNS.
    pub common_name: Option<String>,
    /// http(s) addresses of the CRL distribution points.
    pub crl_urls: Vec<String>,
    /// The issuing CA's CN (or O), for the audit.
    pub issuer: String,
}

impl Profile {
    pub fn read(der: &[u8]) -> Result<Profile, Refusal> {
        let cert = Certificate::from_der(der).map_err(|_| Refusal::Unreadable)?;
        let tbs = &cert.tbs_certificate;
        let policies = match tbs.get::<CertificatePolicies>() {
            Ok(Some((_, p))) => {
                p.0.iter()
                    .map(|i| i.policy_identifier.to_string())
                    .collect()
            }
            Ok(None) => Vec::new(),
            Err(_) => return Err(Refusal::Unreadable),
        };
        let digital_signature = match tbs.get::<KeyUsage>() {
            Ok(Some((_, ku))) => ku.digital_signature(),
            Ok(None) => false,
            Err(_) => return Err(Refusal::Unreadable),
        };
        let crl_urls = match tbs.get::<CrlDistributionPoints>() {
            Ok(Some((_, dps))) => dps
                .0
                .iter()
                .filter_map(|dp| match &dp.distribution_point {
                    Some(DistributionPointName::FullName(names)) => Some(names),
                    _ => None,
                })
                .flatten()
                .filter_map(|n| match n {
                    GeneralName::UniformResourceIdentifier(u) => Some(u.to_string()),
                    _ => None,
                })
                .filter(|u| u.starts_with("http://") || u.starts_with("https://"))
                .take(MAX_CRL_URLS)
                .collect(),
            Ok(None) => Vec::new(),
            Err(_) => return Err(Refusal::Unreadable),
        };
        Ok(Profile {
            policies,
            digital_signature,
            common_name: attribute(&tbs.subject, const_oid::db::rfc4519::CN),
            crl_urls,
            issuer: attribute(&tbs.issuer, const_oid::db::rfc4519::CN)
                .or_else(|| attribute(&tbs.issuer, const_oid::db::rfc4519::O))
                .map(|name| name.chars().filter(|c| !c.is_control()).take(128).collect())
                .unwrap_or_else(|| "CA senza nome".into()),
        })
    }

    /// A CNS: one of the accepted policies, and a key for digital signature (authentication).
    pub fn check(&self, accepted: &[String]) -> Result<(), Refusal> {
        if !self.policies.iter().any(|p| accepted.contains(p)) {
            return Err(Refusal::NotCns);
        }
        if !self.digital_signature {
            return Err(Refusal::WrongUsage);
        }
        Ok(())
    }

    /// The codice fiscale: the CN up to its first `/`, valid by the codice fiscale's rules.
    pub fn codice_fiscale(&self) -> Result<CodiceFiscale, Refusal> {
        let cn = self
            .common_name
            .as_deref()
            .ok_or(Refusal::NoCodiceFiscale)?;
        let (cf, _card) = cn.split_once('/').ok_or(Refusal::NoCodiceFiscale)?;
        CodiceFiscale::parse(cf).map_err(|_| Refusal::NoCodiceFiscale)
    }
}

/// The first value of attribute `oid` in a name, whatever its string type.
fn attribute(name: &Name, oid: der::asn1::ObjectIdentifier) -> Option<String> {
    name.0
        .iter()
        .flat_map(|rdn| rdn.0.iter())
        .find(|atv| atv.oid == oid)
        .and_then(|atv| {
            let bytes = atv.value.value();
            match atv.value.tag() {
                der::Tag::Utf8String => Utf8StringRef::new(bytes).ok().map(|s| s.to_string()),
                der::Tag::PrintableString => {
                    PrintableStringRef::new(bytes).ok().map(|s| s.to_string())
                }
                der::Tag::Ia5String => Ia5StringRef::new(bytes).ok().map(|s| s.to_string()),
                _ => None,
            }
        })
}
