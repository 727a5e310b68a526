//! Certificates paid online through pagoPA: the marca da bollo digitale (@e.bollo) bound to
//! the document, and the diritti di segreteria. The certificate is built and sealed first
//! (its hash is what the marca names), archived and kept as *pending*: it is released —
//! record, PIN, "I miei certificati", verification — only once pagoPA has the receipt and
//! the marca names the archived original's hash.
//!
//! Order of writes, so that a failure anywhere loses nothing and a retry is safe:
//! 1. reserve the ID as for any certificate (`ledger`);
//! 2. build, seal, archive; write the pending record with its debt position (only if
//!    absent), its entry in "I miei certificati" and the open-payment entry reconciliation
//!    reads;
//! 3. create the position on pagoPA: its `iupd` is the certificate's, so a retry after a
//!    timeout finds it (409) and goes on;
//! 4. start the checkout.
//!
//! A release (on the return from checkout, on the citizen's page, or by reconciliation)
//! writes the record only if absent, so racing releases make one record. A cancelled or
//! expired position deletes the archived original and frees the reservation; the pending
//! record stays a while to tell the citizen why nothing was released.

mod settle;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::super::audit::{self, Access, AuditAction};
use super::super::delivery::Recipients;
use super::super::errors::{Conflict, NotFound};
use super::super::sessions::Session;
use super::super::{registry, ServiceResult};
use super::build::build;
use super::ledger::Reserved;
use super::plan::Plan;
use super::Summary;
use crate::app::AppState;
use crate::domain::certificate::{CertificateRecord, Channel};
use crate::domain::payments::document_hash;
use crate::keys;
use crate::ports::{Condition, DebtPosition, Item, Transfer, TransferKind};
use crate::services::payments::{checkout, next_notice};
pub use crate::services::payments::{PaymentLine, PaymentState, PaymentView};

/// How long a certificate's payment stays open.
pub const PAYMENT_HOURS: i64 = 48;

pub use settle::settle_open;
use settle::{close, settle_pending};
/// How long a closed payment's record stays to tell the citizen what happened.
const CLOSED_DAYS: i64 = 30;
/// The marca da bollo digitale: the only cut @e.bollo sells.
const BOLLO_CENTS: u64 = 1600;

/// What the citizen reads of a certificate's payment in `state`.
pub fn message(state: PaymentState) -> &'static str {
    match state {
        PaymentState::Preparing => "Il sistema dei pagamenti pagoPA non ha risposto: la richiesta è conservata. Riprova il pagamento tra qualche minuto.",
        PaymentState::Awaiting => "In attesa di conferma del pagamento: il certificato sarà disponibile appena pagoPA conferma il pagamento.",
        PaymentState::Released => "Pagamento ricevuto: il certificato è stato rilasciato.",
        PaymentState::Cancelled => "Pagamento annullato: il certificato non è stato rilasciato e non ti è stato addebitato nulla. Puoi richiederlo di nuovo.",
        PaymentState::Expired => "Pagamento non effettuato entro la scadenza: il certificato non è stato rilasciato. Puoi richiederlo di nuovo.",
        PaymentState::Anomaly => "Il pagamento risulta eseguito ma la ricevuta non corrisponde al documento, che quindi non è stato rilasciato: non pagare di nuovo e rivolgiti all'Ufficio Anagrafe indicando il numero dell'avviso di pagamento.",
    }
}

/// A certificate built and sealed, waiting for its payment.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Pending {
    /// The record written on release.
    record: CertificateRecord,
    position: DebtPosition,
    state: PaymentState,
    #[serde(default)]
    recipients: Option<Recipients>,
    /// The client's idempotency key, freed with the marca when nothing is released.
    #[serde(default)]
    idempotency_key: Option<String>,
}

impl Pending {
    /// The document hash its marca da bollo digitale is bound to, when it pays one.
    fn bound_hash(&self) -> Option<&str> {
        self.position.transfers.iter().find_map(|t| match &t.kind {
            TransferKind::Stamp {
                document_sha256_b64,
                ..
            } => Some(document_sha256_b64.as_str()),
            TransferKind::Iban(_) => None,
        })
    }
}

/// Its entry among the open payments, removed once it is closed or released. Best effort:
/// reconciliation skips and removes the entry of a payment no longer open.
async fn forget_open(app: &AppState, id: &str) {
    let open = keys::open_payment(keys::PAID_CERTIFICATE, id);
    let _ = app.store.delete(&open.pk, &open.sk).await;
}

