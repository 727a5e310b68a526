//! Reserving a certificate ID: the bollo ledger (one marca, one certificate) and the
//! idempotency keys of requests, written together in one conditional transaction.
//!
//! A marca da bollo has no expiry, so its ledger entry is kept for good (entries are small):
//! a marca used once is refused forever, also after the certificate's record is gone. An
//! entry completed with the document's hash (written with the certificate's record) tells
//! a finished issue from one that failed halfway, which a retry may still complete.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rand::RngCore;
use serde::{Deserialize, Serialize};

use super::super::errors::Conflict;
use super::super::sessions::Session;
use super::super::{registry, ServiceResult};
use super::plan::Plan;
use crate::app::AppState;
use crate::domain::certificate::CertificateRecord;
use crate::keys::{self, Key};
use crate::ports::{Condition, Item, PortError};

const IDEMPOTENCY_DAYS: i64 = 1;
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// What the ledger and the idempotency keys hold: the certificate reserved for a request.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct Reservation {
    certificate: String,
    fingerprint: String,
    reserved_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    bollo_date: Option<NaiveDate>,
    /// The sealed document's hash, once the certificate is recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sha256: Option<String>,
}

/// The reservation of a request.
pub(super) struct Reserved {
    pub certificate: String,
    reservation: Reservation,
}

impl Reserved {
    /// Whether an earlier attempt finished: the marca served a certificate already.
    pub fn completed(&self) -> bool {
        self.reservation.sha256.is_some()
    }
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

/// The keys this request reserves, with their expiry: the idempotency key (a day) and the
/// ledger entry (never).
fn keys_of(
    app: &AppState,
    actor: &Session,
    plan: &Plan,
    idempotency_key: Option<&str>,
) -> Vec<(Key, Option<DateTime<Utc>>)> {
    let now = app.clock.now();
    let mut out = Vec::new();
    if let Some(k) = idempotency_key {
        let key = keys::idempotency(&actor.identity.codice_fiscale, k);
        out.push((key, Some(now + Duration::days(IDEMPOTENCY_DAYS))));
    }
    if let Some(b) = &plan.bollo {
        out.push((keys::bollo(&b.id), None));
    }
    out
}

/// Someone reserved before: the same request retried (its reservation), or another request
/// (a conflict); `None` when the conflicting item has expired meanwhile.
async fn earlier(
    app: &AppState,
    plan: &Plan,
    reserved: &[(Key, Option<DateTime<Utc>>)],
) -> ServiceResult<Option<Reservation>> {
    for (key, _) in reserved {
        let Some(existing) = registry::get_json::<Reservation>(app.store.as_ref(), key).await?
        else {
            continue;
        };
        if existing.fingerprint == plan.fingerprint {
            return Ok(Some(existing));
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
) -> ServiceResult<Reserved> {
    let res = Reservation {
        certificate: new_id(),
        fingerprint: plan.fingerprint.clone(),
        reserved_at: app.clock.now(),
        bollo_date: plan.bollo.as_ref().map(|b| b.date),
        sha256: None,
    };
    let reserved = keys_of(app, actor, plan, idempotency_key);
    let fresh = |reservation: Reservation| Reserved {
        certificate: reservation.certificate.clone(),
        reservation,
    };
    if reserved.is_empty() {
        return Ok(fresh(res));
    }
    let writes = || -> ServiceResult<Vec<_>> {
        reserved
            .iter()
            .map(|(key, until)| {
                let item = registry::json_item(key.clone(), &res)?;
                let item = match until {
                    Some(t) => item.expiring(*t),
                    None => item,
                };
                Ok((item, Condition::IfAbsent))
            })
            .collect()
    };
    match app.store.transact(writes()?).await {
        Ok(()) => Ok(fresh(res)),
        Err(PortError::ConditionFailed) => match earlier(app, plan, &reserved).await? {
            Some(existing) => Ok(fresh(existing)),
            // The conflicting item expired meanwhile: try once more.
            None => {
                app.store.transact(writes()?).await?;
                Ok(fresh(res))
            }
        },
        Err(e) => Err(e.into()),
    }
}

/// The ledger entry of the marca completed with the sealed document's hash, written in the
/// same transaction as the certificate's record.
pub(super) fn completed(
    plan: &Plan,
    reserved: &Reserved,
    sha256: &str,
) -> ServiceResult<Option<Item>> {
    let Some(b) = &plan.bollo else {
        return Ok(None);
    };
    let mut res = reserved.reservation.clone();
    res.sha256 = Some(sha256.to_string());
    Ok(Some(registry::json_item(keys::bollo(&b.id), &res)?))
}

/// For a certificate released after its payment: the ledger entry of its marca completed
/// with the document's hash, in the release's transaction.
pub(super) async fn completion(
    app: &AppState,
    r: &CertificateRecord,
) -> ServiceResult<Option<(Item, Condition)>> {
    let Some(b) = &r.bollo else {
        return Ok(None);
    };
    let key = keys::bollo(&b.id);
    let Some(mut res) = registry::get_json::<Reservation>(app.store.as_ref(), &key).await? else {
        return Ok(None);
    };
    res.sha256 = Some(r.sha256.clone());
    Ok(Some((registry::json_item(key, &res)?, Condition::None)))
}

/// Frees the reservation of a certificate that was never released (its payment cancelled
/// or expired): its marca and the idempotency key may serve another request. Best effort:
/// a leftover entry only refuses that marca again.
pub(super) async fn free(app: &AppState, r: &CertificateRecord, idempotency_key: Option<&str>) {
    let mut reserved = Vec::new();
    if let Some(b) = &r.bollo {
        reserved.push(keys::bollo(&b.id));
    }
    if let Some(k) = idempotency_key {
        reserved.push(keys::idempotency(&r.requested_by, k));
    }
    for key in reserved {
        let mine = registry::get_json::<Reservation>(app.store.as_ref(), &key)
            .await
            .ok()
            .flatten()
            .is_some_and(|res| res.certificate == r.id && res.sha256.is_none());
        if mine {
            let _ = app.store.delete(&key.pk, &key.sk).await;
        }
    }
}
