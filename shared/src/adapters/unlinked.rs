//! The ports of adapters a function does not link (`shared`'s cargo features: each function
//! names the adapters it uses). Only routes of other functions reach them; they refuse with
//! an error naming what is missing instead of failing somewhere else.
//!
//! A function that checks seals without making any (verify) still knows the seal's
//! certificate: `PublishedChain` answers with it and refuses to sign.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::ports::{ArchiveStore, Mail, Mailer, PortError, PortResult, SignatureAlgorithm, Signer};

/// A port whose adapter is not in this function's binary.
pub struct Unlinked(pub &'static str);

impl Unlinked {
    fn refuse<T>(&self) -> PortResult<T> {
        Err(PortError::NotConfigured(self.0))
    }
}

#[async_trait]
impl ArchiveStore for Unlinked {
    async fn put(&self, _: &str, _: &[u8], _: DateTime<Utc>) -> PortResult<()> {
        self.refuse()
    }

    async fn get(&self, _: &str) -> PortResult<Option<Vec<u8>>> {
        self.refuse()
    }

    async fn delete(&self, _: &str) -> PortResult<()> {
        self.refuse()
    }
}

#[async_trait]
impl Mailer for Unlinked {
    async fn send(&self, _: &Mail) -> PortResult<()> {
        self.refuse()
    }
}

/// The seal's certificate chain (`SIGNING_CERT_CHAIN`) without its key.
pub struct PublishedChain(pub Vec<Vec<u8>>);

#[async_trait]
impl Signer for PublishedChain {
    fn algorithm(&self) -> SignatureAlgorithm {
        SignatureAlgorithm::EcdsaP256Sha256
    }

    /// The public key of the seal certificate.
    async fn public_key_der(&self) -> PortResult<Vec<u8>> {
        use der::{Decode, Encode};
        let leaf = self.0.first().ok_or(NO_CHAIN)?;
        let cert = x509_cert::Certificate::from_der(leaf)
            .map_err(|e| PortError::unavailable(crate::ports::Port::Signer, e.to_string()))?;
        cert.tbs_certificate
            .subject_public_key_info
            .to_der()
            .map_err(|e| PortError::unavailable(crate::ports::Port::Signer, e.to_string()))
    }

    async fn certificate_chain(&self) -> PortResult<Vec<Vec<u8>>> {
        if self.0.is_empty() {
            return Err(NO_CHAIN);
        }
        Ok(self.0.clone())
    }

    async fn sign(&self, _: &[u8]) -> PortResult<Vec<u8>> {
        Err(PortError::NotConfigured(
            "the seal key (KMS): this function does not seal",
        ))
    }
}

const NO_CHAIN: PortError = PortError::NotConfigured("seal certificate chain (SIGNING_CERT_CHAIN)");
