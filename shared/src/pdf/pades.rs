//! PAdES baseline B-B signature: an incremental update adds the signature dictionary
//! (SubFilter ETSI.CAdES.detached) with fixed-size placeholders; the CMS SignedData is
//! detached, with the signed attributes content-type, message-digest and
//! signing-certificate-v2 (no signing-time: PAdES puts the time in /M). The DER of the signed
//! attributes (as a SET) is what the `Signer` port signs, so a KMS key or a remote sealing
//! service can replace the local key unchanged.

use chrono::{DateTime, Utc};
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
use lopdf::{dictionary, Document, IncrementalDocument, Object, StringFormat};
use sha2::{Digest, Sha256};
use x509_cert::attr::Attribute;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;

use crate::ports::{Port, PortError, PortResult, SignatureAlgorithm, Signer};

/// Bytes reserved for the CMS (the file holds twice as many hex digits).
pub const SIG_RESERVED: usize = 8192;
const BYTE_RANGE_PLACEHOLDER: i64 = 9_999_999_999;
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

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A PDF with the signature placeholders, and where the `/Contents` hex string lies.
pub struct Prepared {
    pub bytes: Vec<u8>,
    /// Offset of `<` and one past `>` of `/Contents`.
    pub contents: (usize, usize),
}

/// Appends the signature field, widget and dictionary as an incremental update.
pub fn prepare(
    pdf: &[u8],
    signed_at: DateTime<Utc>,
    name: &str,
    reason: &str,
) -> PortResult<Prepared> {
    let prev = Document::load_mem(pdf).map_err(err)?;
    let page_id = *prev.get_pages().get(&1).ok_or_else(|| err("no page"))?;
    let catalog_id = prev
        .trailer
        .get(b"Root")
        .and_then(Object::as_reference)
        .map_err(err)?;
    let mut inc = IncrementalDocument::create_from(pdf.to_vec(), prev);
    let m = signed_at.format("D:%Y%m%d%H%M%S+00'00'").to_string();
    let sig_id = inc.new_document.add_object(dictionary! {
        "Type" => "Sig",
        "Filter" => "Adobe.PPKLite",
        "SubFilter" => "ETSI.CAdES.detached",
        "M" => Object::string_literal(m),
        "Name" => Object::string_literal(name),
        "Reason" => Object::string_literal(reason),
        "ByteRange" => vec![0.into(), BYTE_RANGE_PLACEHOLDER.into(), BYTE_RANGE_PLACEHOLDER.into(), BYTE_RANGE_PLACEHOLDER.into()],
        "Contents" => Object::String(vec![0u8; SIG_RESERVED], StringFormat::Hexadecimal),
    });
    let widget_id = inc.new_document.add_object(dictionary! {
        "Type" => "Annot",
        "Subtype" => "Widget",
        "FT" => "Sig",
        "T" => Object::string_literal("Sigillo"),
        "F" => 132,
        "Rect" => vec![0.into(), 0.into(), 0.into(), 0.into()],
        "P" => page_id,
        "V" => sig_id,
    });
    inc.opt_clone_object_to_new_document(page_id).map_err(err)?;
    let page = inc
        .new_document
        .get_object_mut(page_id)
        .and_then(Object::as_dict_mut)
        .map_err(err)?;
    match page.get_mut(b"Annots") {
        Ok(Object::Array(a)) => a.push(widget_id.into()),
        _ => page.set("Annots", vec![Object::Reference(widget_id)]),
    }
    inc.opt_clone_object_to_new_document(catalog_id)
        .map_err(err)?;
    let catalog = inc
        .new_document
        .get_object_mut(catalog_id)
        .and_then(Object::as_dict_mut)
        .map_err(err)?;
    catalog.set(
        "AcroForm",
        dictionary! { "Fields" => vec![Object::Reference(widget_id)], "SigFlags" => 3 },
    );
    // PAdES is an extension of PDF 1.7 (ISO 32000-1) declared by ETSI.
    catalog.set("Version", Object::Name(b"1.7".to_vec()));
    catalog.set("Extensions", dictionary! { "ESIC" => dictionary! { "BaseVersion" => Object::Name(b"1.7".to_vec()), "ExtensionLevel" => 1 } });
    let mut out = Vec::with_capacity(pdf.len() + 2 * SIG_RESERVED + 2048);
    inc.save_to(&mut out).map_err(err)?;

    locate(out, pdf.len())
}

/// Finds the placeholders in the appended revision (from `tail`) and writes the real
/// `/ByteRange` over its placeholder.
fn locate(mut out: Vec<u8>, tail: usize) -> PortResult<Prepared> {
    let zeros = vec![b'0'; SIG_RESERVED * 2];
    let rel = find(&out[tail..], &zeros).ok_or_else(|| err("no /Contents placeholder"))?;
    let (start, end) = (tail + rel - 1, tail + rel + SIG_RESERVED * 2 + 1);
    if out[start] != b'<' || out[end - 1] != b'>' {
        return Err(err("unexpected /Contents encoding"));
    }
    let p = BYTE_RANGE_PLACEHOLDER;
    let placeholder = format!("{p} {p} {p}");
    let br = tail
        + find(&out[tail..], placeholder.as_bytes())
            .ok_or_else(|| err("no /ByteRange placeholder"))?;
    let actual = format!("{} {} {}", start, end, out.len() - end);
    let padded = format!("{actual:<width$}", width = placeholder.len());
    out[br..br + placeholder.len()].copy_from_slice(padded.as_bytes());
    Ok(Prepared {
        bytes: out,
        contents: (start, end),
    })
}

