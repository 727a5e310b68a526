//! OCSP (RFC 6960) for a card whose certificate names a responder in its Authority
//! Information Access: the request for the certificate's CertID (SHA-1, as responders expect),
//! and the answer checked — successful, signed by the issuing CA or by a responder it
//! delegated (EKU OCSPSigning, valid now), about this certificate, current.

use der::{Decode, Encode};
use rustls_pki_types::SignatureVerificationAlgorithm;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{AuthorityInfoAccessSyntax, ExtendedKeyUsage};
use x509_cert::spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::Certificate;
use x509_ocsp::{BasicOcspResponse, CertId, CertStatus, OcspRequest, OcspResponse};
use x509_ocsp::{OcspResponseStatus, Request, TbsRequest};

/// id-ad-ocsp (1.3.6.1.5.5.7.48.1).
const AD_OCSP: der::asn1::ObjectIdentifier =
    der::asn1::ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1");
/// id-kp-OCSPSigning (1.3.6.1.5.5.7.3.9).
const KP_OCSP_SIGNING: der::asn1::ObjectIdentifier =
    der::asn1::ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.9");
/// Clock skew allowed on the responder's times.
const SKEW_SECONDS: u64 = 300;
/// An answer without nextUpdate is current for this long after its thisUpdate.
const FRESH_SECONDS: u64 = 900;

/// What the responder says of the certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Good,
    Revoked,
    Unknown,
}

/// The http(s) OCSP responders of a certificate (at most two are tried).
pub fn responders(cert: &Certificate) -> Vec<String> {
    let Ok(Some((_, aia))) = cert.tbs_certificate.get::<AuthorityInfoAccessSyntax>() else {
        return Vec::new();
    };
    aia.0
        .iter()
        .filter(|ad| ad.access_method == AD_OCSP)
        .filter_map(|ad| match &ad.access_location {
            GeneralName::UniformResourceIdentifier(u) => Some(u.to_string()),
            _ => None,
        })
        .filter(|u| u.starts_with("http://") || u.starts_with("https://"))
        .take(2)
        .collect()
}

/// The DER request for `cert` issued by `issuer`, and the CertID the answer must be about.
pub fn request(issuer: &Certificate, cert: &Certificate) -> Result<(Vec<u8>, CertId), String> {
    let id = CertId::from_cert::<sha1::Sha1>(issuer, cert).map_err(|e| e.to_string())?;
    let req = OcspRequest {
        tbs_request: TbsRequest {
            request_list: vec![Request {
                req_cert: id.clone(),
                single_request_extensions: None,
            }],
            ..TbsRequest::default()
        },
        optional_signature: None,
    };
    Ok((req.to_der().map_err(|e| e.to_string())?, id))
}

/// The status the answer `der` gives to `id`, checked; `now` in seconds since 1970.
pub fn status(der: &[u8], issuer: &Certificate, id: &CertId, now: u64) -> Result<Status, String> {
    let resp = OcspResponse::from_der(der).map_err(|e| format!("OCSP answer: {e}"))?;
    if resp.response_status != OcspResponseStatus::Successful {
        return Err(format!("OCSP status {:?}", resp.response_status));
    }
    let bytes = resp.response_bytes.ok_or("OCSP answer without body")?;
    let basic = BasicOcspResponse::from_der(bytes.response.as_bytes())
        .map_err(|e| format!("OCSP basic answer: {e}"))?;
    let signed = basic
        .tbs_response_data
        .to_der()
        .map_err(|e| e.to_string())?;
    let signature = basic.signature.raw_bytes();
    let by_issuer = verify(issuer, &basic.signature_algorithm, &signed, signature);
    let by_delegate = || {
        basic.certs.iter().flatten().any(|c| {
            delegated(c, issuer, now) && verify(c, &basic.signature_algorithm, &signed, signature)
        })
    };
    if !by_issuer && !by_delegate() {
        return Err("OCSP answer not signed by the CA or its responder".into());
    }
    let single = basic
        .tbs_response_data
        .responses
        .iter()
        .find(|r| &r.cert_id == id)
        .ok_or("OCSP answer about another certificate")?;
    let this = single.this_update.0.to_unix_duration().as_secs();
    let current = match &single.next_update {
        Some(next) => now <= next.0.to_unix_duration().as_secs() + SKEW_SECONDS,
        None => now <= this + FRESH_SECONDS,
    };
    if this > now + SKEW_SECONDS || !current {
        return Err("OCSP answer not current".into());
    }
    Ok(match single.cert_status {
        CertStatus::Good(_) => Status::Good,
        CertStatus::Revoked(_) => Status::Revoked,
        CertStatus::Unknown(_) => Status::Unknown,
    })
}

/// A responder certificate the CA issued for OCSP signing, valid at `now`.
fn delegated(responder: &Certificate, issuer: &Certificate, now: u64) -> bool {
    let tbs = &responder.tbs_certificate;
    let Ok(responder_tbs) = tbs.to_der() else {
        return false;
    };
    let valid = tbs.validity.not_before.to_unix_duration().as_secs() <= now + SKEW_SECONDS
        && now <= tbs.validity.not_after.to_unix_duration().as_secs();
    let for_ocsp = matches!(tbs.get::<ExtendedKeyUsage>(), Ok(Some((_, eku))) if eku.0.contains(&KP_OCSP_SIGNING));
    valid
        && for_ocsp
        && tbs.issuer == issuer.tbs_certificate.subject
        && verify(
            issuer,
            &responder.signature_algorithm,
            &responder_tbs,
            responder.signature.raw_bytes(),
        )
}

/// The AlgorithmIdentifier's contents, as rustls-pki-types compares them.
fn contents(alg: &AlgorithmIdentifierOwned) -> Vec<u8> {
    let mut out = alg.oid.to_der().unwrap_or_default();
    if let Some(p) = &alg.parameters {
        out.extend(p.to_der().unwrap_or_default());
    }
    out
}

/// True when `signature` over `message` verifies with `signer`'s key under `alg`.
fn verify(
    signer: &Certificate,
    alg: &AlgorithmIdentifierOwned,
    message: &[u8],
    signature: &[u8],
) -> bool {
    let spki: &SubjectPublicKeyInfoOwned = &signer.tbs_certificate.subject_public_key_info;
    let (sig_alg, key_alg) = (contents(alg), contents(&spki.algorithm));
    let matches = |a: &&&dyn SignatureVerificationAlgorithm| {
        a.signature_alg_id().as_ref() == sig_alg.as_slice()
            && a.public_key_alg_id().as_ref() == key_alg.as_slice()
    };
    webpki::ALL_VERIFICATION_ALGS
        .iter()
        .filter(matches)
        .any(|a| {
            a.verify_signature(spki.subject_public_key.raw_bytes(), message, signature)
                .is_ok()
        })
}
