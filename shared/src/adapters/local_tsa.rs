//! A time-stamping authority (RFC 3161) inside the local runner: its own P-256 key and a
//! certificate for it (EKU timeStamping, critical) issued by the local root of the seal
//! (`<DATA_DIR>/signer/ca*.pem`), kept in `<DATA_DIR>/tsa/`. It gives tokens in process
//! (`Timestamper`) and answers RFC 3161 requests over HTTP (`respond`, served by the runner
//! at `POST /tsa`), so the HTTP client of the cloud is tested against it.

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;

use async_trait::async_trait;
use cmpv2::status::{PkiStatus, PkiStatusInfo};
use cms::content_info::ContentInfo;
use const_oid::db::rfc5280::ID_KP_TIME_STAMPING;
use const_oid::db::rfc5912::ID_SHA_256;
use const_oid::ObjectIdentifier;
use der::asn1::{GeneralizedTime, Int};
use der::{Decode, DecodePem, Encode, EncodePem};
use p256::ecdsa::{DerSignature, SigningKey};
use p256::pkcs8::{DecodePrivateKey, EncodePrivateKey, LineEnding};
use sha2::{Digest, Sha256};
use x509_cert::builder::{Builder, CertificateBuilder, Profile};
use x509_cert::ext::pkix::ExtendedKeyUsage;
use x509_cert::spki::SubjectPublicKeyInfoOwned;
use x509_cert::time::Validity;
use x509_cert::Certificate;
use x509_tsp::{MessageImprint, TimeStampReq, TimeStampResp, TspVersion, TstInfo};

use super::tsp::{random_positive, sha256_imprint};
use crate::pdf::pades::{assemble_with, signed_attributes_for, Encapsulated};
use crate::ports::{Clock, Port, PortError, PortResult, SignatureAlgorithm, Timestamper};
use crate::seal::random_serial;

/// id-ct-TSTInfo (RFC 3161).
pub const ID_CT_TST_INFO: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.4");
/// The policy under which the local TSA stamps (a private arc: for tests and the demo).
const POLICY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.57264.1.1");

fn backend(e: impl std::fmt::Display) -> PortError {
    PortError::unavailable(Port::Timestamper, e.to_string())
}

pub struct LocalTsa {
    signer: super::ecdsa::EcdsaSigner,
    /// The TSA certificate, then the root that issued it.
    chain: Vec<Certificate>,
    clock: Arc<dyn Clock>,
}

fn key_at(path: &Path) -> PortResult<SigningKey> {
    if path.exists() {
        let pem = std::fs::read_to_string(path).map_err(backend)?;
        return SigningKey::from_pkcs8_pem(&pem).map_err(backend);
    }
    let key = SigningKey::random(&mut rand::rngs::OsRng);
    let pem = key.to_pkcs8_pem(LineEnding::LF).map_err(backend)?;
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, pem.as_bytes()).map_err(backend)?;
    std::fs::rename(&tmp, path).map_err(backend)?;
    Ok(key)
}

/// A certificate for the TSA's key, issued by the local root.
fn issue(
    key: &SigningKey,
    root: &Certificate,
    root_key: &SigningKey,
    name: &str,
) -> PortResult<Certificate> {
    const YEAR: std::time::Duration = std::time::Duration::from_secs(365 * 24 * 3600);
    let org = name.replace([',', '+', '"', '\\', '<', '>', ';', '='], " ");
    let subject =
        x509_cert::name::Name::from_str(&format!("CN=TSA locale di sviluppo,O={org},C=IT"))
            .map_err(backend)?;
    let spki = SubjectPublicKeyInfoOwned::from_key(*key.verifying_key()).map_err(backend)?;
    let profile = Profile::Leaf {
        issuer: root.tbs_certificate.subject.clone(),
        enable_key_agreement: false,
        enable_key_encipherment: false,
    };
    let validity = Validity::from_now(3 * YEAR).map_err(backend)?;
    let mut b =
        CertificateBuilder::new(profile, random_serial()?, validity, subject, spki, root_key)
            .map_err(backend)?;
    b.add_extension(&ExtendedKeyUsage(vec![ID_KP_TIME_STAMPING]))
        .map_err(backend)?;
    b.build::<DerSignature>().map_err(backend)
}

impl LocalTsa {
    /// Loads the TSA's key and certificate from `dir`, creating them on first start with the
    /// local root of `signer_dir`.
    pub fn open_or_create(
        dir: &Path,
        signer_dir: &Path,
        name: &str,
        clock: Arc<dyn Clock>,
    ) -> PortResult<Self> {
        std::fs::create_dir_all(dir).map_err(backend)?;
        let key = key_at(&dir.join("key.pem"))?;
        let root_pem = std::fs::read_to_string(signer_dir.join("ca.pem")).map_err(backend)?;
        let root = Certificate::from_pem(root_pem.as_bytes()).map_err(backend)?;
        let cert_path = dir.join("cert.pem");
        if !cert_path.exists() {
            let root_key = key_at(&signer_dir.join("ca-key.pem"))?;
            let cert = issue(&key, &root, &root_key, name)?;
            let pem = cert.to_pem(LineEnding::LF).map_err(backend)?;
            std::fs::write(&cert_path, pem).map_err(backend)?;
        }
        let pem = std::fs::read_to_string(&cert_path).map_err(backend)?;
        let cert = Certificate::from_pem(pem.as_bytes()).map_err(backend)?;
        Ok(LocalTsa {
            signer: super::ecdsa::EcdsaSigner::new(&key).map_err(backend)?,
            chain: vec![cert, root],
            clock,
        })
    }

