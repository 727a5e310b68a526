//! PAdES baseline signatures, B-B and, with a time-stamping authority, B-T. The document is
//! written with its signature dictionary (SubFilter ETSI.CAdES.detached) and a fixed-size
//! `/Contents` placeholder in place (`write`), so sealing hashes the byte ranges in one pass
//! and writes the CMS into the placeholder: the PDF is never parsed again. The CMS
//! SignedData is detached, with the signed attributes content-type, message-digest and
//! signing-certificate-v2 (no signing-time: PAdES puts the time in /M); with a TSA, the
//! signature-time-stamp unsigned attribute carries an RFC 3161 token over the signature.
//! The DER of the signed attributes (as a SET) is what the `Signer` port signs, so a KMS
//! key or a remote sealing service can replace the local key unchanged.

use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use const_oid::db::rfc5911::{ID_CONTENT_TYPE, ID_DATA, ID_MESSAGE_DIGEST, ID_SIGNED_DATA};
use const_oid::db::rfc5912::{ECDSA_WITH_SHA_256, ID_SHA_256};
use const_oid::ObjectIdentifier;
use der::asn1::{OctetString, SetOfVec};
use der::{Any, Decode, Encode};
use sha2::{Digest, Sha256};
use x509_cert::attr::Attribute;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;

use crate::ports::{Port, PortError, PortResult, SignatureAlgorithm, Signer};

pub use super::seal_check::{verify_seal, SealCheck};
use super::write::Rendered;
pub use super::write::SIG_RESERVED;
use crate::ports::Timestamper;

/// id-aa-signatureTimeStampToken (RFC 3161, appendix A).
pub const ID_AA_SIGNATURE_TIME_STAMP_TOKEN: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.14");
/// id-aa-signingCertificateV2 (RFC 5035).
const ID_AA_SIGNING_CERTIFICATE_V2: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.47");

/// IssuerSerial of RFC 5035.
#[derive(Clone, Debug, Eq, PartialEq, der::Sequence)]
struct IssuerSerial {
    issuer: Vec<GeneralName>,
    serial_number: SerialNumber,
}

/// ESSCertIDv2 with the default hash algorithm (SHA-256, omitted as DER requires).
#[derive(Clone, Debug, Eq, PartialEq, der::Sequence)]
struct EssCertIdV2 {
    cert_hash: OctetString,
    issuer_serial: Option<IssuerSerial>,
}

#[derive(Clone, Debug, Eq, PartialEq, der::Sequence)]
struct SigningCertificateV2 {
    certs: Vec<EssCertIdV2>,
}

fn err(e: impl std::fmt::Display) -> PortError {
    PortError::unavailable(Port::Signer, format!("PAdES: {e}"))
}

/// SHA-256 of the bytes the signature covers: everything but the `/Contents` string.
pub fn byte_range_digest(bytes: &[u8], (start, end): (usize, usize)) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(&bytes[..start]);
    h.update(&bytes[end..]);
    h.finalize().into()
}

fn attribute(oid: ObjectIdentifier, value: Any) -> PortResult<Attribute> {
    let mut values = SetOfVec::new();
    values.insert(value).map_err(err)?;
    Ok(Attribute { oid, values })
}

/// The signed attributes for a document digest and the seal certificate.
pub fn signed_attributes(digest: &[u8; 32], cert: &Certificate) -> PortResult<SetOfVec<Attribute>> {
    signed_attributes_for(ID_DATA, digest, cert)
}

/// The signed attributes of a content of `content_type` with this digest, by `cert`.
pub fn signed_attributes_for(
    content_type: ObjectIdentifier,
    digest: &[u8; 32],
    cert: &Certificate,
) -> PortResult<SetOfVec<Attribute>> {
    let ess = SigningCertificateV2 {
        certs: vec![EssCertIdV2 {
            cert_hash: OctetString::new(Sha256::digest(cert.to_der().map_err(err)?).to_vec())
                .map_err(err)?,
            issuer_serial: Some(IssuerSerial {
                issuer: vec![GeneralName::DirectoryName(
                    cert.tbs_certificate.issuer.clone(),
                )],
                serial_number: cert.tbs_certificate.serial_number.clone(),
            }),
        }],
    };
    SetOfVec::try_from(vec![
        attribute(
            ID_CONTENT_TYPE,
            Any::encode_from(&content_type).map_err(err)?,
        )?,
        attribute(
            ID_MESSAGE_DIGEST,
            Any::encode_from(&OctetString::new(digest.to_vec()).map_err(err)?).map_err(err)?,
        )?,
        attribute(
            ID_AA_SIGNING_CERTIFICATE_V2,
            Any::encode_from(&ess).map_err(err)?,
        )?,
    ])
    .map_err(err)
}

