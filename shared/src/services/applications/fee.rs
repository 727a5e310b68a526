//! The fee of an application (diritti), paid through pagoPA before the application counts
//! as presented: sending it opens a debt position and a checkout and holds it "in attesa
//! del pagamento"; once pagoPA confirms the payment it is presented — registered in the
//! protocol, its receipt sealed with the payment's data — and its legal term starts.
//! A cancelled or expired payment makes it a draft again, to send when the citizen wants.
//!
//! Every change is a versioned write of the application (`record::save`): of a return and
//! a reconciliation racing, one writes the presentation and the other reads it; both
//! register under the same protocol key, so they would get the same number anyway.

use chrono::Duration;
use serde::{Deserialize, Serialize};

use super::super::errors::{Conflict, NotFound, ServiceError};
use super::super::payments::{self, PaymentState, PaymentView, Settled, Step};
use super::super::ServiceResult;
use super::flow::{self, Made};
use super::record::{self, Application};
use crate::app::AppState;
use crate::domain::applications::{Action, Service, State};
use crate::keys;
use crate::ports::{DebtPosition, PaymentReceipt, Transfer, TransferKind};
use crate::services::sessions::Session;

/// How long an application's fee stays payable.
pub const PAYMENT_HOURS: i64 = 48;

/// The fee's payment of an application: its position on pagoPA, where it stands, the receipt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeePayment {
    pub position: DebtPosition,
    pub state: PaymentState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt: Option<PaymentReceipt>,
}

/// What the citizen reads of an application's payment in `state`.
pub fn message(state: PaymentState) -> &'static str {
    match state {
        PaymentState::Preparing => "Il sistema dei pagamenti pagoPA non ha risposto: la domanda è conservata. Riprova il pagamento tra qualche minuto.",
        PaymentState::Awaiting => "In attesa di conferma del pagamento: la domanda sarà presentata all'ufficio appena pagoPA conferma il pagamento.",
        PaymentState::Released => "Pagamento ricevuto: la domanda è stata presentata e protocollata.",
        PaymentState::Cancelled => "Pagamento annullato: la domanda non è stata presentata e non ti è stato addebitato nulla. È tornata in bozza: puoi inviarla di nuovo quando vuoi.",
        PaymentState::Expired => "Pagamento non effettuato entro la scadenza: la domanda non è stata presentata ed è tornata in bozza. Puoi inviarla di nuovo.",
        PaymentState::Anomaly => "Il pagamento risulta eseguito ma la ricevuta non corrisponde all'importo dovuto: non pagare di nuovo e rivolgiti all'Ufficio Anagrafe indicando il numero dell'avviso di pagamento.",
    }
}

/// The application's payment as the citizen sees it.
pub fn view(
    a: &Application,
    service: &Service,
    checkout_url: Option<String>,
) -> Option<PaymentView> {
    let p = a.payment.as_ref()?;
    let title = format!("{} – pratica n. {}", service.title, a.id);
    Some(PaymentView::of(
        &a.id,
        &title,
        &p.position,
        p.state,
        message(p.state),
        checkout_url,
    ))
}

/// Opens the fee's payment of an application just sent (in memory, written by the caller's
/// commit with its open-payment entry): a new position for each sending.
pub(super) async fn open(
    app: &AppState,
    a: &mut Application,
    service: &Service,
    payer: &Session,
    made: &mut Made,
) -> ServiceResult<()> {
    let Some(fee) = &service.fee else {
        return Ok(());
    };
    let c = &app.config.creditor;
    let sending = a
        .history
        .iter()
        .filter(|e| e.action == Action::Submit)
        .count();
    let transfer = Transfer {
        amount_cents: fee.cents,
        remittance: format!("{} – pratica {}", fee.reason, a.id),
        taxonomy: c.taxonomy.clone(),
        kind: TransferKind::Iban(c.iban.clone()),
    };
    let position = DebtPosition {
        iupd: format!("{}-{}-{sending}", c.fiscal_code, a.id),
        notice: payments::next_notice(app).await?,
        payer_fiscal_code: a.applicant.codice_fiscale.clone(),
        payer_name: format!("{} {}", payer.identity.cognome, payer.identity.nome),
        description: format!("{} – pratica n. {}", service.title, a.id),
        amount_cents: fee.cents,
        due: app.clock.now() + Duration::hours(PAYMENT_HOURS),
        transfers: vec![transfer],
    };
    a.payment = Some(FeePayment {
        position,
        state: PaymentState::Preparing,
        receipt: None,
    });
    let open = keys::open_payment(keys::PAID_APPLICATION, &a.id);
    let open = super::super::registry::marker(open).expiring(a.keep_until);
    made.extra.push((open, crate::ports::Condition::None));
    Ok(())
}

