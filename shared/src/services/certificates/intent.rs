//! Archiving intents: a marker written before a certificate's original is archived and
//! removed once its record (or its pending record, for one paid online) points at it. A
//! process killed in between leaves the marker; the sweep — at the runner's start and on a
//! schedule — removes an original no record points at once its marker is a minute old, so
//! no archived original outlives a failed attempt.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::super::{registry, ServiceResult};
use crate::app::AppState;
use crate::domain::certificate::CertificateRecord;
use crate::keys;
use crate::ports::Condition;

/// How old a marker is before the sweep looks at it (an attempt still running is younger).
pub const SWEEP_AFTER_SECONDS: i64 = 60;

#[derive(Debug, Serialize, Deserialize)]
struct Intent {
    certificate: String,
    archive_key: String,
    at: DateTime<Utc>,
}

/// Writes the marker of `r`'s original before it is archived.
pub(super) async fn announce(app: &AppState, r: &CertificateRecord) -> ServiceResult<()> {
    let intent = Intent {
        certificate: r.id.clone(),
        archive_key: r.archive_key.clone(),
        at: app.clock.now(),
    };
    let item = registry::json_item(keys::archiving(&r.archive_key), &intent)?;
    app.store
        .put(item.expiring(r.expires_at), Condition::None)
        .await?;
    Ok(())
}

/// Removes the marker once a record points at the original (or the original is gone).
/// Best effort: the sweep removes a marker left behind.
pub(super) async fn settled(app: &AppState, archive_key: &str) {
    let k = keys::archiving(archive_key);
    let _ = app.store.delete(&k.pk, &k.sk).await;
}

/// What a sweep did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Swept {
    pub checked: usize,
    pub removed: usize,
}

/// Removes the originals of attempts that never got a record, and the markers of those that
/// did. Idempotent.
pub async fn sweep(app: &AppState) -> ServiceResult<Swept> {
    let mut out = Swept::default();
    let due = app.clock.now() - Duration::seconds(SWEEP_AFTER_SECONDS);
    for item in crate::ports::query_all(app.store.as_ref(), &keys::archivings()).await? {
        let intent: Intent = serde_json::from_slice(&item.data)?;
        if intent.at > due {
            continue;
        }
        out.checked += 1;
        let id = &intent.certificate;
        let recorded = super::record(app, id)
            .await?
            .is_some_and(|r| r.archive_key == intent.archive_key);
        let pending = super::payment::pending_archive_key(app, id).await?;
        if !recorded && pending.as_deref() != Some(intent.archive_key.as_str()) {
            app.archive.delete(&intent.archive_key).await?;
            out.removed += 1;
        }
        app.store.delete(&item.pk, &item.sk).await?;
    }
    if out.removed > 0 {
        tracing::warn!(
            removed = out.removed,
            "archived originals of failed attempts removed"
        );
    }
    Ok(out)
}
