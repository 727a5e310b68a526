//! What both time-stamping adapters (the local TSA and the HTTP client) build alike.

use const_oid::db::rfc5912::ID_SHA_256;
use der::asn1::{Int, OctetString};
use x509_cert::spki::AlgorithmIdentifierOwned;
use x509_tsp::MessageImprint;

use crate::ports::{Port, PortError, PortResult};

fn backend(e: impl std::fmt::Display) -> PortError {
    PortError::unavailable(Port::Timestamper, e.to_string())
}

/// A random positive 80-bit INTEGER in minimal DER form (first byte 0x40..=0x7f): token
/// serial numbers and request nonces.
pub fn random_positive() -> PortResult<Int> {
    use rand::RngCore;
    let mut b = [0u8; 10];
    rand::rngs::OsRng.fill_bytes(&mut b);
    b[0] = (b[0] & 0x3f) | 0x40;
    Int::new(&b).map_err(backend)
}

/// The imprint of a SHA-256 digest.
pub fn sha256_imprint(digest: &[u8; 32]) -> PortResult<MessageImprint> {
    Ok(MessageImprint {
        hash_algorithm: AlgorithmIdentifierOwned {
            oid: ID_SHA_256,
            parameters: None,
        },
        hashed_message: OctetString::new(digest.to_vec()).map_err(backend)?,
    })
}
