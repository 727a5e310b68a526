//! The stand-in's payment service providers: a few fake banks (one always refuses, to show
//! a PSP error), one key and self-signed certificate that sign their @e.bollo receipts.

use std::path::Path;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use der::{DecodePem, Encode, EncodePem};
use p256::ecdsa::{DerSignature, SigningKey};
use p256::pkcs8::{DecodePrivateKey, EncodePrivateKey, LineEnding};
use x509_cert::builder::{Builder, CertificateBuilder, Profile};
use x509_cert::spki::SubjectPublicKeyInfoOwned;
use x509_cert::time::Validity;
use x509_cert::Certificate;

use super::marca::{self, Marca};
use crate::ports::{DebtPosition, PaymentReceipt, Port, PortError, PortResult, TransferKind};

/// A fake PSP of the checkout page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Psp {
    pub id: &'static str,
    pub name: &'static str,
    pub fiscal_code: &'static str,
    /// Refuses every payment (a PSP error).
    pub fails: bool,
}

pub const PSPS: [Psp; 3] = [
    Psp {
        id: "banca",
        name: "Banca di Prova S.p.A.",
        fiscal_code: "01234567890",
        fails: false,
    },
    Psp {
        id: "poste",
        name: "Poste di Prova",
        fiscal_code: "09876543210",
        fails: false,
    },
    Psp {
        id: "errore",
        name: "PSP di Prova non disponibile",
        fiscal_code: "11111111111",
        fails: true,
    },
];

fn backend(e: impl std::fmt::Display) -> PortError {
    PortError::unavailable(Port::Payments, e.to_string())
}

pub struct PspKey {
    key: SigningKey,
    pub certificate_der: Vec<u8>,
}

fn self_signed(key: &SigningKey) -> PortResult<Certificate> {
    let subject = x509_cert::name::Name::from_str(
        "CN=PSP di Prova - marca da bollo digitale,O=PSP di Prova,C=IT",
    )
    .map_err(backend)?;
    let spki = SubjectPublicKeyInfoOwned::from_key(*key.verifying_key()).map_err(backend)?;
    let validity =
        Validity::from_now(std::time::Duration::from_secs(3 * 365 * 24 * 3600)).map_err(backend)?;
    let serial = crate::seal::random_serial()?;
    let builder = CertificateBuilder::new(Profile::Root, serial, validity, subject, spki, key)
        .map_err(backend)?;
    builder.build::<DerSignature>().map_err(backend)
}

impl PspKey {
    /// The key and certificate in `dir` (`psp-key.pem`, `psp-cert.pem`), made on first start.
    pub fn open_or_create(dir: &Path) -> PortResult<Self> {
        std::fs::create_dir_all(dir).map_err(backend)?;
        let (key_path, cert_path) = (dir.join("psp-key.pem"), dir.join("psp-cert.pem"));
        if !key_path.exists() || !cert_path.exists() {
            let key = SigningKey::random(&mut rand::rngs::OsRng);
            let cert = self_signed(&key)?;
            let key_pem = key.to_pkcs8_pem(LineEnding::LF).map_err(backend)?;
            std::fs::write(&key_path, key_pem.as_bytes()).map_err(backend)?;
            std::fs::write(&cert_path, cert.to_pem(LineEnding::LF).map_err(backend)?)
                .map_err(backend)?;
        }
        let key = SigningKey::from_pkcs8_pem(&std::fs::read_to_string(&key_path).map_err(backend)?)
            .map_err(backend)?;
        let cert =
            Certificate::from_pem(std::fs::read(&cert_path).map_err(backend)?).map_err(backend)?;
        Ok(PspKey {
            key,
            certificate_der: cert.to_der().map_err(backend)?,
        })
    }

    /// The receipt of paying `position` through `psp` at `at`, with the signed @e.bollo
    /// receipt when the position carries a marca.
    pub fn receipt(&self, position: &DebtPosition, psp: &Psp, at: DateTime<Utc>) -> PaymentReceipt {
        let receipt_id = format!(
            "RT-{}",
            crate::services::applications::new_id().to_uppercase()
        );
        let stamp_xml = position.transfers.iter().find_map(|t| match &t.kind {
            TransferKind::Stamp {
                document_sha256_b64,
                ..
            } => {
                let iubd = format!(
                    "{:014}",
                    u64::from_str_radix(&receipt_id[3..15], 16).unwrap_or(0) % 10u64.pow(14)
                );
                let m = Marca {
                    psp_fiscal_code: psp.fiscal_code,
                    psp_name: psp.name,
                    iubd: &iubd,
                    bought_at: at,
                    document_sha256_b64,
                };
                Some(marca::signed(&m, &self.key, &self.certificate_der))
            }
            TransferKind::Iban(_) => None,
        });
        PaymentReceipt {
            receipt_id,
            psp: psp.name.to_string(),
            paid_at: at,
            amount_cents: position.amount_cents,
            stamp_xml,
        }
    }
}
