//! Moving a certificate's payment on: reading pagoPA's status, releasing what was paid
//! (its receipt checked against the archived original), closing what was cancelled or is
//! past due; reconciliation does it for every open payment.

use super::super::super::registry;
use super::super::super::ServiceResult;
use super::super::build::record_items;
use super::super::ledger;
use super::{forget_open, load, pending_items, PaymentState, Pending};
use crate::app::AppState;
use crate::domain::certificate::DigitalBollo;
use crate::domain::payments::{document_hash, read_stamp};
use crate::keys;
use crate::ports::{Condition, PortError, PositionStatus};
use crate::services::payments::{self, Settled, Step};

/// Writes the pending certificate in its new state; a closed one loses its archived
/// original, its open-payment entry and its reservation (the marca and the idempotency key
/// may serve again: nothing was released).
pub(super) async fn set_state(
    app: &AppState,
    mut p: Pending,
    state: PaymentState,
) -> ServiceResult<Pending> {
    p.state = state;
    app.store
        .transact(pending_items(&p, app.clock.now())?)
        .await?;
    if !state.open() {
        let r = &p.record;
        forget_open(app, &r.id).await;
        if state != PaymentState::Anomaly {
            let _ = app.archive.delete(&r.archive_key).await;
            ledger::free(app, r, p.idempotency_key.as_deref()).await;
        }
    }
    Ok(p)
}

/// Moves a pending certificate on as far as pagoPA allows: opens its position, releases it
/// when paid, closes it when cancelled or past due.
pub(super) async fn settle_pending(app: &AppState, p: Pending) -> ServiceResult<Pending> {
    let step = payments::next_step(app, p.state, &p.position).await?;
    apply(app, p, step).await
}

/// Cancels the position on pagoPA, then closes the pending certificate in `state`; if it
/// was paid meanwhile, releases it instead.
pub(super) async fn close(
    app: &AppState,
    p: Pending,
    state: PaymentState,
) -> ServiceResult<Pending> {
    let step = payments::cancel(app, &p.position, state).await?;
    apply(app, p, step).await
}

async fn apply(app: &AppState, p: Pending, step: Step) -> ServiceResult<Pending> {
    match step {
        Step::Stay => Ok(p),
        Step::Mark(state) => set_state(app, p, state).await,
        Step::Release(s) => release(app, p, &s).await,
    }
}

/// The pending certificate of a record written by another release, marked released.
async fn released_before(app: &AppState, mut done: Pending) -> ServiceResult<Pending> {
    let Some(record) = super::super::record(app, &done.record.id).await? else {
        return Err(PortError::ConditionFailed.into());
    };
    done.record = record;
    let items = record_items(&done.record, Vec::new())?
        .into_iter()
        .skip(1)
        .chain([(
            registry::json_item(keys::pending_certificate(&done.record.id), &done)?,
            Condition::None,
        )])
        .collect();
    app.store.transact(items).await?;
    forget_open(app, &done.record.id).await;
    Ok(done)
}

/// The marca da bollo digitale of the receipt, checked against the archived original; an
/// error names what does not match.
fn digital_bollo(
    p: &Pending,
    s: &PositionStatus,
    pdf: &[u8],
) -> Result<Option<DigitalBollo>, &'static str> {
    let receipt = s.receipts.first().ok_or("no receipt")?;
    if receipt.amount_cents != p.position.amount_cents {
        return Err("the receipt's amount differs");
    }
    let Some(bound) = p.bound_hash() else {
        return Ok(None);
    };
    let xml = receipt.stamp_xml.as_deref().ok_or("no @e.bollo receipt")?;
    let stamp = read_stamp(xml).ok_or("an unreadable @e.bollo receipt")?;
    if stamp.document_sha256_b64 != bound || stamp.document_sha256_b64 != document_hash(pdf) {
        return Err("the marca names another document");
    }
    Ok(Some(DigitalBollo {
        notice: p.position.notice.nav.clone(),
        iubd: stamp.iubd,
        psp: stamp.psp_name,
        bought_at: stamp.bought_at,
        document_sha256_b64: stamp.document_sha256_b64,
    }))
}

/// Releases a paid certificate: its record written only if absent (of racing releases, one
/// writes it), with the pending record marked released in the same transaction. A payment
/// whose @e.bollo receipt is not in yet stays awaiting its confirmation.
async fn release(app: &AppState, p: Pending, s: &PositionStatus) -> ServiceResult<Pending> {
    if p.bound_hash().is_some() && s.receipts.iter().all(|r| r.stamp_xml.is_none()) {
        tracing::warn!(certificate = %p.record.id, "paid, the @e.bollo receipt not in yet");
        return Ok(p);
    }
    let pdf = app
        .archive
        .get(&p.record.archive_key)
        .await?
        .ok_or_else(|| {
            PortError::Corrupt(format!("pending original missing for {}", p.record.id))
        })?;
    let digital = match digital_bollo(&p, s, &pdf) {
        Ok(d) => d,
        Err(why) => {
            tracing::error!(certificate = %p.record.id, problem = why, "a paid certificate's receipt does not match");
            return set_state(app, p, PaymentState::Anomaly).await;
        }
    };
    let mut done = p.clone();
    done.state = PaymentState::Released;
    done.record.digital_bollo = digital;
    let mut extra = vec![(
        registry::json_item(keys::pending_certificate(&done.record.id), &done)?,
        Condition::None,
    )];
    extra.extend(ledger::completion(app, &done.record).await?);
    match app.store.transact(record_items(&done.record, extra)?).await {
        Ok(()) => {}
        // Another release (the return, reconciliation) wrote it first; the pending record
        // is set released again in case a stale reader wrote it back meanwhile.
        Err(PortError::ConditionFailed) => return released_before(app, done).await,
        Err(e) => return Err(e.into()),
    }
    forget_open(app, &done.record.id).await;
    let r = &done.record;
    app.metrics.count(crate::metrics::certificate_issued(
        &r.type_id,
        p.bound_hash().is_some() || r.bollo.is_some(),
    ));
    if let Some(to) = &done.recipients {
        let issued = super::super::Issued {
            record: done.record.clone(),
            pdf,
            outcome: super::super::IssueOutcome::New,
            link: None,
        };
        if super::super::issue::send_by_email(app, &issued, to)
            .await
            .is_err()
        {
            tracing::warn!(certificate = %done.record.id, "a released certificate's e-mail failed");
        }
    }
    Ok(done)
}

/// Moves the open payment of the certificate `id` on (reconciliation).
pub async fn settle_open(app: &AppState, id: &str) -> ServiceResult<Settled> {
    match load(app, id).await? {
        Some(p) if p.state.open() => Ok(Settled::of(settle_pending(app, p).await?.state)),
        _ => Ok(Settled::Gone),
    }
}
