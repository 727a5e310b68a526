//! `Signer` with a software P-256 key kept in `<DATA_DIR>/signer/key.pem` (PKCS#8), created
//! on first start. For local use only: in the cloud the key lives in KMS.

use async_trait::async_trait;
use p256::ecdsa::{signature::Signer as _, Signature, SigningKey};
use p256::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey, LineEnding};
use std::path::Path;

use crate::ports::{SignatureAlgorithm, Signer, StoreError, StoreResult};

pub struct SoftwareSigner {
    key: SigningKey,
}

fn backend(e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(e.to_string())
}

impl SoftwareSigner {
    /// Loads the key from `dir/key.pem`, creating it (mode 0600) when missing.
    pub fn open_or_create(dir: &Path) -> StoreResult<Self> {
        let path = dir.join("key.pem");
        if path.exists() {
            let pem = std::fs::read_to_string(&path).map_err(backend)?;
            let key = SigningKey::from_pkcs8_pem(&pem).map_err(backend)?;
            return Ok(SoftwareSigner { key });
        }
        std::fs::create_dir_all(dir).map_err(backend)?;
        let key = SigningKey::random(&mut rand::rngs::OsRng);
        let pem = key.to_pkcs8_pem(LineEnding::LF).map_err(backend)?;
        let tmp = dir.join("key.pem.tmp");
        std::fs::write(&tmp, pem.as_bytes()).map_err(backend)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600))
                .map_err(backend)?;
        }
        std::fs::rename(&tmp, &path).map_err(backend)?;
        Ok(SoftwareSigner { key })
    }
}

#[async_trait]
impl Signer for SoftwareSigner {
    fn algorithm(&self) -> SignatureAlgorithm {
        SignatureAlgorithm::EcdsaP256Sha256
    }

    async fn public_key_der(&self) -> StoreResult<Vec<u8>> {
        Ok(self
            .key
            .verifying_key()
            .to_public_key_der()
            .map_err(backend)?
            .into_vec())
    }

    async fn sign(&self, message: &[u8]) -> StoreResult<Vec<u8>> {
        let sig: Signature = self.key.sign(message);
        Ok(sig.to_der().as_bytes().to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::{signature::Verifier, DerSignature, VerifyingKey};
    use p256::pkcs8::DecodePublicKey;

    #[tokio::test]
    async fn key_persists_and_signatures_verify() {
        let dir = tempfile::tempdir().unwrap();
        let s1 = SoftwareSigner::open_or_create(dir.path()).unwrap();
        let pk1 = s1.public_key_der().await.unwrap();
        let s2 = SoftwareSigner::open_or_create(dir.path()).unwrap();
        assert_eq!(
            pk1,
            s2.public_key_der().await.unwrap(),
            "same key after restart"
        );

        let sig = s2.sign(b"attributi firmati").await.unwrap();
        let vk = VerifyingKey::from_public_key_der(&pk1).unwrap();
        let sig = DerSignature::from_bytes(&sig).unwrap();
        assert!(vk.verify(b"attributi firmati", &sig).is_ok());
        assert!(vk.verify(b"altro", &sig).is_err());
    }
}