/// What a SignedData encapsulates: nothing (a detached signature of a document) or a
/// content of its own (the TSTInfo of a time-stamp token).
pub struct Encapsulated {
    pub content_type: ObjectIdentifier,
    pub content: Option<Vec<u8>>,
}

impl Encapsulated {
    pub fn detached() -> Self {
        Encapsulated {
            content_type: ID_DATA,
            content: None,
        }
    }
}

/// An attribute with one value, given as DER.
pub fn attribute_der(oid: ObjectIdentifier, der: &[u8]) -> PortResult<Attribute> {
    attribute(oid, Any::from_der(der).map_err(err)?)
}

/// The CMS SignedData around a signature of the attributes.
pub fn assemble(
    attrs: SetOfVec<Attribute>,
    signature: Vec<u8>,
    algorithm: SignatureAlgorithm,
    chain: &[Certificate],
) -> PortResult<Vec<u8>> {
    assemble_with(
        Encapsulated::detached(),
        attrs,
        signature,
        algorithm,
        chain,
        None,
    )
}

/// The CMS SignedData of `encapsulated`, with optional unsigned attributes.
pub fn assemble_with(
    encapsulated: Encapsulated,
    attrs: SetOfVec<Attribute>,
    signature: Vec<u8>,
    algorithm: SignatureAlgorithm,
    chain: &[Certificate],
    unsigned: Option<SetOfVec<Attribute>>,
) -> PortResult<Vec<u8>> {
    let cert = chain.first().ok_or_else(|| err("no certificate"))?;
    let sha256 = AlgorithmIdentifierOwned {
        oid: ID_SHA_256,
        parameters: None,
    };
    let signature_algorithm = match algorithm {
        SignatureAlgorithm::EcdsaP256Sha256 => AlgorithmIdentifierOwned {
            oid: ECDSA_WITH_SHA_256,
            parameters: None,
        },
    };
    let signer_info = SignerInfo {
        version: CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: cert.tbs_certificate.issuer.clone(),
            serial_number: cert.tbs_certificate.serial_number.clone(),
        }),
        digest_alg: sha256.clone(),
        signed_attrs: Some(attrs),
        signature_algorithm,
        signature: OctetString::new(signature).map_err(err)?,
        unsigned_attrs: unsigned,
    };
    let mut digest_algorithms = SetOfVec::new();
    digest_algorithms.insert(sha256).map_err(err)?;
    let certs: Vec<CertificateChoices> = chain
        .iter()
        .cloned()
        .map(CertificateChoices::Certificate)
        .collect();
    let econtent = match encapsulated.content {
        Some(c) => Some(Any::encode_from(&OctetString::new(c).map_err(err)?).map_err(err)?),
        None => None,
    };
    let signed_data = SignedData {
        version: if econtent.is_some() {
            CmsVersion::V3
        } else {
            CmsVersion::V1
        },
        digest_algorithms,
        encap_content_info: EncapsulatedContentInfo {
            econtent_type: encapsulated.content_type,
            econtent,
        },
        certificates: Some(CertificateSet(SetOfVec::try_from(certs).map_err(err)?)),
        crls: None,
        signer_infos: SignerInfos(SetOfVec::try_from(vec![signer_info]).map_err(err)?),
    };
    ContentInfo {
        content_type: ID_SIGNED_DATA,
        content: Any::encode_from(&signed_data).map_err(err)?,
    }
    .to_der()
    .map_err(err)
}

/// Writes the CMS into the `/Contents` placeholder, padded with zeros. Nothing may change
/// the file afterwards.
pub fn embed(bytes: &mut [u8], (start, end): (usize, usize), cms: &[u8]) -> PortResult<()> {
    let room = (end - start - 2) / 2;
    if cms.len() > room {
        return Err(err(format!(
            "CMS of {} bytes exceeds the {room} reserved",
            cms.len()
        )));
    }
    let hex = hex::encode_upper(cms);
    let area = &mut bytes[start + 1..end - 1];
    area[..hex.len()].copy_from_slice(hex.as_bytes());
    area[hex.len()..].fill(b'0');
    Ok(())
}

/// The signature-time-stamp unsigned attribute: a token over the signature value.
async fn time_stamp(tsa: &dyn Timestamper, signature: &[u8]) -> PortResult<SetOfVec<Attribute>> {
    let digest: [u8; 32] = Sha256::digest(signature).into();
    let token = tsa.timestamp(&digest).await?;
    let attr = attribute_der(ID_AA_SIGNATURE_TIME_STAMP_TOKEN, &token)?;
    SetOfVec::try_from(vec![attr]).map_err(err)
}

