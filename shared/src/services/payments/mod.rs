//! Payments through pagoPA: what the comune asks a citizen to pay and how it is asked — the
//! notice numbers, the payment notice, the states a payment goes through, and the
//! reconciliation that moves every open payment on (certificates and applications).

pub mod notice;

use chrono::{DateTime, Datelike, Utc};
use serde::{Deserialize, Serialize};

use super::ServiceResult;
use crate::app::AppState;
use crate::domain::payments::{euro, Notice};
use crate::keys;
use crate::ports::{CartItem, DebtPosition, PortError, PositionState, PositionStatus, ReturnUrls};

/// Where a payment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentState {
    /// Ready; the position is not yet open on pagoPA (it was not reachable).
    Preparing,
    /// Waiting for the payment or for pagoPA's confirmation.
    Awaiting,
    /// Paid: what it pays for was released (or, for an application, presented).
    Released,
    Cancelled,
    /// Not paid by its due date.
    Expired,
    /// Paid, but the receipt does not match what was asked: the office checks it.
    Anomaly,
}

impl PaymentState {
    /// Still to be paid or confirmed.
    pub fn open(self) -> bool {
        matches!(self, PaymentState::Preparing | PaymentState::Awaiting)
    }
}

/// One line of what is paid.
#[derive(Debug, Clone, Serialize)]
pub struct PaymentLine {
    pub description: String,
    pub amount: String,
}

/// A payment as the citizen sees it: what it pays for, its state, notice, lines and total.
#[derive(Debug, Clone, Serialize)]
pub struct PaymentView {
    pub id: String,
    pub title: String,
    pub state: PaymentState,
    pub message: String,
    pub notice: String,
    pub amount: String,
    pub lines: Vec<PaymentLine>,
    pub due: DateTime<Utc>,
    /// Where to pay, when a checkout was just started.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checkout_url: Option<String>,
}

impl PaymentView {
    pub fn of(
        id: &str,
        title: &str,
        position: &DebtPosition,
        state: PaymentState,
        message: &str,
        checkout_url: Option<String>,
    ) -> PaymentView {
        PaymentView {
            id: id.to_string(),
            title: title.to_string(),
            state,
            message: message.to_string(),
            notice: position.notice.nav.clone(),
            amount: euro(position.amount_cents),
            lines: position
                .transfers
                .iter()
                .map(|t| PaymentLine {
                    description: t.remittance.clone(),
                    amount: euro(t.amount_cents),
                })
                .collect(),
            due: position.due,
            checkout_url,
        }
    }
}

/// The next notice number of the comune: the year and a counter in the 13-digit base.
pub async fn next_notice(app: &AppState) -> ServiceResult<Notice> {
    let year = app.clock.today().year();
    let key = keys::notice_counter(year);
    let n = app.store.increment(&key.pk, &key.sk, 1, None).await?;
    let base = year as u64 * 1_000_000_000 + n as u64;
    Ok(crate::domain::payments::notice(
        &app.config.creditor.segregation_code,
        base,
    ))
}

/// A checkout of the position on pagoPA; the citizen comes back to the payment page with
/// `back` (`certificato=<id>`, `pratica=<id>`) and the outcome.
pub async fn checkout(
    app: &AppState,
    position: &DebtPosition,
    back: &str,
    email: Option<&str>,
) -> ServiceResult<String> {
    let base = &app.config.public_base_url;
    let to = |esito: &str| format!("{base}/pagamento.html?{back}&esito={esito}");
    let urls = ReturnUrls {
        ok: to("ok"),
        cancel: to("annullato"),
        error: to("errore"),
    };
    let item = CartItem {
        nav: position.notice.nav.clone(),
        amount_cents: position.amount_cents,
        description: position.description.clone(),
    };
    Ok(app.payments.checkout(&[item], &urls, email).await?)
}

/// What pagoPA says a payment needs next.
#[derive(Debug)]
pub enum Step {
    /// Nothing to do yet (unpaid and not due, or pagoPA unreachable while preparing).
    Stay,
    /// Write the payment in this state (open on pagoPA, or closed there).
    Mark(PaymentState),
    /// Paid: release (or present) what it pays for, with this status's receipts.
    Release(PositionStatus),
}