    /// The TSA of a local data directory (`tsa/`, issued by the root in `signer/`).
    pub fn in_data_dir(data_dir: &Path, name: &str, clock: Arc<dyn Clock>) -> PortResult<Self> {
        Self::open_or_create(&data_dir.join("tsa"), &data_dir.join("signer"), name, clock)
    }

    /// The token (a CMS SignedData of the TSTInfo) over a message imprint.
    pub fn token(&self, imprint: MessageImprint, nonce: Option<Int>) -> PortResult<Vec<u8>> {
        let now = std::time::SystemTime::UNIX_EPOCH
            + std::time::Duration::from_secs(self.clock.now().timestamp().max(0) as u64);
        let info = TstInfo {
            version: TspVersion::V1,
            policy: POLICY,
            message_imprint: imprint,
            serial_number: random_positive()?,
            gen_time: GeneralizedTime::from_system_time(now).map_err(backend)?,
            accuracy: None,
            ordering: false,
            nonce,
            tsa: None,
            extensions: None,
        };
        let content = info.to_der().map_err(backend)?;
        let digest: [u8; 32] = Sha256::digest(&content).into();
        let attrs = signed_attributes_for(ID_CT_TST_INFO, &digest, &self.chain[0])?;
        let signature = self
            .signer
            .sign(&attrs.to_der().map_err(backend)?)
            .map_err(backend)?;
        let encapsulated = Encapsulated {
            content_type: ID_CT_TST_INFO,
            content: Some(content),
        };
        assemble_with(
            encapsulated,
            attrs,
            signature,
            SignatureAlgorithm::EcdsaP256Sha256,
            &self.chain,
            None,
        )
    }

    /// The DER TimeStampResp to a DER TimeStampReq: a token, or a rejection saying why.
    pub fn respond(&self, request: &[u8]) -> Vec<u8> {
        let token = match self.grant(request) {
            Ok(token) => token,
            Err(why) => return rejection(why),
        };
        let resp = TimeStampResp {
            status: PkiStatusInfo {
                status: PkiStatus::Accepted,
                status_string: None,
                fail_info: None,
            },
            time_stamp_token: Some(token),
        };
        resp.to_der()
            .unwrap_or_else(|_| rejection(Rejected::SystemFailure))
    }

    fn grant(&self, request: &[u8]) -> Result<ContentInfo, Rejected> {
        let req = TimeStampReq::from_der(request).map_err(|_| Rejected::BadDataFormat)?;
        let imprint = &req.message_imprint;
        if imprint.hash_algorithm.oid != ID_SHA_256 || imprint.hashed_message.as_bytes().len() != 32
        {
            return Err(Rejected::BadAlg);
        }
        self.token(req.message_imprint, req.nonce)
            .ok()
            .and_then(|t| ContentInfo::from_der(&t).ok())
            .ok_or(Rejected::SystemFailure)
    }
}

/// Why a request is rejected: the bit of PKIFailureInfo (RFC 3161 §2.4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rejected {
    BadAlg = 0,
    BadDataFormat = 5,
    SystemFailure = 25,
}

/// PKIStatusInfo of a rejection, encoded here: cmpv2's PKIFailureInfo takes the bit numbers
/// for masks and cannot hold bit 25.
#[derive(der::Sequence)]
struct RejectionStatus {
    status: u8,
    fail_info: der::asn1::BitString,
}

#[derive(der::Sequence)]
struct Rejection {
    status: RejectionStatus,
}

/// A TimeStampResp with status rejection and the named bit of `why` (DER: no trailing
/// zero bits).
fn rejection(why: Rejected) -> Vec<u8> {
    let bit = why as usize;
    let mut bytes = vec![0u8; bit / 8 + 1];
    bytes[bit / 8] = 0x80 >> (bit % 8);
    let unused = 7 - (bit % 8) as u8;
    let resp = Rejection {
        status: RejectionStatus {
            status: 2,
            fail_info: der::asn1::BitString::new(unused, bytes).expect("a named bit"),
        },
    };
    resp.to_der().expect("a rejection encodes")
}

#[async_trait]
impl Timestamper for LocalTsa {
    async fn timestamp(&self, digest: &[u8; 32]) -> PortResult<Vec<u8>> {
        self.token(sha256_imprint(digest)?, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejections_name_their_reason_in_der() {
        let dir = tempfile::tempdir().unwrap();
        crate::adapters::local_signer::SoftwareSigner::open_or_create(
            &dir.path().join("signer"),
            "Comune di Prova",
        )
        .unwrap();
        let clock = Arc::new(crate::adapters::clock::SystemClock);
        let tsa = LocalTsa::in_data_dir(dir.path(), "Comune di Prova", clock).unwrap();
        let der = tsa.respond(b"\x30\x03\x02\x01");
        // SEQUENCE { SEQUENCE { INTEGER 2, BIT STRING badDataFormat (bit 5) } }
        assert_eq!(
            der,
            [0x30, 0x09, 0x30, 0x07, 0x02, 0x01, 0x02, 0x03, 0x02, 0x02, 0x04]
        );
        assert_eq!(rejection(Rejected::BadAlg)[7..], [0x03, 0x02, 0x07, 0x80]);
        assert_eq!(
            rejection(Rejected::SystemFailure)[7..],
            [0x03, 0x05, 0x06, 0, 0, 0, 0x40]
        );
    }
}
