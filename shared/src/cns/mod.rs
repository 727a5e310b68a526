//! Login with the CNS / TS-CNS: the TLS client certificate of the card, checked as AgID's
//! profile defines it whatever the edge already did. The chain to a CA of the trust bundle
//! (AgID's trusted list), the validity now, the EKU clientAuth come from `rustls-webpki`; the
//! certificate policy, the key usage and the codice fiscale (the CN up to its first `/`) from
//! the certificate itself; revocation from the CRL its distribution point names, fetched only
//! after the chain is proven (the address was signed by a trusted CA) and cached.

mod profile;
mod settings;
pub mod tsl;

use std::time::Duration;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, TrustAnchor, UnixTime};
use webpki::{
    CertRevocationList, EndEntityCert, KeyUsage, OwnedCertRevocationList, RevocationCheckDepth,
    RevocationOptionsBuilder, UnknownStatusPolicy,
};

use crate::domain::codice_fiscale::CodiceFiscale;
use crate::ports::CrlSource;
pub use profile::Profile;
pub use settings::CnsSettings;

/// The CNS authentication certificate policy (AgID); the CIE's and the declared-equivalent
/// regional cards' are added by configuration.
pub const CNS_POLICY: &str = "1.3.76.16.2.1";
/// A card's certificate is a few KiB; anything larger is refused before it is parsed.
pub const MAX_CERTIFICATE_BYTES: usize = 16 * 1024;
/// id-kp-clientAuth (1.3.6.1.5.5.7.3.2), DER value bytes.
const EKU_CLIENT_AUTH: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x02];

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
    pub subjects: Vec<Vec<u8>>,
}

impl TrustBundle {
    /// The PEM bundle (as `cns-trust` writes it from AgID's trusted list).
    pub fn from_pem(text: &str) -> Result<Self, String> {
        let mut anchors = Vec::new();
        let mut subjects = Vec::new();
        for der in certificates(text)? {
            let anchor = webpki::anchor_from_trusted_cert(&der)
                .map_err(|e| format!("certificato della CA non valido: {e}"))?
                .to_owned();
            subjects.push(anchor.subject.as_ref().to_vec());
            anchors.push(anchor);
        }
        if anchors.is_empty() {
            return Err("nessun certificato di CA nel bundle".into());
        }
        Ok(TrustBundle { anchors, subjects })
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

/// The checks and what they need: the trust bundle, the accepted policies, the CRLs.
pub struct CnsVerifier {
    pub trust: TrustBundle,
    /// Certificate policy OIDs (dotted) that make a certificate a CNS.
    pub policies: Vec<String>,
    pub revocation: RevocationPolicy,
    pub crls: std::sync::Arc<dyn CrlSource>,
}

impl CnsVerifier {
    /// Checks the certificate the browser presented (DER) at `now`.
    pub async fn identify(&self, der: &[u8], now: UnixTime) -> Result<CardHolder, Refusal> {
        if der.len() > MAX_CERTIFICATE_BYTES {
            return Err(Refusal::Unreadable);
        }
        let cert = CertificateDer::from(der);
        let ee = EndEntityCert::try_from(&cert).map_err(|_| Refusal::Unreadable)?;
        self.chain(&ee, now, None)?;
        let profile = Profile::read(der)?;
        profile.check(&self.policies)?;
        let codice_fiscale = profile.codice_fiscale()?;
        match self.revocation_lists(&profile.crl_urls).await {
            Some(crls) => {
                let refs: Vec<&CertRevocationList<'_>> = crls.iter().collect();
                match self.chain(&ee, now, Some(&refs)) {
                    Ok(()) => {}
                    Err(Refusal::RevocationUnknown)
                        if self.revocation == RevocationPolicy::FailOpen =>
                    {
                        tracing::warn!("CNS: revocation status unknown, let in (fail-open)");
                    }
                    Err(r) => return Err(r),
                }
            }
            None if self.revocation == RevocationPolicy::FailOpen => {
                tracing::warn!("CNS: no CRL reachable, let in (fail-open)");
            }
            None => return Err(Refusal::RevocationUnknown),
        }
        Ok(CardHolder {
            codice_fiscale,
            issuer: profile.issuer,
        })
    }

    fn chain(
        &self,
        ee: &EndEntityCert<'_>,
        now: UnixTime,
        crls: Option<&[&CertRevocationList<'_>]>,
    ) -> Result<(), Refusal> {
        let revocation = match crls {
            Some(list) => Some(
                RevocationOptionsBuilder::new(list)
                    .map_err(|_| Refusal::RevocationUnknown)?
                    .with_depth(RevocationCheckDepth::EndEntity)
                    .with_status_policy(UnknownStatusPolicy::Deny)
                    .with_expiration_policy(webpki::ExpirationPolicy::Enforce)
                    .build(),
            ),
            None => None,
        };
        ee.verify_for_usage(
            webpki::ALL_VERIFICATION_ALGS,
            &self.trust.anchors,
            &[],
            now,
            KeyUsage::required(EKU_CLIENT_AUTH),
            revocation,
            None,
        )
        .map(|_| ())
        .map_err(refusal_of)
    }

    /// The CRLs of the certificate's distribution points that could be fetched and parsed.
    async fn revocation_lists(&self, urls: &[String]) -> Option<Vec<CertRevocationList<'static>>> {
        let mut crls = Vec::new();
        for url in urls {
            match self.crls.crl(url).await {
                Ok(der) => match OwnedCertRevocationList::from_der(&der) {
                    Ok(crl) => crls.push(CertRevocationList::from(crl)),
                    Err(e) => tracing::warn!(error = %e, "CNS: CRL not parsable"),
                },
                Err(e) => tracing::warn!(error = %e, "CNS: CRL not reachable"),
            }
        }
        (!crls.is_empty()).then_some(crls)
    }
}

fn refusal_of(e: webpki::Error) -> Refusal {
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
