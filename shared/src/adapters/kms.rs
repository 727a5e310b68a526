//! `Signer` on an AWS KMS asymmetric key (key spec ECC_NIST_P256, usage SIGN_VERIFY, HSM
//! backed): `Sign` with `MessageType=RAW` and ECDSA_SHA_256 over the DER of the signed
//! attributes (KMS hashes it; identical on AWS and on moto). The key never leaves KMS; the
//! certificate of its public key comes from configuration (PEM chain: the seal certificate,
//! then its issuers).

use async_trait::async_trait;
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{MessageType, SigningAlgorithmSpec};
use aws_sdk_kms::Client;

use crate::ports::{Port, PortError, PortResult, SignatureAlgorithm, Signer};

pub struct KmsSigner {
    client: Client,
    key_id: String,
    chain: Vec<Vec<u8>>,
}

fn backend(e: impl std::error::Error) -> PortError {
    PortError::unavailable(
        Port::Signer,
        aws_sdk_kms::error::DisplayErrorContext(e).to_string(),
    )
}

impl KmsSigner {
    /// A signer for `key_id` with the SDK settings from the environment and no certificate yet (for
    /// the seal's request and self-issued certificate).
    pub async fn connect(key_id: &str) -> Self {
        let sdk = super::sdk::from_env();
        KmsSigner::new(Client::new(&sdk), key_id, Vec::new())
    }

    /// `chain` may be empty until the key's certificate is issued: sealing then fails as any
    /// signing failure does (nothing dangling, a retry completes), the other functions work.
    pub fn new(client: Client, key_id: impl Into<String>, chain: Vec<Vec<u8>>) -> Self {
        KmsSigner {
            client,
            key_id: key_id.into(),
            chain,
        }
    }
}

#[async_trait]
impl Signer for KmsSigner {
    fn algorithm(&self) -> SignatureAlgorithm {
        SignatureAlgorithm::EcdsaP256Sha256
    }

    async fn public_key_der(&self) -> PortResult<Vec<u8>> {
        let out = self
            .client
            .get_public_key()
            .key_id(&self.key_id)
            .send()
            .await
            .map_err(backend)?;
        Ok(out
            .public_key()
            .map(|b| b.as_ref().to_vec())
            .unwrap_or_default())
    }

    async fn certificate_chain(&self) -> PortResult<Vec<Vec<u8>>> {
        if self.chain.is_empty() {
            // First deploy: the key exists, its certificate is not issued yet.
            return Err(PortError::NotConfigured(
                "seal certificate of the KMS key (SIGNING_CERT_CHAIN)",
            ));
        }
        Ok(self.chain.clone())
    }

    async fn sign(&self, message: &[u8]) -> PortResult<Vec<u8>> {
        let out = self
            .client
            .sign()
            .key_id(&self.key_id)
            .message(Blob::new(message))
            .message_type(MessageType::Raw)
            .signing_algorithm(SigningAlgorithmSpec::EcdsaSha256)
            .send()
            .await
            .map_err(backend)?;
        out.signature()
            .map(|b| b.as_ref().to_vec())
            .ok_or_else(|| PortError::unavailable(Port::Signer, "KMS returned no signature"))
    }
}