fn view(p: &Pending, checkout_url: Option<String>) -> PaymentView {
    PaymentView::of(
        &p.record.id,
        &p.record.title,
        &p.position,
        p.state,
        message(p.state),
        checkout_url,
    )
}

/// The archive key of the pending certificate `id`, if there is one (for the sweep).
pub(super) async fn pending_archive_key(app: &AppState, id: &str) -> ServiceResult<Option<String>> {
    Ok(load(app, id).await?.map(|p| p.record.archive_key))
}

async fn load(app: &AppState, id: &str) -> ServiceResult<Option<Pending>> {
    registry::get_json(app.store.as_ref(), &keys::pending_certificate(id)).await
}

/// The pending certificate `id` of the requester.
async fn own(app: &AppState, actor: &Session, id: &str) -> ServiceResult<Pending> {
    match load(app, id.trim()).await? {
        Some(p) if p.record.requested_by == actor.identity.codice_fiscale => Ok(p),
        _ => Err(NotFound::MyPayment.into()),
    }
}

/// The writes of a pending certificate in its state: the pending record, its entry in "I
/// miei certificati" and, while open, the entry reconciliation reads.
fn pending_items(p: &Pending, now: DateTime<Utc>) -> ServiceResult<Vec<(Item, Condition)>> {
    let r = &p.record;
    let kept = p.position.due.max(now) + Duration::days(CLOSED_DAYS);
    let mut summary = Summary::of(r);
    summary.payment = Some(p.state);
    summary.bollo |= p.bound_hash().is_some();
    let mine = keys::mine(&r.requested_by, r.issued_at, &r.id);
    let mine_until = if p.state.open() { r.expires_at } else { kept };
    // An anomaly stays until the office settles it.
    let pending = registry::json_item(keys::pending_certificate(&r.id), p)?;
    let pending = match p.state {
        PaymentState::Anomaly => pending,
        _ => pending.expiring(kept),
    };
    let mut items = vec![
        (pending, Condition::None),
        (
            registry::json_item(mine, &summary)?.expiring(mine_until),
            Condition::None,
        ),
    ];
    if p.state.open() {
        let open =
            registry::marker(keys::open_payment(keys::PAID_CERTIFICATE, &r.id)).expiring(kept);
        items.push((open, Condition::None));
    }
    Ok(items)
}

/// The debt position of a certificate: the marca da bollo digitale bound to the PDF's hash,
/// and the diritti to the comune's account.
fn position_of(
    app: &AppState,
    actor: &Session,
    plan: &Plan,
    record: &CertificateRecord,
    pdf: &[u8],
    nav: crate::domain::payments::Notice,
) -> DebtPosition {
    let c = &app.config.creditor;
    let mut transfers = Vec::new();
    if plan.digital_bollo {
        transfers.push(Transfer {
            amount_cents: BOLLO_CENTS,
            remittance: format!("Imposta di bollo – certificato {}", record.id),
            taxonomy: c.taxonomy.clone(),
            kind: TransferKind::Stamp {
                document_sha256_b64: document_hash(pdf),
                province: app.config.municipality.province.clone(),
            },
        });
    }
    if plan.diritti_cents > 0 {
        transfers.push(Transfer {
            amount_cents: plan.diritti_cents,
            remittance: format!("Diritti di segreteria – certificato {}", record.id),
            taxonomy: c.taxonomy.clone(),
            kind: TransferKind::Iban(c.iban.clone()),
        });
    }
    DebtPosition {
        iupd: format!("{}-{}", c.fiscal_code, record.id),
        notice: nav,
        payer_fiscal_code: actor.identity.codice_fiscale.clone(),
        payer_name: format!("{} {}", actor.identity.cognome, actor.identity.nome),
        description: format!("{} n. {}", record.title, record.id),
        amount_cents: transfers.iter().map(|t| t.amount_cents).sum(),
        due: app.clock.now() + Duration::hours(PAYMENT_HOURS),
        transfers,
    }
}

