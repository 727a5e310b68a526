//! The seal key's paperwork, signed through the `Signer` port (so through KMS in the cloud,
//! where the key never leaves the HSM): the certificate signing request ops send to the trust
//! service provider, and a self-issued certificate for tests and for a first deploy before
//! the provider's certificate arrives.

use std::str::FromStr;
use std::time::Duration;

use der::asn1::BitString;
use der::Encode;
use p256::ecdsa::VerifyingKey;
use p256::pkcs8::DecodePublicKey;
use rand::RngCore;
use x509_cert::builder::{Builder, CertificateBuilder, Profile, RequestBuilder};
use x509_cert::name::Name;
use x509_cert::request::CertReq;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::{
    AlgorithmIdentifierOwned, DynSignatureAlgorithmIdentifier, SubjectPublicKeyInfoOwned,
};
use x509_cert::time::Validity;
use x509_cert::Certificate;

use crate::ports::{Port, PortError, PortResult, Signer};

fn backend(e: impl std::fmt::Display) -> PortError {
    PortError::unavailable(Port::Signer, e.to_string())
}

/// The subject of the seal certificate: `CN=<Comune di X> - Servizi Demografici,
/// OU=Ufficio Anagrafe, O=<Comune di X>, C=IT` (RFC 4514 specials removed from the name).
pub fn seal_subject(municipality: &str) -> PortResult<Name> {
    let org = municipality.replace([',', '+', '"', '\\', '<', '>', ';', '='], " ");
    Name::from_str(&format!(
        "CN={org} - Servizi Demografici,OU=Ufficio Anagrafe,O={org},C=IT"
    ))
    .map_err(backend)
}

/// A random positive 128-bit serial number.
pub fn random_serial() -> PortResult<SerialNumber> {
    let mut b = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut b);
    b[0] &= 0x7f;
    b[0] |= 0x01;
    SerialNumber::new(&b).map_err(backend)
}

/// The public half of the port's key, as the X.509 builders want it; the signature itself is
/// made asynchronously through the port between `finalize` and `assemble`.
struct PortKey(VerifyingKey);

impl p256::ecdsa::signature::Keypair for PortKey {
    type VerifyingKey = VerifyingKey;
    fn verifying_key(&self) -> VerifyingKey {
        self.0
    }
}

impl DynSignatureAlgorithmIdentifier for PortKey {
    fn signature_algorithm_identifier(&self) -> x509_cert::spki::Result<AlgorithmIdentifierOwned> {
        self.0.signature_algorithm_identifier()
    }
}

async fn port_key(signer: &dyn Signer) -> PortResult<PortKey> {
    let spki = signer.public_key_der().await?;
    VerifyingKey::from_public_key_der(&spki)
        .map(PortKey)
        .map_err(|e| backend(format!("the seal key is not a P-256 key: {e}")))
}

async fn sign_with<B: Builder>(mut builder: B, signer: &dyn Signer) -> PortResult<B::Output> {
    let to_be_signed = builder.finalize().map_err(backend)?;
    let signature = signer.sign(&to_be_signed).await?;
    builder
        .assemble(BitString::from_bytes(&signature).map_err(backend)?)
        .map_err(backend)
}

/// A PKCS#10 request for the seal certificate of the port's key.
pub async fn certificate_request(signer: &dyn Signer, municipality: &str) -> PortResult<CertReq> {
    let key = port_key(signer).await?;
    let builder = RequestBuilder::new(seal_subject(municipality)?, &key).map_err(backend)?;
    sign_with(builder, signer).await
}

/// A certificate of the port's key signed by the key itself, with the seal's KeyUsage
/// (digitalSignature, nonRepudiation). Trust it explicitly: it is not a provider's certificate.
pub async fn self_issued_certificate(
    signer: &dyn Signer,
    municipality: &str,
    validity: Duration,
) -> PortResult<Certificate> {
    let key = port_key(signer).await?;
    let subject = seal_subject(municipality)?;
    // From the key already fetched: one GetPublicKey per command, not two.
    let spki = SubjectPublicKeyInfoOwned::from_key(key.0).map_err(backend)?;
    let builder = CertificateBuilder::new(
        Profile::Leaf {
            issuer: subject.clone(),
            enable_key_agreement: false,
            enable_key_encipherment: false,
        },
        random_serial()?,
        Validity::from_now(validity).map_err(backend)?,
        subject,
        spki,
        &key,
    )
    .map_err(backend)?;
    sign_with(builder, signer).await
}

/// The DER of a request or certificate as PEM.
pub fn to_pem(label: &str, value: &impl Encode) -> PortResult<String> {
    let der = value.to_der().map_err(backend)?;
    der::pem::encode_string(label, der::pem::LineEnding::LF, &der).map_err(backend)
}

/// DER certificates from a PEM bundle (`SIGNING_CERT_CHAIN`: the seal certificate, then its
/// issuers).
pub fn pem_chain(pem: &str) -> PortResult<Vec<Vec<u8>>> {
    use der::{DecodePem, Encode};
    let mut out = Vec::new();
    for block in pem.split_inclusive("-----END CERTIFICATE-----") {
        if !block.contains("BEGIN CERTIFICATE") {
            continue;
        }
        let start = block.find("-----BEGIN").unwrap_or(0);
        let cert = x509_cert::Certificate::from_pem(&block.as_bytes()[start..])
            .map_err(|e| PortError::unavailable(Port::Signer, e.to_string()))?;
        out.push(
            cert.to_der()
                .map_err(|e| PortError::unavailable(Port::Signer, e.to_string()))?,
        );
    }
    if out.is_empty() {
        return Err(PortError::NotConfigured("seal certificate chain"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::local_signer::SoftwareSigner;
    use p256::ecdsa::signature::Verifier;
    use p256::ecdsa::DerSignature;

    fn verify(key: &[u8], message: &[u8], signature: &BitString) {
        let key = VerifyingKey::from_public_key_der(key).unwrap();
        let sig = DerSignature::from_bytes(signature.raw_bytes()).unwrap();
        key.verify(message, &sig).expect("signed by the port's key");
    }

    #[tokio::test]
    async fn the_request_and_the_self_issued_certificate_are_signed_by_the_port() {
        let dir = tempfile::tempdir().unwrap();
        let signer = SoftwareSigner::open_or_create(dir.path(), "Comune di Valdemo").unwrap();
        let public = signer.public_key_der().await.unwrap();

        let csr = certificate_request(&signer, "Comune di Valdemo")
            .await
            .unwrap();
        assert_eq!(csr.info.public_key.to_der().unwrap(), public);
        assert_eq!(
            csr.info.subject.to_string(),
            "CN=Comune di Valdemo - Servizi Demografici,OU=Ufficio Anagrafe,O=Comune di Valdemo,C=IT"
        );
        verify(&public, &csr.info.to_der().unwrap(), &csr.signature);

        let cert =
            self_issued_certificate(&signer, "Comune di Valdemo", Duration::from_secs(86400))
                .await
                .unwrap();
        assert_eq!(cert.tbs_certificate.issuer, cert.tbs_certificate.subject);
        verify(
            &public,
            &cert.tbs_certificate.to_der().unwrap(),
            &cert.signature,
        );
        assert!(to_pem("CERTIFICATE REQUEST", &csr)
            .unwrap()
            .starts_with("-----BEGIN CERTIFICATE REQUEST-----\n"));
    }
}
