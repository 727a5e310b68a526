//! The card check itself: chain, profile, codice fiscale, then revocation — OCSP when the
//! certificate names a responder, else (or when it cannot answer) the CRL of its distribution
//! point; both fetched only after the chain to a trusted CA is proven.

use der::Decode;
use rustls_pki_types::{CertificateDer, TrustAnchor, UnixTime};
use webpki::{
    CertRevocationList, EndEntityCert, KeyUsage, OwnedCertRevocationList, RevocationCheckDepth,
    RevocationOptionsBuilder, UnknownStatusPolicy,
};

use super::ocsp::{self, Status};
use super::{refusal_of, CardHolder, Profile, Refusal, RevocationPolicy, TrustBundle};
use super::{EKU_CLIENT_AUTH, MAX_CERTIFICATE_BYTES};
use crate::ports::RevocationSource;

/// The checks and what they need: the trust bundle, the accepted policies, where revocation
/// is learnt and what to do when it cannot be.
pub struct CnsVerifier {
    pub trust: TrustBundle,
    /// Certificate policy OIDs (dotted) that make a certificate a CNS.
    pub policies: Vec<String>,
    pub revocation: RevocationPolicy,
    pub sources: std::sync::Arc<dyn RevocationSource>,
}

impl CnsVerifier {
    /// Checks the certificate the browser presented (DER) at `now`.
    pub async fn identify(&self, der: &[u8], now: UnixTime) -> Result<CardHolder, Refusal> {
        if der.len() > MAX_CERTIFICATE_BYTES {
            return Err(Refusal::Unreadable);
        }
        let cert = CertificateDer::from(der);
        let ee = EndEntityCert::try_from(&cert).map_err(|_| Refusal::Unreadable)?;
        let anchor = self.chain(&ee, now, None)?;
        let profile = Profile::read(der)?;
        profile.check(&self.policies)?;
        let codice_fiscale = profile.codice_fiscale()?;
        match self.by_ocsp(der, &anchor, now).await {
            Some(Status::Good) => {}
            Some(Status::Revoked) => return Err(Refusal::Revoked),
            Some(Status::Unknown) | None => self.by_crl(&ee, &profile, now).await?,
        }
        Ok(CardHolder {
            codice_fiscale,
            issuer: profile.issuer,
        })
    }

    /// The chain to a trusted CA (with the CRLs when given): the anchor it ends at.
    fn chain(
        &self,
        ee: &EndEntityCert<'_>,
        now: UnixTime,
        crls: Option<&[&CertRevocationList<'_>]>,
    ) -> Result<TrustAnchor<'static>, Refusal> {
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
        .map(|path| path.anchor().to_owned())
        .map_err(refusal_of)
    }

    /// What the certificate's OCSP responders say, if one answers with a valid answer.
    async fn by_ocsp(&self, der: &[u8], anchor: &TrustAnchor<'_>, now: UnixTime) -> Option<Status> {
        let cert = x509_cert::Certificate::from_der(der).ok()?;
        let issuer = self.trust.issuer_of(anchor)?;
        let (request, id) = ocsp::request(issuer, &cert).ok()?;
        for url in ocsp::responders(&cert) {
            let answer = match self.sources.ocsp(&url, &request).await {
                Ok(answer) => answer,
                Err(e) => {
                    tracing::warn!(error = %e, "CNS: OCSP responder not reachable");
                    continue;
                }
            };
            match ocsp::status(&answer, issuer, &id, now.as_secs()) {
                Ok(status) => return Some(status),
                Err(e) => tracing::warn!(error = %e, "CNS: OCSP answer refused"),
            }
        }
        None
    }

    /// Revocation from the CRLs of the distribution points, under the revocation policy.
    async fn by_crl(
        &self,
        ee: &EndEntityCert<'_>,
        profile: &Profile,
        now: UnixTime,
    ) -> Result<(), Refusal> {
        let open = self.revocation == RevocationPolicy::FailOpen;
        let Some(crls) = self.revocation_lists(&profile.crl_urls).await else {
            if open {
                tracing::warn!("CNS: no revocation status reachable, let in (fail-open)");
                return Ok(());
            }
            return Err(Refusal::RevocationUnknown);
        };
        let refs: Vec<&CertRevocationList<'_>> = crls.iter().collect();
        match self.chain(ee, now, Some(&refs)) {
            Ok(_) => Ok(()),
            Err(Refusal::RevocationUnknown) if open => {
                tracing::warn!("CNS: revocation status unknown, let in (fail-open)");
                Ok(())
            }
            Err(r) => Err(r),
        }
    }

    /// The CRLs of the certificate's distribution points that could be fetched and parsed.
    async fn revocation_lists(&self, urls: &[String]) -> Option<Vec<CertRevocationList<'static>>> {
        let mut crls = Vec::new();
        for url in urls {
            match self.sources.crl(url).await {
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