fn payment_of(a: &Application) -> Option<&FeePayment> {
    a.payment
        .as_ref()
        .filter(|_| a.state == State::AttesaPagamento)
}

/// Its entry among the open payments, removed once closed. Best effort: reconciliation
/// removes the entry of a payment no longer open.
async fn forget_open(app: &AppState, id: &str) {
    let open = keys::open_payment(keys::PAID_APPLICATION, id);
    let _ = app.store.delete(&open.pk, &open.sk).await;
}

/// The outcome of a write racing another: the application as the other left it.
async fn after(
    app: &AppState,
    id: &str,
    written: ServiceResult<Application>,
) -> ServiceResult<Application> {
    match written {
        Err(ServiceError::Conflict(Conflict::ApplicationChanged)) => record::load(app, id)
            .await?
            .ok_or_else(|| NotFound::Application.into()),
        other => other,
    }
}

/// Moves the application's payment on as far as pagoPA allows: opens the position, presents
/// the application when paid, makes it a draft again when cancelled or past due.
pub async fn settle(app: &AppState, a: Application) -> ServiceResult<Application> {
    let Some(p) = payment_of(&a) else {
        return Ok(a);
    };
    let step = payments::next_step(app, p.state, &p.position).await?;
    let id = a.id.clone();
    after(app, &id, apply(app, a, step).await).await
}

/// Cancels the position on pagoPA, then makes the application a draft again; if it was paid
/// meanwhile, presents it instead.
async fn close(app: &AppState, a: Application, state: PaymentState) -> ServiceResult<Application> {
    let Some(p) = a.payment.as_ref() else {
        return Ok(a);
    };
    let step = payments::cancel(app, &p.position, state).await?;
    apply(app, a, step).await
}

async fn apply(app: &AppState, a: Application, step: Step) -> ServiceResult<Application> {
    match step {
        Step::Stay => Ok(a),
        Step::Mark(state) => mark(app, a, state).await,
        Step::Release(s) => present(app, a, &s.receipts).await,
    }
}

/// Writes the payment's new state; a closed payment makes the application a draft again.
async fn mark(
    app: &AppState,
    mut a: Application,
    state: PaymentState,
) -> ServiceResult<Application> {
    let service = record::service(app, &a.service)?;
    if let Some(p) = a.payment.as_mut() {
        p.state = state;
    }
    if !state.open() && state != PaymentState::Anomaly {
        let mut made = Made::default();
        flow::step(app, &mut a, service, Action::Unpaid, "", None, &mut made).await?;
        flow::commit(app, &mut a, service, made).await?;
    } else {
        // Bookkeeping of the payment alone: the citizen's state is unchanged, no notice.
        a.updated_at = app.clock.now();
        record::save(app, &mut a, vec![]).await?;
    }
    if !state.open() {
        forget_open(app, &a.id).await;
    }
    Ok(a)
}