/// The next step of a payment in `state` for `position`: a preparing one is opened on
/// pagoPA (a 409 means an earlier attempt opened it: its `iupd` is the payer's thing's); an
/// awaiting one follows pagoPA's status; one past its due date is cancelled as expired.
pub async fn next_step(
    app: &AppState,
    state: PaymentState,
    position: &DebtPosition,
) -> ServiceResult<Step> {
    let due = position.due <= app.clock.now();
    match state {
        // The position may exist even if its creation seemed to fail: closed on pagoPA too.
        PaymentState::Preparing if due => cancel(app, position, PaymentState::Expired).await,
        PaymentState::Preparing => match app.payments.create(position).await {
            Ok(()) | Err(PortError::ConditionFailed) => Ok(Step::Mark(PaymentState::Awaiting)),
            Err(e) => {
                tracing::warn!(error = %e, "pagoPA did not open a position");
                Ok(Step::Stay)
            }
        },
        PaymentState::Awaiting => match app.payments.status(&position.iupd).await? {
            Some(s) if s.state == PositionState::Paid => Ok(Step::Release(s)),
            Some(s) if s.state == PositionState::Invalid => Ok(Step::Mark(PaymentState::Cancelled)),
            Some(s) if s.state == PositionState::Expired => Ok(Step::Mark(PaymentState::Expired)),
            _ if !due => Ok(Step::Stay),
            _ => cancel(app, position, PaymentState::Expired).await,
        },
        _ => Ok(Step::Stay),
    }
}

/// Cancels the position on pagoPA (an unknown one counts as cancelled) to close the payment
/// in `state`; if it was paid meanwhile, the step is its release.
pub async fn cancel(
    app: &AppState,
    position: &DebtPosition,
    state: PaymentState,
) -> ServiceResult<Step> {
    match app.payments.invalidate(&position.iupd).await {
        Ok(()) => Ok(Step::Mark(state)),
        // Not cancellable: paid meanwhile, or closed already on pagoPA.
        Err(PortError::ConditionFailed) => match app.payments.status(&position.iupd).await? {
            Some(s) if s.state == PositionState::Paid => Ok(Step::Release(s)),
            Some(s) if s.state == PositionState::Unpaid => Ok(Step::Stay),
            _ => Ok(Step::Mark(state)),
        },
        Err(e) => Err(e.into()),
    }
}

/// What moving one open payment on did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settled {
    /// Nothing to follow any more (its record is gone or no longer waits).
    Gone,
    Open,
    Released,
    Closed,
}

impl Settled {
    pub fn of(state: PaymentState) -> Settled {
        match state {
            PaymentState::Released => Settled::Released,
            s if s.open() => Settled::Open,
            _ => Settled::Closed,
        }
    }
}

/// What a reconciliation run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Reconciled {
    pub checked: usize,
    pub released: usize,
    pub closed: usize,
    pub failed: usize,
}

/// Reads the status of every open payment — certificates and applications — and completes
/// what was paid, closes what was cancelled or is past due. Idempotent; safe to run beside
/// the citizens' returns.
pub async fn reconcile(app: &AppState) -> ServiceResult<Reconciled> {
    let mut out = Reconciled::default();
    for item in crate::ports::query_all(app.store.as_ref(), &keys::open_payments()).await? {
        let settled = match keys::open_payment_of(&item.sk) {
            Some((keys::PAID_CERTIFICATE, id)) => super::certificates::settle_open(app, id).await,
            Some((keys::PAID_APPLICATION, id)) => {
                super::applications::fee::settle_open(app, id).await
            }
            _ => continue,
        };
        match settled {
            Ok(Settled::Gone) => {
                let _ = app.store.delete(&item.pk, &item.sk).await;
                continue;
            }
            Ok(Settled::Released) => out.released += 1,
            Ok(Settled::Closed) => out.closed += 1,
            Ok(Settled::Open) => {}
            Err(e) => {
                tracing::warn!(error = %e, "reconciliation of a payment failed");
                out.failed += 1;
            }
        }
        out.checked += 1;
    }
    Ok(out)
}
