//! Audit of every access to personal data: who, whose, what, when and why. Kept in the
//! store (never in logs): one partition per day, hash-chained per writer (`chain`), sealed
//! at the end of the day (`seal`), and indexed under each person whose data were read, for
//! their access log (`log`). Kept for `AUDIT_RETENTION_DAYS`.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::{registry, ServiceResult};
use crate::app::AppState;
use crate::keys;
use crate::ports::{Condition, Item};

pub mod chain;
pub mod log;
pub mod notify;
pub mod seal;

pub use chain::{AuditChain, Link};

/// What was done with the personal data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    Login,
    /// A CNS card refused at login (no subject: the card's name is not trusted then).
    CnsLoginRefused,
    Household,
    PersonDetail,
    CertificateCatalog,
    CertificatePreview,
    CertificateIssue,
    CertificateIssueLibera,
    CertificateDownload,
    Verification,
    VerifyDownload,
    AutocertOptions,
    AutocertBuild,
    AccessLog,
    OwnData,
    /// A draft prefilled with the registry's data of the applicant's household.
    ApplicationPrefill,
    ApplicationSubmit,
    /// An operator read the queue of applications (their applicants' names).
    ApplicationDeskQueue,
    /// An operator read an application (its data, its files).
    ApplicationDeskView,
    ApplicationDeskFile,
    /// An operator changed an application's state.
    ApplicationDeskAction,
}

/// An access to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Access {
    /// Codice fiscale of who read (or `verify::PUBLIC_ACTOR`).
    pub actor: String,
    /// Codici fiscali of the persons whose data were read.
    pub subjects: Vec<String>,
    pub action: AuditAction,
    /// What it concerned, without personal data (e.g. a certificate ID).
    pub detail: Option<String>,
    /// Why, where the reader states it (the motivo of a certificazione libera).
    pub reason: Option<String>,
}

impl Access {
    pub fn new(actor: &str, subjects: Vec<String>, action: AuditAction) -> Self {
        Access {
            actor: actor.to_string(),
            subjects,
            action,
            detail: None,
            reason: None,
        }
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    pub fn reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub subjects: Vec<String>,
    pub action: AuditAction,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The writer's chain, this record's place in it, and the hash of the one before.
    #[serde(default)]
    pub chain: String,
    #[serde(default)]
    pub seq: u64,
    #[serde(default)]
    pub prev: String,
}

/// Appends an audit record (and its entries in the subjects' access logs).
pub async fn record(
    app: &AppState,
    actor: &str,
    subjects: Vec<String>,
    action: AuditAction,
    detail: Option<String>,
) -> ServiceResult<()> {
    let mut access = Access::new(actor, subjects, action);
    access.detail = detail;
    record_access(app, access).await
}

/// Appends an audit record of `access`.
pub async fn record_access(app: &AppState, access: Access) -> ServiceResult<()> {
    let mut link = app.audit.link().await;
    let mut writes = entries(app, &mut link, &access)?;
    // A transaction holds at most 100 writes: the record and the first index entries go
    // together; the rest of a very large household's entries follow in bulk.
    let rest: Vec<Item> = writes
        .split_off(writes.len().min(100))
        .into_iter()
        .map(|(i, _)| i)
        .collect();
    app.store.transact(writes).await?;
    link.commit();
    if !rest.is_empty() {
        app.store.put_batch(rest).await?;
    }
    notify::operator_access(app, &access).await;
    Ok(())
}

/// The writes of an audit record: the chained record, then one access-log entry per
/// subject. For use cases that write them in the same transaction as what they record
/// (the access and its trace are kept together or not at all); `link.commit()` once that
/// transaction succeeded.
pub fn entries(
    app: &AppState,
    link: &mut Link,
    access: &Access,
) -> ServiceResult<Vec<(Item, Condition)>> {
    let at = app.clock.now();
    let day = at.date_naive();
    let pos = link.position(day);
    let rec = AuditRecord {
        at,
        actor: access.actor.clone(),
        subjects: access.subjects.clone(),
        action: access.action,
        detail: access.detail.clone(),
        reason: access.reason.clone(),
        chain: pos.chain,
        seq: pos.seq,
        prev: pos.prev,
    };
    let until = at + Duration::days(app.config.audit_retention_days);
    let bytes = serde_json::to_vec(&rec)?;
    link.prepare(day, rec.seq, &bytes);
    let key = keys::audit_record(day, &rec.chain, rec.seq);
    let mut out = vec![(
        Item::at(key, bytes.clone()).expiring(until),
        Condition::IfAbsent,
    )];
    let mut subjects = rec.subjects.clone();
    subjects.sort();
    subjects.dedup();
    for cf in subjects {
        let key = keys::access_entry(&cf, at, &rec.chain, rec.seq);
        out.push((
            Item::at(key, bytes.clone()).expiring(until),
            Condition::None,
        ));
    }
    Ok(out)
}

/// The audit records of one day, oldest first.
pub async fn records_of_day(app: &AppState, day: DateTime<Utc>) -> ServiceResult<Vec<AuditRecord>> {
    let mut out: Vec<AuditRecord> =
        registry::list_json(app.store.as_ref(), &keys::audit_day(day.date_naive())).await?;
    out.sort_by(|a, b| (a.at, &a.chain, a.seq).cmp(&(b.at, &b.chain, b.seq)));
    Ok(out)
}