/// Presents a paid application: the payment recorded with its receipt, then registered in
/// the protocol with its receipt letter, as any application sent without a fee.
async fn present(
    app: &AppState,
    mut a: Application,
    receipts: &[PaymentReceipt],
) -> ServiceResult<Application> {
    let service = record::service(app, &a.service)?;
    let due = a.payment.as_ref().map_or(0, |p| p.position.amount_cents);
    let Some(receipt) = receipts.iter().find(|r| r.amount_cents == due).cloned() else {
        tracing::error!(application = %a.id, "a paid fee's receipt does not match the amount");
        return mark(app, a, PaymentState::Anomaly).await;
    };
    a.submitted_at = Some(receipt.paid_at);
    if let Some(p) = a.payment.as_mut() {
        p.state = PaymentState::Released;
        p.receipt = Some(receipt);
    }
    let mut made = Made::default();
    flow::step(app, &mut a, service, Action::Pay, "", None, &mut made).await?;
    flow::step(app, &mut a, service, Action::Register, "", None, &mut made).await?;
    flow::commit(app, &mut a, service, made).await?;
    forget_open(app, &a.id).await;
    Ok(a)
}

/// A new checkout for the fee of an application waiting for it.
pub async fn checkout_of(app: &AppState, a: &Application) -> ServiceResult<Option<String>> {
    match payment_of(a) {
        Some(p) if p.state == PaymentState::Awaiting => {
            let email = a.data.get("email").and_then(serde_json::Value::as_str);
            let back = format!("pratica={}", a.id);
            Ok(Some(
                payments::checkout(app, &p.position, &back, email).await?,
            ))
        }
        _ => Ok(None),
    }
}

/// The citizen's application `id`, its payment moved on as far as pagoPA allows.
async fn settled_own(app: &AppState, s: &Session, id: &str) -> ServiceResult<Application> {
    let a = record::load_own(app, &s.identity.codice_fiscale, id).await?;
    if a.payment.is_none() {
        return Err(NotFound::ApplicationPayment.into());
    }
    settle(app, a).await
}

fn view_of(app: &AppState, a: &Application, url: Option<String>) -> ServiceResult<PaymentView> {
    let service = record::service(app, &a.service)?;
    view(a, service, url).ok_or_else(|| NotFound::ApplicationPayment.into())
}

/// The payment of the citizen's application `id`, moved on as far as pagoPA allows.
pub async fn payment(app: &AppState, s: &Session, id: &str) -> ServiceResult<PaymentView> {
    view_of(app, &settled_own(app, s, id).await?, None)
}

/// Pays the fee of the citizen's application `id`: a new checkout (after a PSP error, a
/// closed tab, or a position pagoPA could not open before).
pub async fn pay(app: &AppState, s: &Session, id: &str) -> ServiceResult<PaymentView> {
    let a = settled_own(app, s, id).await?;
    let url = checkout_of(app, &a).await?;
    view_of(app, &a, url)
}

/// The citizen cancelled at the checkout: the position is cancelled on pagoPA and the
/// application is a draft again, unless it was paid meanwhile (then it is presented).
pub async fn cancel(app: &AppState, s: &Session, id: &str) -> ServiceResult<PaymentView> {
    let a = settled_own(app, s, id).await?;
    let a = match payment_of(&a).is_some_and(|p| p.state.open()) {
        true => after(app, id, close(app, a, PaymentState::Cancelled).await).await?,
        false => a,
    };
    view_of(app, &a, None)
}

/// The payment notice (avviso di pagamento) of the fee still to be paid.
pub async fn notice_pdf(app: &AppState, s: &Session, id: &str) -> ServiceResult<Vec<u8>> {
    let a = record::load_own(app, &s.identity.codice_fiscale, id).await?;
    match payment_of(&a) {
        Some(p) if p.state == PaymentState::Awaiting => Ok(payments::notice::notice_pdf(
            app,
            &p.position,
            app.clock.now(),
        )),
        _ => Err(NotFound::OpenPayment.into()),
    }
}

/// Moves the open payment of the application `id` on (reconciliation).
pub async fn settle_open(app: &AppState, id: &str) -> ServiceResult<Settled> {
    match record::load(app, id).await? {
        Some(a) if payment_of(&a).is_some_and(|p| p.state.open()) => {
            let a = settle(app, a).await?;
            Ok(match (a.state, a.payment.map(|p| p.state)) {
                (State::AttesaPagamento, Some(s)) => Settled::of(s),
                (State::Bozza, _) => Settled::Closed,
                _ => Settled::Released,
            })
        }
        _ => Ok(Settled::Gone),
    }
}
