//! `Signer` with a software P-256 key kept in `<DATA_DIR>/signer/`, created on first start
//! together with a local root CA and a certificate for the key issued by it (KeyUsage
//! digitalSignature + nonRepudiation, as validators of seals require). For local use only:
//! in the cloud the key lives in KMS and its certificate comes from configuration.
//!
//! Files: `key.pem` (PKCS#8), `cert.pem` (the seal certificate), `ca.pem` (the local root to
//! trust when validating), `ca-key.pem` (the root's key).

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use der::{DecodePem, Encode, EncodePem};
use p256::ecdsa::{DerSignature, SigningKey};
use p256::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey, LineEnding};
use x509_cert::builder::{Builder, CertificateBuilder, Profile};
use x509_cert::name::Name;
use x509_cert::spki::SubjectPublicKeyInfoOwned;
use x509_cert::time::Validity;
use x509_cert::Certificate;

use crate::ports::{Port, PortError, PortResult, SignatureAlgorithm, Signer};
use crate::seal::random_serial;

pub struct SoftwareSigner {
    key: SigningKey,
    signer: super::ecdsa::EcdsaSigner,
    /// DER certificates: the seal certificate, then the root.
    chain: Vec<Vec<u8>>,
}

fn backend(e: impl std::fmt::Display) -> PortError {
    PortError::unavailable(Port::Signer, e.to_string())
}

/// Writes through a temporary file so a crash never leaves half a key.
fn write_private(path: &Path, text: &str) -> PortResult<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text.as_bytes()).map_err(backend)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600)).map_err(backend)?;
    }
    std::fs::rename(&tmp, path).map_err(backend)
}

fn load_or_create_key(path: &Path) -> PortResult<SigningKey> {
    if path.exists() {
        let pem = std::fs::read_to_string(path).map_err(backend)?;
        return SigningKey::from_pkcs8_pem(&pem).map_err(backend);
    }
    let key = SigningKey::random(&mut rand::rngs::OsRng);
    write_private(path, &key.to_pkcs8_pem(LineEnding::LF).map_err(backend)?)?;
    Ok(key)
}

fn spki(key: &SigningKey) -> PortResult<SubjectPublicKeyInfoOwned> {
    SubjectPublicKeyInfoOwned::from_key(*key.verifying_key()).map_err(backend)
}

const YEAR: Duration = Duration::from_secs(365 * 24 * 3600);

/// Issues the local root and the seal certificate for `key`, named after the municipality.
/// A local root CA and the seal certificate it issues for the public key `subject_key`
/// (DER SubjectPublicKeyInfo: a software key here, a KMS key's public key for tests and for
/// the dev certificate of a cloud deployment).
pub fn issue_certificates_for(
    subject_key: &[u8],
    ca_key: &SigningKey,
    municipality: &str,
) -> PortResult<(Certificate, Certificate)> {
    use der::Decode;
    let subject_spki = SubjectPublicKeyInfoOwned::from_der(subject_key).map_err(backend)?;
    let org = municipality.replace([',', '+', '"', '\\', '<', '>', ';', '='], " ");
    let root_name =
        Name::from_str(&format!("CN=CA locale di sviluppo,O={org},C=IT")).map_err(backend)?;
    let root = CertificateBuilder::new(
        Profile::Root,
        random_serial()?,
        Validity::from_now(10 * YEAR).map_err(backend)?,
        root_name.clone(),
        spki(ca_key)?,
        ca_key,
    )
    .map_err(backend)?
    .build::<DerSignature>()
    .map_err(backend)?;
    let subject = crate::seal::seal_subject(municipality)?;
    let leaf = CertificateBuilder::new(
        Profile::Leaf {
            issuer: root_name,
            enable_key_agreement: false,
            enable_key_encipherment: false,
        },
        random_serial()?,
        Validity::from_now(3 * YEAR).map_err(backend)?,
        subject,
        subject_spki,
        ca_key,
    )
    .map_err(backend)?
    .build::<DerSignature>()
    .map_err(backend)?;
    Ok((leaf, root))
}

