//! ECDSA P-256 signing of the local seal and TSA keys with aws-lc (already linked for TLS):
//! its assembly signs several times faster than the pure-Rust `p256`, which stays for
//! making keys and certificates and for verifying.

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{EcdsaKeyPair, ECDSA_P256_SHA256_ASN1_SIGNING};
use p256::ecdsa::SigningKey;
use p256::pkcs8::EncodePrivateKey;

/// A P-256 key ready to sign: SHA-256 of the message, DER signature.
pub struct EcdsaSigner {
    pair: EcdsaKeyPair,
    rng: SystemRandom,
}

impl EcdsaSigner {
    pub fn new(key: &SigningKey) -> Result<Self, String> {
        let der = key.to_pkcs8_der().map_err(|e| e.to_string())?;
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, der.as_bytes())
            .map_err(|e| e.to_string())?;
        Ok(EcdsaSigner {
            pair,
            rng: SystemRandom::new(),
        })
    }

    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, String> {
        self.pair
            .sign(&self.rng, message)
            .map(|s| s.as_ref().to_vec())
            .map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::signature::Verifier;
    use p256::ecdsa::{DerSignature, VerifyingKey};

    #[test]
    fn signatures_verify_with_the_same_key_in_p256() {
        let key = SigningKey::random(&mut rand::rngs::OsRng);
        let signer = EcdsaSigner::new(&key).unwrap();
        let sig = signer.sign(b"attributi firmati").unwrap();
        let sig = DerSignature::from_bytes(&sig).unwrap();
        VerifyingKey::from(&key)
            .verify(b"attributi firmati", &sig)
            .unwrap();
        assert!(VerifyingKey::from(&key).verify(b"altro", &sig).is_err());
    }
}
