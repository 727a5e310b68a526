//! The seal of an archived original, checked as the verification page shows it: it verifies,
//! it is the municipality's, and the bytes are those issued (cached per process).

use serde::Serialize;

use super::super::ServiceResult;
use crate::app::AppState;
use crate::domain::certificate::CertificateRecord;
use crate::domain::sha256_hex;
use crate::pdf::pades::verify_seal;

/// Whether the archived original's seal verifies and is the municipality's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SealStatus {
    pub valid: bool,
    pub description: String,
}

/// Seal checks already made, by archive key and document hash. Archived originals never
/// change, so a check holds for the life of the process; the map is bounded.
fn seal_cache() -> &'static std::sync::Mutex<std::collections::HashMap<(String, String), SealStatus>>
{
    static CACHE: std::sync::OnceLock<
        std::sync::Mutex<std::collections::HashMap<(String, String), SealStatus>>,
    > = std::sync::OnceLock::new();
    CACHE.get_or_init(Default::default)
}
const SEAL_CACHE_MAX: usize = 10_000;

/// The status of the archived original's seal: it verifies, it is the municipality's, and the
/// bytes are those issued. `None` when the archive no longer has the original.
pub async fn seal_status(
    app: &AppState,
    r: &CertificateRecord,
) -> ServiceResult<Option<SealStatus>> {
    let key = (r.archive_key.clone(), r.sha256.clone());
    if let Some(s) = seal_cache().lock().ok().and_then(|c| c.get(&key).cloned()) {
        return Ok(Some(s));
    }
    let Some(bytes) = app.archive.get(&r.archive_key).await? else {
        return Ok(None);
    };
    let ours = app.signer.certificate_chain().await?;
    let status = match verify_seal(&bytes) {
        Ok(check) if sha256_hex(&bytes) == r.sha256 && ours.first() == Some(&check.certificate) => {
            SealStatus {
                valid: true,
                description: format!(
                    "Sigillo elettronico valido del Comune di {}: il documento è integro.",
                    r.municipality
                ),
            }
        }
        Ok(_) => SealStatus {
            valid: false,
            description:
                "Il sigillo non è quello del Comune o il documento non corrisponde all'originale."
                    .into(),
        },
        Err(e) => SealStatus {
            valid: false,
            description: format!("Sigillo non valido: {e}."),
        },
    };
    if status.valid {
        if let Ok(mut c) = seal_cache().lock() {
            if c.len() >= SEAL_CACHE_MAX {
                c.clear();
            }
            c.insert(key, status.clone());
        }
    }
    Ok(Some(status))
}