impl SoftwareSigner {
    /// Loads the key and certificates from `dir`, creating what is missing.
    pub fn open_or_create(dir: &Path, municipality: &str) -> PortResult<Self> {
        std::fs::create_dir_all(dir).map_err(backend)?;
        let key = load_or_create_key(&dir.join("key.pem"))?;
        let (cert_path, ca_path) = (dir.join("cert.pem"), dir.join("ca.pem"));
        if !cert_path.exists() || !ca_path.exists() {
            let ca_key = load_or_create_key(&dir.join("ca-key.pem"))?;
            let public = key.verifying_key().to_public_key_der().map_err(backend)?;
            let (leaf, root) = issue_certificates_for(public.as_bytes(), &ca_key, municipality)?;
            // The root first: a seal certificate is never on disk without its issuer.
            std::fs::write(&ca_path, root.to_pem(LineEnding::LF).map_err(backend)?)
                .map_err(backend)?;
            std::fs::write(&cert_path, leaf.to_pem(LineEnding::LF).map_err(backend)?)
                .map_err(backend)?;
        }
        let mut chain = Vec::new();
        for path in [cert_path, ca_path] {
            let pem = std::fs::read_to_string(&path).map_err(backend)?;
            let cert = Certificate::from_pem(pem.as_bytes()).map_err(backend)?;
            chain.push(cert.to_der().map_err(backend)?);
        }
        let signer = super::ecdsa::EcdsaSigner::new(&key).map_err(backend)?;
        Ok(SoftwareSigner { key, signer, chain })
    }
}

#[async_trait]
impl Signer for SoftwareSigner {
    fn algorithm(&self) -> SignatureAlgorithm {
        SignatureAlgorithm::EcdsaP256Sha256
    }

    async fn public_key_der(&self) -> PortResult<Vec<u8>> {
        Ok(self
            .key
            .verifying_key()
            .to_public_key_der()
            .map_err(backend)?
            .into_vec())
    }

    async fn certificate_chain(&self) -> PortResult<Vec<Vec<u8>>> {
        Ok(self.chain.clone())
    }

    async fn sign(&self, message: &[u8]) -> PortResult<Vec<u8>> {
        self.signer.sign(message).map_err(backend)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use der::Decode;
    use p256::ecdsa::{signature::Verifier, VerifyingKey};
    use p256::pkcs8::DecodePublicKey;

    #[tokio::test]
    async fn key_and_certificates_persist_and_signatures_verify() {
        let dir = tempfile::tempdir().unwrap();
        let s1 = SoftwareSigner::open_or_create(dir.path(), "Comune di Valdemo").unwrap();
        let pk1 = s1.public_key_der().await.unwrap();
        let chain1 = s1.certificate_chain().await.unwrap();
        let s2 = SoftwareSigner::open_or_create(dir.path(), "Comune di Valdemo").unwrap();
        assert_eq!(
            pk1,
            s2.public_key_der().await.unwrap(),
            "same key after restart"
        );
        assert_eq!(
            chain1,
            s2.certificate_chain().await.unwrap(),
            "same certificates"
        );

        let sig = s2.sign(b"attributi firmati").await.unwrap();
        let vk = VerifyingKey::from_public_key_der(&pk1).unwrap();
        let sig = DerSignature::from_bytes(&sig).unwrap();
        assert!(vk.verify(b"attributi firmati", &sig).is_ok());
        assert!(vk.verify(b"altro", &sig).is_err());

        // The seal certificate carries our key and is issued by the root.
        let leaf = Certificate::from_der(&chain1[0]).unwrap();
        let root = Certificate::from_der(&chain1[1]).unwrap();
        assert_eq!(
            leaf.tbs_certificate
                .subject_public_key_info
                .to_der()
                .unwrap(),
            pk1
        );
        assert_eq!(leaf.tbs_certificate.issuer, root.tbs_certificate.subject);
        assert!(leaf
            .tbs_certificate
            .subject
            .to_string()
            .contains("Comune di Valdemo"));
    }
}
