//! Audit of every access to personal data: who, whose, what, when. Kept in the store
//! (never in logs), one partition per day.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{registry, ServiceResult};
use crate::app::AppState;
use crate::keys;
use crate::ports::{Condition, Item};

/// What was done with the personal data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    Login,
    Household,
    PersonDetail,
    CertificateCatalog,
    CertificatePreview,
    CertificateIssue,
    CertificateIssueLibera,
    CertificateDownload,
    VerifyDownload,
    AutocertOptions,
    AutocertBuild,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    pub at: DateTime<Utc>,
    /// Codice fiscale of who read (or `verify::PUBLIC_ACTOR`).
    pub actor: String,
    /// Codici fiscali of the persons whose data were read.
    pub subjects: Vec<String>,
    pub action: AuditAction,
    /// What it concerned, without personal data (e.g. a certificate ID).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// Appends an audit record.
pub async fn record(
    app: &AppState,
    actor: &str,
    subjects: Vec<String>,
    action: AuditAction,
    detail: Option<String>,
) -> ServiceResult<()> {
    let (item, condition) = entry(app, actor, subjects, action, detail)?;
    app.store.put(item, condition).await?;
    Ok(())
}

/// An audit record as a write, for use cases that append it in the same transaction as
/// what it records (the access and its trace are kept together or not at all).
pub fn entry(
    app: &AppState,
    actor: &str,
    subjects: Vec<String>,
    action: AuditAction,
    detail: Option<String>,
) -> ServiceResult<(Item, Condition)> {
    let at = app.clock.now();
    let rec = AuditRecord {
        at,
        actor: actor.to_string(),
        subjects,
        action,
        detail,
    };
    let key = keys::audit_record(at, &uuid::Uuid::new_v4().to_string());
    Ok((registry::json_item(key, &rec)?, Condition::IfAbsent))
}

/// The audit records of one day, oldest first.
pub async fn records_of_day(app: &AppState, day: DateTime<Utc>) -> ServiceResult<Vec<AuditRecord>> {
    registry::list_json(app.store.as_ref(), &keys::audit_day(day)).await
}