/// Seals a document written with its signature field: digest of the byte ranges, the
/// signed attributes signed through the `Signer`, the time-stamp when a TSA is given
/// (PAdES B-T, else B-B), the CMS into the placeholder. `render` writes the document with
/// room for a CMS of the given size: `SIG_RESERVED` first and, should a long chain or a
/// large time-stamp token need more, once again with the room the CMS needs.
pub async fn seal(
    render: impl Fn(usize) -> Rendered,
    signer: &dyn Signer,
    tsa: Option<&dyn Timestamper>,
) -> PortResult<Vec<u8>> {
    let chain: Vec<Certificate> = signer
        .certificate_chain()
        .await?
        .iter()
        .map(|der| Certificate::from_der(der).map_err(err))
        .collect::<PortResult<_>>()?;
    let first = seal_in(render(SIG_RESERVED), signer, tsa, &chain).await?;
    match first {
        Ok(bytes) => Ok(bytes),
        Err(needed) => seal_in(render(needed + 512), signer, tsa, &chain)
            .await?
            .map_err(|n| err(format!("CMS of {n} bytes does not fit"))),
    }
}

/// The sealed bytes, or the size of the CMS that did not fit.
async fn seal_in(
    rendered: Rendered,
    signer: &dyn Signer,
    tsa: Option<&dyn Timestamper>,
    chain: &[Certificate],
) -> PortResult<Result<Vec<u8>, usize>> {
    let Rendered {
        mut bytes,
        contents,
    } = rendered;
    let contents = contents.ok_or_else(|| err("the document has no signature field"))?;
    let cert = chain
        .first()
        .ok_or_else(|| err("the signer has no certificate"))?;
    let attrs = signed_attributes(&byte_range_digest(&bytes, contents), cert)?;
    let signature = signer.sign(&attrs.to_der().map_err(err)?).await?;
    let unsigned = match tsa {
        Some(tsa) => Some(time_stamp(tsa, &signature).await?),
        None => None,
    };
    let cms = assemble_with(
        Encapsulated::detached(),
        attrs,
        signature,
        signer.algorithm(),
        chain,
        unsigned,
    )?;
    if cms.len() * 2 > contents.1 - contents.0 - 2 {
        return Ok(Err(cms.len()));
    }
    embed(&mut bytes, contents, &cms)?;
    Ok(Ok(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::local_signer::SoftwareSigner;
    use crate::pdf::{render_doc, Doc, Footer, Part, SignatureField};
    use chrono::Utc;

    fn to_seal(reserved: usize) -> Rendered {
        let doc = Doc {
            title: "Prova".into(),
            author: "Comune di Prova".into(),
            running_header: "Prova".into(),
            parts: vec![Part::para("Documento di prova.", 11.0)],
            footer: Footer::None,
            watermark: false,
            arms_ratio: 1.0,
        };
        let field = SignatureField {
            name: "Comune di Prova".into(),
            reason: "Prova".into(),
            signed_at: Utc::now(),
            reserved,
        };
        render_doc(&doc, Utc::now(), None, Some(&field))
    }

    #[tokio::test]
    async fn seals_verify_and_tampering_is_detected() {
        let dir = tempfile::tempdir().unwrap();
        let signer = SoftwareSigner::open_or_create(dir.path(), "Comune di Prova").unwrap();
        let sealed = seal(to_seal, &signer, None).await.unwrap();
        let check = verify_seal(&sealed).unwrap();
        assert_eq!(
            check.certificate,
            signer.certificate_chain().await.unwrap()[0]
        );
        assert!(check.signer.contains("Comune di Prova"));

        let at = sealed.windows(6).position(|w| w == b"/Pages").unwrap();
        let mut tampered = sealed.clone();
        tampered[at + 1] = b'Q';
        assert!(verify_seal(&tampered).unwrap_err().contains("modificato"));
        assert!(verify_seal(&to_seal(SIG_RESERVED).bytes).is_err());
    }

    /// A TSA whose tokens are larger than the default room.
    struct Bulky;

    #[async_trait::async_trait]
    impl Timestamper for Bulky {
        async fn timestamp(&self, _: &[u8; 32]) -> PortResult<Vec<u8>> {
            Ok(OctetString::new(vec![7u8; SIG_RESERVED + 100])
                .unwrap()
                .to_der()
                .unwrap())
        }
    }

    #[tokio::test]
    async fn a_cms_larger_than_the_room_is_sealed_in_a_second_rendering() {
        let dir = tempfile::tempdir().unwrap();
        let signer = SoftwareSigner::open_or_create(dir.path(), "Comune di Prova").unwrap();
        let rooms = std::sync::Mutex::new(Vec::new());
        let render = |reserved| {
            rooms.lock().unwrap().push(reserved);
            to_seal(reserved)
        };
        let sealed = seal(render, &signer, Some(&Bulky)).await.unwrap();
        verify_seal(&sealed).unwrap();
        let rooms = rooms.into_inner().unwrap();
        assert_eq!(rooms.len(), 2);
        assert_eq!(rooms[0], SIG_RESERVED);
        assert!(rooms[1] > SIG_RESERVED + 100, "{rooms:?}");
    }
}
