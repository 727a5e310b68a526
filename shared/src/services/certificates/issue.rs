//! Issuing a certificate and handing it over (download or e-mail), and the unsealed
//! preview.

use super::super::audit::{self, Access, AuditAction};
use super::super::delivery::{self, DeliveryRequest, Letter, Recipients};
use super::super::errors::{CertificateProblem, Conflict};
use super::super::sessions::Session;
use super::super::ServiceResult;
use super::build::{build, store, Stored};
use super::ledger::{completed, reserve};
use super::payment::{self, PaymentState, PaymentView};
use super::plan::{content, plan, validate_libera, Plan, Request};
use super::{load_issued, record, IssueOutcome, Issued};
use crate::app::AppState;
use crate::domain::certificate::{date_it, Channel};
use crate::domain::italian_date;
use crate::pdf;
use crate::ports::{Condition, PortError};

/// A certificate order: what, through which door, and how to hand it over.
pub struct Order<'a> {
    pub request: &'a Request,
    pub channel: Channel,
    pub delivery: &'a DeliveryRequest,
    /// The client's `Idempotency-Key`, if it sent one.
    pub idempotency_key: Option<&'a str>,
}

/// How the certificate reached the requester.
pub enum Delivered {
    Download(Issued),
    Emailed {
        issued: Issued,
        to: String,
    },
    /// Built and sealed, released once paid through pagoPA (and then e-mailed, if asked).
    AwaitingPayment(Box<PaymentView>),
}

/// Issues the certificate of the order and delivers it. The e-mail addresses are checked
/// before anything is issued; when the e-mail fails after the issue, the answer says so
/// and a retry sends the same certificate (no second marca).
pub async fn issue_and_deliver(
    app: &AppState,
    actor: &Session,
    order: Order<'_>,
) -> ServiceResult<Delivered> {
    let recipients = order.delivery.recipients(actor)?;
    if recipients.is_some() {
        delivery::count_mail(app, actor).await?;
    }
    if let Some(l) = order.channel.libera() {
        validate_libera(l)?;
    }
    let plan = plan(app, actor, order.request, &order.channel).await?;
    let key = order.idempotency_key;
    if plan.paid_online() {
        let reserved = reserve(app, actor, &plan, key).await?;
        if let Some(existing) = record(app, &reserved.certificate).await? {
            if existing.expires_at > app.clock.now() {
                return Ok(Delivered::Download(load_issued(app, existing).await?));
            }
        }
        let view = payment::start(app, actor, &plan, &reserved, key, recipients).await?;
        if view.state == PaymentState::Released {
            // The same request, paid and released before: the certificate again.
            if let Some(existing) = record(app, &view.id).await? {
                return Ok(Delivered::Download(load_issued(app, existing).await?));
            }
        }
        return Ok(Delivered::AwaitingPayment(Box::new(view)));
    }
    let issued = issue_planned(app, actor, &plan, &order.channel, key).await?;
    let Some(to) = recipients else {
        return Ok(Delivered::Download(issued));
    };
    if send_by_email(app, &issued, &to).await.is_err() {
        return Err(Conflict::CertificateMailFailed(issued.record.id.clone()).into());
    }
    Ok(Delivered::Emailed { issued, to: to.to })
}

/// Issues a certificate at once: validate, reserve, build, seal, archive, record, audit.
/// One paid online is refused (`issue_and_deliver` starts its payment).
pub async fn issue(
    app: &AppState,
    actor: &Session,
    req: &Request,
    channel: &Channel,
    idempotency_key: Option<&str>,
) -> ServiceResult<Issued> {
    if let Some(l) = channel.libera() {
        validate_libera(l)?;
    }
    let plan = plan(app, actor, req, channel).await?;
    if plan.paid_online() {
        return Err(Conflict::PaysOnline.into());
    }
    issue_planned(app, actor, &plan, channel, idempotency_key).await
}

