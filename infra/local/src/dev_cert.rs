//! The local CNS listener's own development server certificate (self-signed, for 127.0.0.1
//! and localhost), made once under `DATA_DIR/cns/`.

use std::path::Path;

use openssl::asn1::Asn1Time;
use openssl::bn::{BigNum, MsbOption};
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::PKey;
use openssl::x509::extension::{ExtendedKeyUsage, SubjectAlternativeName};
use openssl::x509::{X509NameBuilder, X509};

/// The certificate and key (PEM), made when absent.
pub fn ensure(dir: &Path) -> anyhow::Result<(String, String)> {
    let (cert_path, key_path) = (dir.join("server.pem"), dir.join("server-key.pem"));
    if let (Ok(cert), Ok(key)) = (
        std::fs::read_to_string(&cert_path),
        std::fs::read_to_string(&key_path),
    ) {
        return Ok((cert, key));
    }
    std::fs::create_dir_all(dir)?;
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1)?;
    let key = PKey::from_ec_key(EcKey::generate(&group)?)?;
    let mut name = X509NameBuilder::new()?;
    name.append_entry_by_nid(Nid::COMMONNAME, "Anagrafe online - accesso CNS (sviluppo)")?;
    let name = name.build();
    let mut serial = BigNum::new()?;
    serial.rand(128, MsbOption::MAYBE_ZERO, false)?;
    let mut x = X509::builder()?;
    x.set_version(2)?;
    let serial = serial.to_asn1_integer()?;
    x.set_serial_number(&serial)?;
    x.set_subject_name(&name)?;
    x.set_issuer_name(&name)?;
    x.set_pubkey(&key)?;
    let (from, until) = (Asn1Time::days_from_now(0)?, Asn1Time::days_from_now(365)?);
    x.set_not_before(&from)?;
    x.set_not_after(&until)?;
    let san = SubjectAlternativeName::new()
        .ip("127.0.0.1")
        .dns("localhost")
        .build(&x.x509v3_context(None, None))?;
    x.append_extension(san)?;
    x.append_extension(ExtendedKeyUsage::new().server_auth().build()?)?;
    x.sign(&key, MessageDigest::sha256())?;
    let cert = String::from_utf8(x.build().to_pem()?)?;
    let key = String::from_utf8(key.private_key_to_pem_pkcs8()?)?;
    std::fs::write(&cert_path, &cert)?;
    std::fs::write(&key_path, &key)?;
    Ok((cert, key))
}
