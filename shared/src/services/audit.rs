//! Audit of every access to personal data: who, whose, what, when. Kept in the store
//! (never in logs), one partition per day.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::ServiceResult;
use crate::ports::{query_all, Clock, Item, RegistryStore};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    pub at: DateTime<Utc>,
    /// Codice fiscale of who read.
    pub actor: String,
    /// Codici fiscali of the persons whose data were read.
    pub subjects: Vec<String>,
    /// What was read, e.g. "household", "person_detail".
    pub action: String,
    /// What it concerned, without personal data (e.g. a certificate ID).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

fn day_pk(at: DateTime<Utc>) -> String {
    format!("AUDIT#{}", at.format("%Y-%m-%d"))
}

pub async fn record(
    store: &dyn RegistryStore,
    clock: &dyn Clock,
    actor: &str,
    subjects: Vec<String>,
    action: &str,
) -> ServiceResult<()> {
    record_with(store, clock, actor, subjects, action, None).await
}

/// As `record`, with a detail such as the certificate ID.
pub async fn record_with(
    store: &dyn RegistryStore,
    clock: &dyn Clock,
    actor: &str,
    subjects: Vec<String>,
    action: &str,
    detail: Option<String>,
) -> ServiceResult<()> {
    let at = clock.now();
    let rec = AuditRecord {
        at,
        actor: actor.to_string(),
        subjects,
        action: action.to_string(),
        detail,
    };
    let sk = format!(
        "{}#{}",
        at.format("%Y-%m-%dT%H:%M:%S%.6fZ"),
        uuid::Uuid::new_v4()
    );
    store
        .put(
            Item::new(day_pk(at), sk, serde_json::to_vec(&rec)?),
            crate::ports::Condition::IfAbsent,
        )
        .await?;
    Ok(())
}

/// The audit records of one day, oldest first.
pub async fn records_of_day(
    store: &dyn RegistryStore,
    day: DateTime<Utc>,
) -> ServiceResult<Vec<AuditRecord>> {
    query_all(store, &day_pk(day), "")
        .await?
        .iter()
        .map(|i| Ok(serde_json::from_slice(&i.data)?))
        .collect()
}
