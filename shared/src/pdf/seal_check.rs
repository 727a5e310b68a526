//! Checking a sealed PDF without trusting anything in it but the signature: the byte range
//! covers the whole file but the signature, the digest matches, and the signature over the
//! signed attributes verifies with the embedded certificate's key.

use cms::cert::CertificateChoices;
use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier};
use const_oid::db::rfc5911::ID_MESSAGE_DIGEST;
use der::asn1::OctetString;
use der::Encode;
use sha2::{Digest, Sha256};

/// What the verification of a sealed PDF found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealCheck {
    /// DER of the certificate that made the seal.
    pub certificate: Vec<u8>,
    /// Its subject, e.g. "CN=Comune di Valdemo - Servizi Demografici,...".
    pub signer: String,
}

fn parse_byte_range(pdf: &[u8]) -> Option<[usize; 4]> {
    let key = b"/ByteRange";
    let at = pdf.windows(key.len()).rposition(|w| w == key)? + key.len();
    let rest = &pdf[at..pdf.len().min(at + 80)];
    let open = rest.iter().position(|&b| b == b'[')?;
    let close = rest.iter().position(|&b| b == b']')?;
    let nums: Vec<usize> = std::str::from_utf8(&rest[open + 1..close])
        .ok()?
        .split_whitespace()
        .map(|n| n.parse().ok())
        .collect::<Option<_>>()?;
    nums.try_into().ok()
}

/// Checks the seal of a PDF: the ByteRange covers the whole file but the signature, the
/// message digest matches those bytes, and the signature over the signed attributes
/// verifies with the embedded certificate's key. Trust in the certificate is the caller's.
pub fn verify_seal(pdf: &[u8]) -> Result<SealCheck, String> {
    use der::{Reader, SliceReader};
    use p256::ecdsa::{signature::Verifier, DerSignature, VerifyingKey};

    let [a, b, c, d] = parse_byte_range(pdf).ok_or("nessuna firma nel documento")?;
    if a != 0
        || c + d != pdf.len()
        || b >= c
        || pdf.get(b) != Some(&b'<')
        || pdf.get(c - 1) != Some(&b'>')
    {
        return Err("l'intervallo firmato non copre l'intero documento".into());
    }
    let cms_bytes = hex::decode(&pdf[b + 1..c - 1]).map_err(|_| "firma illeggibile")?;
    let mut reader = SliceReader::new(&cms_bytes).map_err(|e| e.to_string())?;
    let info: ContentInfo = reader
        .decode()
        .map_err(|e| format!("firma illeggibile: {e}"))?;
    let sd: SignedData = info
        .content
        .decode_as()
        .map_err(|e| format!("firma illeggibile: {e}"))?;
    let si = sd
        .signer_infos
        .0
        .iter()
        .next()
        .ok_or("firma senza firmatario")?;
    let attrs = si
        .signed_attrs
        .as_ref()
        .ok_or("firma senza attributi firmati")?;
    let mut h = Sha256::new();
    h.update(&pdf[..b]);
    h.update(&pdf[c..]);
    let digest: [u8; 32] = h.finalize().into();
    let md = attrs
        .iter()
        .find(|at| at.oid == ID_MESSAGE_DIGEST)
        .and_then(|at| at.values.iter().next())
        .and_then(|v| v.decode_as::<OctetString>().ok())
        .ok_or("impronta del documento assente")?;
    if md.as_bytes() != digest {
        return Err("il documento è stato modificato dopo la firma".into());
    }
    let SignerIdentifier::IssuerAndSerialNumber(sid) = &si.sid else {
        return Err("firmatario non identificato".into());
    };
    let cert = sd
        .certificates
        .as_ref()
        .and_then(|set| {
            set.0.iter().find_map(|c| match c {
                CertificateChoices::Certificate(c)
                    if c.tbs_certificate.issuer == sid.issuer
                        && c.tbs_certificate.serial_number == sid.serial_number =>
                {
                    Some(c.clone())
                }
                _ => None,
            })
        })
        .ok_or("certificato del firmatario assente")?;
    let key = VerifyingKey::from_sec1_bytes(
        cert.tbs_certificate
            .subject_public_key_info
            .subject_public_key
            .raw_bytes(),
    )
    .map_err(|_| "chiave del firmatario non supportata")?;
    let sig = DerSignature::from_bytes(si.signature.as_bytes()).map_err(|_| "firma illeggibile")?;
    let signed = attrs.to_der().map_err(|e| e.to_string())?;
    key.verify(&signed, &sig)
        .map_err(|_| "la firma non corrisponde")?;
    Ok(SealCheck {
        certificate: cert.to_der().map_err(|e| e.to_string())?,
        signer: cert.tbs_certificate.subject.to_string(),
    })
}