async fn issue_planned(
    app: &AppState,
    actor: &Session,
    plan: &Plan,
    channel: &Channel,
    idempotency_key: Option<&str>,
) -> ServiceResult<Issued> {
    let reserved = reserve(app, actor, plan, idempotency_key).await?;
    let id = reserved.certificate.clone();
    let bollo_spent = || -> ServiceResult<()> {
        match &plan.bollo {
            Some(b) => Err(Conflict::BolloAlreadyUsed(b.id.clone()).into()),
            None => Ok(()),
        }
    };
    match record(app, &id).await? {
        // The same request again: the same certificate, while its original is kept.
        Some(existing) if existing.expires_at > app.clock.now() => {
            return load_issued(app, existing).await
        }
        // Its original is gone, its marca spent.
        Some(_) => bollo_spent()?,
        None if reserved.completed() => bollo_spent()?,
        None => {}
    }
    let sealed = build(app, actor, plan, &id, channel, None).await?;
    let r = &sealed.record;
    let action = match channel {
        Channel::Citizen => AuditAction::CertificateIssue,
        Channel::Operator(_) => AuditAction::CertificateIssueLibera,
    };
    let mut access = Access::new(
        &actor.identity.codice_fiscale,
        vec![r.person.clone()],
        action,
    )
    .detail(format!("{} {}", r.id, r.type_id));
    access.reason = channel.libera().map(|l| l.motivo.clone());
    // The audit record goes in the record's transaction; the chain waits for it.
    let mut link = app.audit.link().await;
    let mut extra = audit::entries(app, &mut link, &access)?;
    extra.extend(completed(plan, &reserved, &r.sha256)?.map(|i| (i, Condition::None)));
    if let Stored::Lost = store(app, &sealed, extra).await? {
        drop(link);
        return match record(app, &id).await? {
            Some(existing) => load_issued(app, existing).await,
            None => Err(PortError::ConditionFailed.into()),
        };
    }
    link.commit();
    audit::notify::operator_access(app, &access).await;
    let m = crate::metrics::certificate_issued(&r.type_id, r.bollo.is_some());
    app.metrics.count(m);
    Ok(Issued {
        record: sealed.record,
        pdf: sealed.pdf,
        outcome: IssueOutcome::New,
        link: Some(sealed.link),
    })
}

/// The preview: the same PDF with the ANTEPRIMA watermark, not sealed, not archived, without
/// verification data. Refused for certificates in bollo.
pub async fn preview(app: &AppState, actor: &Session, req: &Request) -> ServiceResult<Vec<u8>> {
    let c = &app.catalog;
    if req.bollo.is_some() || c.uso(req.uso.trim()).is_some_and(|u| u.bollo) {
        let exempt_archive = c
            .certificate_type(req.type_id.trim())
            .and_then(|t| c.archive(&t.archive))
            .is_some_and(|a| a.exemption.is_some());
        if !exempt_archive {
            return Err(CertificateProblem::PreviewNotAllowed.into());
        }
    }
    let plan = plan(app, actor, req, &Channel::Citizen).await?;
    let text = content(app, &plan, app.clock.today(), None);
    let pdf = pdf::render(&text, None, app.clock.now(), app.arms.as_deref(), None).bytes;
    let subjects = vec![plan.target.person.codice_fiscale.clone()];
    let detail = Some(plan.kind.id.clone());
    audit::record(
        app,
        &actor.identity.codice_fiscale,
        subjects,
        AuditAction::CertificatePreview,
        detail,
    )
    .await?;
    app.metrics.count(crate::metrics::preview(&plan.kind.id));
    Ok(pdf)
}

/// Sends an issued certificate by e-mail (PDF attached, the archived bytes).
pub(super) async fn send_by_email(
    app: &AppState,
    issued: &Issued,
    to: &Recipients,
) -> Result<(), PortError> {
    let r = &issued.record;
    let date = |t| date_it(italian_date(t));
    let body = format!(
        "In allegato il {} n. {} rilasciato dal Comune di {} il {}.\n\nIl certificato è firmato digitalmente e riporta un codice QR, un ID e un PIN: chi lo riceve può verificarne l'autenticità e scaricarne l'originale su {}/verifica fino al {}.\n\nQuesto messaggio è stato inviato automaticamente dai Servizi Demografici online: non rispondere a questo indirizzo.\n",
        r.title.to_lowercase(),
        r.id,
        r.municipality,
        date(r.issued_at),
        app.config.public_base_url,
        date(r.expires_at),
    );
    let letter = Letter {
        subject: format!("{} n. {} – Comune di {}", r.title, r.id, r.municipality),
        body,
        filename: issued.filename(),
        pdf: issued.pdf.clone(),
    };
    delivery::send_pdf(app, to, letter).await
}
