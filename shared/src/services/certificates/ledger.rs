//! Reserving a certificate ID: the bollo ledger (one marca, one certificate) and the
//! idempotency keys of requests, written together in one conditional transaction.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rand::RngCore;
use serde::{Deserialize, Serialize};

use super::super::errors::Conflict;
use super::super::sessions::Session;
use super::super::{registry, ServiceResult};
use super::plan::Plan;
use crate::app::AppState;
use crate::keys::{self, Key};
use crate::ports::{Condition, PortError};

const BOLLO_LEDGER_YEARS: i64 = 3;
const IDEMPOTENCY_DAYS: i64 = 1;
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// What the ledger and the idempotency keys hold: the certificate reserved for a request.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Reservation {
    certificate: String,
    fingerprint: String,
    reserved_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    bollo_date: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sha256: Option<String>,
}

/// `n` random Crockford base-32 characters.
pub(super) fn crockford(n: usize) -> String {
    let mut b = vec![0u8; n];
    rand::rngs::OsRng.fill_bytes(&mut b);
    b.iter()
        .map(|x| CROCKFORD[(x & 31) as usize] as char)
        .collect()
}

/// A new certificate ID: 12 Crockford base-32 characters in groups of four.
fn new_id() -> String {
    let s = crockford(12);
    format!("{}-{}-{}", &s[0..4], &s[4..8], &s[8..12])
}

/// The keys this request reserves, with their expiry: the idempotency key and the ledger
/// entry.
fn keys_of(
    app: &AppState,
    actor: &Session,
    plan: &Plan,
    idempotency_key: Option<&str>,
) -> Vec<(Key, DateTime<Utc>)> {
    let now = app.clock.now();
    let mut out = Vec::new();
    if let Some(k) = idempotency_key {
        let key = keys::idempotency(&actor.identity.codice_fiscale, k);
        out.push((key, now + Duration::days(IDEMPOTENCY_DAYS)));
    }
    if let Some(b) = &plan.bollo {
        let until = now + Duration::days(365 * BOLLO_LEDGER_YEARS + 1);
        out.push((keys::bollo(&b.id), until));
    }
    out
}

/// Someone reserved before: the same request retried (its certificate), or another request
/// (a conflict); `None` when the conflicting item has expired meanwhile.
async fn earlier(
    app: &AppState,
    plan: &Plan,
    reserved: &[(Key, DateTime<Utc>)],
) -> ServiceResult<Option<String>> {
    for (key, _) in reserved {
        let Some(existing) = registry::get_json::<Reservation>(app.store.as_ref(), key).await?
        else {
            continue;
        };
        if existing.fingerprint == plan.fingerprint {
            return Ok(Some(existing.certificate));
        }
        return Err(match &plan.bollo {
            Some(b) if *key == keys::bollo(&b.id) => Conflict::BolloAlreadyUsed(b.id.clone()),
            _ => Conflict::IdempotencyKeyReused,
        }
        .into());
    }
    Ok(None)
}

/// Reserves the certificate ID for this request: a new one, or the one a previous attempt
/// of the same request reserved (same idempotency key, or same marca da bollo).
pub(super) async fn reserve(
    app: &AppState,
    actor: &Session,
    plan: &Plan,
    idempotency_key: Option<&str>,
) -> ServiceResult<String> {
    let res = Reservation {
        certificate: new_id(),
        fingerprint: plan.fingerprint.clone(),
        reserved_at: app.clock.now(),
        bollo_date: plan.bollo.as_ref().map(|b| b.date),
        sha256: None,
    };
    let reserved = keys_of(app, actor, plan, idempotency_key);
    if reserved.is_empty() {
        return Ok(res.certificate);
    }
    let writes = || -> ServiceResult<Vec<_>> {
        reserved
            .iter()
            .map(|(key, until)| {
                let item = registry::json_item(key.clone(), &res)?.expiring(*until);
                Ok((item, Condition::IfAbsent))
            })
            .collect()
    };
    match app.store.transact(writes()?).await {
        Ok(()) => Ok(res.certificate),
        Err(PortError::ConditionFailed) => match earlier(app, plan, &reserved).await? {
            Some(certificate) => Ok(certificate),
            // The conflicting item expired meanwhile: try once more.
            None => {
                app.store.transact(writes()?).await?;
                Ok(res.certificate)
            }
        },
        Err(e) => Err(e.into()),
    }
}

/// Completes the ledger entry of the marca with the document's hash (the record already
/// has it; a failure here loses nothing).
pub(super) async fn record_hash(app: &AppState, marca: &str, sha256: &str) -> ServiceResult<()> {
    let store = app.store.as_ref();
    let key = keys::bollo(marca);
    let Some(item) = store.get(&key.pk, &key.sk).await? else {
        return Ok(());
    };
    let mut res: Reservation = serde_json::from_slice(&item.data)?;
    res.sha256 = Some(sha256.to_string());
    let updated = crate::ports::Item {
        data: serde_json::to_vec(&res)?,
        ..item
    };
    if let Err(e) = store.put(updated, Condition::None).await {
        tracing::warn!(error = %e, "bollo ledger hash not updated");
    }
    Ok(())
}