/// Starts the payment of a certificate to be paid online: builds, seals and archives it,
/// opens its position on pagoPA and a checkout. A retry of the same request resumes it.
pub(super) async fn start(
    app: &AppState,
    actor: &Session,
    plan: &Plan,
    reserved: &Reserved,
    idempotency_key: Option<&str>,
    recipients: Option<Recipients>,
) -> ServiceResult<PaymentView> {
    let id = &reserved.certificate;
    if let Some(p) = load(app, id).await? {
        return resume(app, p).await;
    }
    if reserved.completed() {
        // Released long ago for this very request: its marca is spent.
        let marca = plan
            .bollo
            .as_ref()
            .map(|b| b.id.clone())
            .unwrap_or_default();
        return Err(Conflict::BolloAlreadyUsed(marca).into());
    }
    let nav = next_notice(app).await?;
    let sealed = build(app, actor, plan, id, &Channel::Citizen, Some(&nav.nav)).await?;
    let position = position_of(app, actor, plan, &sealed.record, &sealed.pdf, nav);
    let r = &sealed.record;
    super::intent::announce(app, r).await?;
    app.archive
        .put(&r.archive_key, &sealed.pdf, r.expires_at)
        .await?;
    let pending = Pending {
        record: sealed.record.clone(),
        position,
        state: PaymentState::Preparing,
        recipients,
        idempotency_key: idempotency_key.map(str::to_string),
    };
    let mut items = pending_items(&pending, app.clock.now())?;
    items[0].1 = Condition::IfAbsent;
    let access = Access::new(
        &actor.identity.codice_fiscale,
        vec![r.person.clone()],
        AuditAction::CertificateIssue,
    )
    .detail(format!("{} {} (da pagare)", r.id, r.type_id));
    // The audit record goes in the pending record's transaction; the chain waits for it.
    let mut link = app.audit.link().await;
    items.extend(audit::entries(app, &mut link, &access)?);
    let written = app.store.transact(items).await;
    if written.is_ok() {
        super::intent::settled(app, &pending.record.archive_key).await;
    }
    if let Err(e) = written {
        drop(link);
        let found = load(app, id).await?;
        // The file is removed unless a pending record points at it (a write that did land).
        if found.as_ref().map(|p| &p.record.archive_key) != Some(&pending.record.archive_key) {
            let _ = app.archive.delete(&pending.record.archive_key).await;
        }
        return match (e, found) {
            (_, Some(p)) => resume(app, p).await,
            (e, None) => Err(e.into()),
        };
    }
    link.commit();
    resume(app, pending).await
}

/// Opens the position if it is not yet, then a checkout.
async fn resume(app: &AppState, p: Pending) -> ServiceResult<PaymentView> {
    let p = settle_pending(app, p).await?;
    if p.state != PaymentState::Awaiting {
        return Ok(view(&p, None));
    }
    let url = checkout_of(app, &p).await?;
    Ok(view(&p, Some(url)))
}

async fn checkout_of(app: &AppState, p: &Pending) -> ServiceResult<String> {
    let email = p.recipients.as_ref().map(|r| r.to.as_str());
    let back = format!("certificato={}", p.record.id);
    checkout(app, &p.position, &back, email).await
}

/// The payment of the requester's certificate `id`, moved on as far as pagoPA allows.
pub async fn payment(app: &AppState, actor: &Session, id: &str) -> ServiceResult<PaymentView> {
    let p = settle_pending(app, own(app, actor, id).await?).await?;
    Ok(view(&p, None))
}

/// A new checkout for the certificate's payment (after a PSP error, or a closed tab).
pub async fn pay(app: &AppState, actor: &Session, id: &str) -> ServiceResult<PaymentView> {
    resume(app, own(app, actor, id).await?).await
}

/// The citizen cancelled at the checkout: the position is cancelled on pagoPA, unless it was
/// paid meanwhile (then the certificate is released).
pub async fn cancel(app: &AppState, actor: &Session, id: &str) -> ServiceResult<PaymentView> {
    let p = settle_pending(app, own(app, actor, id).await?).await?;
    let p = match p.state {
        PaymentState::Awaiting | PaymentState::Preparing => {
            close(app, p, PaymentState::Cancelled).await?
        }
        _ => p,
    };
    Ok(view(&p, None))
}

/// The payment notice (avviso di pagamento) of an open payment, for paying elsewhere.
pub async fn notice_pdf(app: &AppState, actor: &Session, id: &str) -> ServiceResult<Vec<u8>> {
    let p = own(app, actor, id).await?;
    if p.state != PaymentState::Awaiting {
        return Err(NotFound::OpenPayment.into());
    }
    let at = app.clock.now();
    Ok(super::super::payments::notice::notice_pdf(
        app,
        &p.position,
        at,
    ))
}
