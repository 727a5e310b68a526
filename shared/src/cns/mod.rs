//! Login with the CNS / TS-CNS: the TLS client certificate of the card, checked as AgID's
//! profile defines it whatever the edge already did. The chain to a CA of the trust bundle
//! (AgID's trusted list), the validity now, the EKU clientAuth come from `rustls-webpki`; the
//! certificate policy, the key usage and the codice fiscale (the CN up to its first `/`) from
//! the certificate itself; revocation from the CRL its distribution point names, fetched only
//! after the chain is proven (the address was signed by a trusted CA) and cached.

pub mod ocsp;
mod profile;
mod settings;
pub mod tsl;
mod verifier;

use std::time::Duration;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, TrustAnchor};

use crate::domain::codice_fiscale::CodiceFiscale;
use der::Decode;
pub use profile::Profile;
pub use settings::CnsSettings;
pub use verifier::CnsVerifier;

/// The CNS authentication certificate policy (AgID); the CIE's and the declared-equivalent
/// regional cards' are added by configuration.
pub const CNS_POLICY: &str = "1.3.76.16.2.1";
/// A card's certificate is a few KiB; anything larger is refused before it is parsed.
pub const MAX_CERTIFICATE_BYTES: usize = 16 * 1024;
/// id-kp-clientAuth (1.3.6.1.5.5.7.3.2), DER value bytes.
pub(crate) const EKU_CLIENT_AUTH: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x02];

/// What to do when the revocation status cannot be learnt (CRL unreachable, stale, unsigned).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevocationPolicy {
    /// Refuse the login (the default).
    FailClosed,
    /// Let the card in, logging that its status was unknown.
    FailOpen,
}

/// Why a card does not open a session, in words a citizen understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    NoCertificate,
    Unreadable,
    Untrusted,
    Expired,
    NotYetValid,
    Revoked,
    RevocationUnknown,
    NotCns,
    WrongUsage,
    NoCodiceFiscale,
}

impl Refusal {
    const ALL: [Refusal; 10] = [
        Refusal::NoCertificate,
        Refusal::Unreadable,
        Refusal::Untrusted,
        Refusal::Expired,
        Refusal::NotYetValid,
        Refusal::Revoked,
        Refusal::RevocationUnknown,
        Refusal::NotCns,
        Refusal::WrongUsage,
        Refusal::NoCodiceFiscale,
    ];

    pub fn from_code(code: &str) -> Option<Refusal> {
        Refusal::ALL.into_iter().find(|r| r.code() == code)
    }

    /// The code the refusal page is addressed with.
    pub fn code(self) -> &'static str {
        match self {
            Refusal::NoCertificate => "nessun-certificato",
            Refusal::Unreadable => "illeggibile",
            Refusal::Untrusted => "non-riconosciuta",
            Refusal::Expired => "scaduta",
            Refusal::NotYetValid => "non-ancora-valida",
            Refusal::Revoked => "revocata",
            Refusal::RevocationUnknown => "stato-non-verificabile",
            Refusal::NotCns => "non-cns",
            Refusal::WrongUsage => "uso-non-consentito",
            Refusal::NoCodiceFiscale => "codice-fiscale",
        }
    }
}

/// The card holder a good certificate names, and who issued the card (for the audit).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardHolder {
    pub codice_fiscale: CodiceFiscale,
    pub issuer: String,
}

/// The CAs a card may chain to, as trust anchors, and their subjects (the TLS listener
/// advertises them so the browser offers only a card that fits).
pub struct TrustBundle {
    anchors: Vec<TrustAnchor<'static>>,
    /// The CAs' certificates, in the anchors' order (OCSP's CertID needs the issuer's).
    certs: Vec<x509_cert::Certificate>,
    pub subjects: Vec<Vec<u8>>,
}

impl TrustBundle {
    /// The PEM bundle (as `cns-trust` writes it from AgID's trusted list).
    pub fn from_pem(text: &str) -> Result<Self, String> {
        let (mut anchors, mut certs, mut subjects) = (Vec::new(), Vec::new(), Vec::new());
        for der in certificates(text)? {
            let invalid =
                |e: &dyn std::fmt::Display| format!("certificato della CA non valido: {e}");
            let anchor = webpki::anchor_from_trusted_cert(&der)
                .map_err(|e| invalid(&e))?
                .to_owned();
            certs.push(x509_cert::Certificate::from_der(&der).map_err(|e| invalid(&e))?);
            subjects.push(anchor.subject.as_ref().to_vec());
            anchors.push(anchor);
        }
        if anchors.is_empty() {
            return Err("nessun certificato di CA nel bundle".into());
        }
        Ok(TrustBundle {
            anchors,
            certs,
            subjects,
        })
    }

    /// The certificate of the CA a verified chain ended at.
    fn issuer_of(&self, anchor: &TrustAnchor<'_>) -> Option<&x509_cert::Certificate> {
        let at = self.anchors.iter().position(|a| {
            a.subject == anchor.subject
                && a.subject_public_key_info == anchor.subject_public_key_info
        })?;
        self.certs.get(at)
    }

    pub fn len(&self) -> usize {
        self.anchors.len()
    }

    pub fn is_empty(&self) -> bool {
        self.anchors.is_empty()
    }
}

/// The certificates (DER) of a PEM text, in order; text between the blocks is ignored.
pub fn certificates(pem: &str) -> Result<Vec<CertificateDer<'static>>, String> {
    CertificateDer::pem_slice_iter(pem.as_bytes())
        .collect::<Result<_, _>>()
        .map_err(|e| format!("PEM non leggibile: {e}"))
}

pub(crate) fn refusal_of(e: webpki::Error) -> Refusal {
    use webpki::Error as E;
    match e {
        E::CertExpired { .. } => Refusal::Expired,
        E::CertNotValidYet { .. } => Refusal::NotYetValid,
        E::CertRevoked => Refusal::Revoked,
        E::RequiredEkuNotFoundContext(_) | E::EmptyEkuExtension => Refusal::WrongUsage,
        E::UnknownRevocationStatus
        | E::CrlExpired { .. }
        | E::InvalidCrlSignatureForPublicKey
        | E::IssuerNotCrlSigner
        | E::UnsupportedCrlSignatureAlgorithmContext(_)
        | E::UnsupportedCrlSignatureAlgorithmForPublicKeyContext(_)
        | E::UnsupportedCrlVersion
        | E::UnsupportedDeltaCrl
        | E::UnsupportedIndirectCrl
        | E::UnsupportedCrlIssuingDistributionPoint => Refusal::RevocationUnknown,
        E::BadDer | E::BadDerTime | E::TrailingData(_) | E::UnsupportedCertVersion => {
            Refusal::Unreadable
        }
        _ => Refusal::Untrusted,
    }
}

/// How long a fetched CRL is reused before it is fetched again.
pub const CRL_CACHE: Duration = Duration::from_secs(600);