/// SHA-256 of the bytes the signature covers: everything but the `/Contents` string.
pub fn byte_range_digest(p: &Prepared) -> [u8; 32] {
    let (start, end) = p.contents;
    let mut h = Sha256::new();
    h.update(&p.bytes[..start]);
    h.update(&p.bytes[end..]);
    h.finalize().into()
}

fn attribute(oid: ObjectIdentifier, value: Any) -> PortResult<Attribute> {
    let mut values = SetOfVec::new();
    values.insert(value).map_err(err)?;
    Ok(Attribute { oid, values })
}

/// The signed attributes for a document digest and the seal certificate.
pub fn signed_attributes(digest: &[u8; 32], cert: &Certificate) -> PortResult<SetOfVec<Attribute>> {
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
        attribute(ID_CONTENT_TYPE, Any::encode_from(&ID_DATA).map_err(err)?)?,
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

/// The detached CMS SignedData around a signature of the attributes.
pub fn assemble(
    attrs: SetOfVec<Attribute>,
    signature: Vec<u8>,
    algorithm: SignatureAlgorithm,
    chain: &[Certificate],
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
        unsigned_attrs: None,
    };
    let mut digest_algorithms = SetOfVec::new();
    digest_algorithms.insert(sha256).map_err(err)?;
    let certs: Vec<CertificateChoices> = chain
        .iter()
        .cloned()
        .map(CertificateChoices::Certificate)
        .collect();
    let signed_data = SignedData {
        version: CmsVersion::V1,
        digest_algorithms,
        encap_content_info: EncapsulatedContentInfo {
            econtent_type: ID_DATA,
            econtent: None,
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

/// Writes the CMS into the `/Contents` placeholder. Nothing may change the file afterwards.
pub fn embed(p: &mut Prepared, cms: &[u8]) -> PortResult<()> {
    if cms.len() > SIG_RESERVED {
        return Err(err(format!(
            "CMS of {} bytes exceeds the {} reserved",
            cms.len(),
            SIG_RESERVED
        )));
    }
    let hex = hex::encode_upper(cms);
    let start = p.contents.0 + 1;
    p.bytes[start..start + hex.len()].copy_from_slice(hex.as_bytes());
    Ok(())
}

/// Seals a PDF through the `Signer`: prepare, sign the attributes, embed.
pub async fn sign_pdf(
    pdf: &[u8],
    signer: &dyn Signer,
    signed_at: DateTime<Utc>,
    name: &str,
) -> PortResult<Vec<u8>> {
    let chain: Vec<Certificate> = signer
        .certificate_chain()
        .await?
        .iter()
        .map(|der| Certificate::from_der(der).map_err(err))
        .collect::<PortResult<_>>()?;
    let cert = chain
        .first()
        .ok_or_else(|| err("the signer has no certificate"))?;
    let mut prepared = prepare(
        pdf,
        signed_at,
        name,
        "Certificato anagrafico rilasciato online",
    )?;
    let attrs = signed_attributes(&byte_range_digest(&prepared), cert)?;
    let to_sign = attrs.to_der().map_err(err)?;
    let signature = signer.sign(&to_sign).await?;
    let cms = assemble(attrs, signature, signer.algorithm(), &chain)?;
    embed(&mut prepared, &cms)?;
    Ok(prepared.bytes)
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::local_signer::SoftwareSigner;

    fn minimal_pdf() -> Vec<u8> {
        let mut doc = lopdf::Document::with_version("1.5");
        let pages_id = doc.new_object_id();
        let page_id = doc.add_object(dictionary! { "Type" => "Page", "Parent" => pages_id, "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()] });
        doc.objects.insert(
            pages_id,
            Object::Dictionary(
                dictionary! { "Type" => "Pages", "Kids" => vec![page_id.into()], "Count" => 1 },
            ),
        );
        let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
        doc.trailer.set("Root", catalog);
        let mut out = Vec::new();
        doc.save_to(&mut out).unwrap();
        out
    }

    #[tokio::test]
    async fn seals_verify_and_tampering_is_detected() {
        let dir = tempfile::tempdir().unwrap();
        let signer = SoftwareSigner::open_or_create(dir.path(), "Comune di Prova").unwrap();
        let sealed = sign_pdf(&minimal_pdf(), &signer, Utc::now(), "Comune di Prova")
            .await
            .unwrap();
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
        assert!(verify_seal(&minimal_pdf()).is_err());
    }
}
