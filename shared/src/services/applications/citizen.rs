//! What a citizen does with their applications once started: send, follow, answer the
//! office, withdraw, download.

use super::super::audit::{self, AuditAction};
use super::super::errors::{FormRefusal, NotFound};
use super::super::ServiceResult;
use super::flow::{self, Made};
use super::record::{self, Application, Message};
use super::views::Summary;
use super::{drafts, fee};
use crate::app::AppState;
use crate::domain::applications::catalog::ANSWER_FIELD;
use crate::domain::applications::{Action, Role, State};
use crate::keys;
use crate::services::sessions::Session;

/// The longest text of an answer, a reason or a note.
pub const TEXT_LIMIT: usize = 2000;

/// A text the citizen or the office writes: trimmed, bounded, printable.
pub fn text(
    field: &'static str,
    value: &str,
    required: bool,
) -> Result<Option<String>, FormRefusal> {
    let v = value.trim();
    let fail = |message: String| Err(FormRefusal::Text { field, message });
    if v.is_empty() {
        return match required {
            true => fail("Scrivi il testo: è obbligatorio per questa operazione.".into()),
            false => Ok(None),
        };
    }
    if v.chars().count() > TEXT_LIMIT {
        return fail(format!(
            "Il testo può avere al massimo {TEXT_LIMIT} caratteri."
        ));
    }
    if v.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return fail("Il testo contiene caratteri non ammessi.".into());
    }
    Ok(Some(v.to_string()))
}

/// "Le mie pratiche", newest first.
pub async fn list(app: &AppState, s: &Session) -> ServiceResult<Vec<Summary>> {
    let mut all = record::list(app, &keys::applications_of(&s.identity.codice_fiscale)).await?;
    all.sort_by_key(|a| std::cmp::Reverse(a.created_at));
    let today = app.clock.today();
    Ok(all
        .iter()
        .filter_map(|a| {
            app.services
                .get(&a.service)
                .map(|svc| Summary::of(a, &svc.title, today, false))
        })
        .collect())
}

/// Sends a complete draft: registered in the protocol, the receipt sealed and e-mailed. One
/// with a fee waits for its payment instead: the checkout's address comes back with it.
pub async fn submit(
    app: &AppState,
    s: &Session,
    id: &str,
) -> ServiceResult<(Application, Option<String>)> {
    let cf = &s.identity.codice_fiscale;
    let mut a = record::load_own(app, cf, id).await?;
    let service = record::service(app, &a.service)?;
    flow::refuse_incomplete(drafts::problems(app, &a, service, true))?;
    a.data = crate::domain::applications::form::keep_known(service, &a.data);
    // Files of questions no longer asked (a condition changed) are not part of it.
    let (kept, dropped): (Vec<_>, Vec<_>) = std::mem::take(&mut a.attachments)
        .into_iter()
        .partition(|f| a.data.values().any(|v| v.as_str() == Some(f.id.as_str())));
    a.attachments = kept;
    let mut made = Made::default();
    flow::step(app, &mut a, service, Action::Submit, cf, None, &mut made).await?;
    if a.state == State::AttesaPagamento {
        fee::open(app, &mut a, service, s, &mut made).await?;
    } else {
        a.submitted_at = Some(app.clock.now());
        flow::step(app, &mut a, service, Action::Register, "", None, &mut made).await?;
    }
    flow::commit(app, &mut a, service, made).await?;
    for f in dropped {
        app.archive.delete(&f.archive_key).await?;
    }
    audit::record(
        app,
        cf,
        vec![cf.clone()],
        AuditAction::ApplicationSubmit,
        Some(a.id.clone()),
    )
    .await?;
    let a = fee::settle(app, a).await?;
    let checkout = fee::checkout_of(app, &a).await?;
    Ok((a, checkout))
}

/// Withdraws an application the office has not taken yet.
pub async fn withdraw(
    app: &AppState,
    s: &Session,
    id: &str,
    reason: &str,
) -> ServiceResult<Application> {
    let cf = &s.identity.codice_fiscale;
    let mut a = record::load_own(app, cf, id).await?;
    let service = record::service(app, &a.service)?;
    let reason = text("reason", reason, false)?;
    let mut made = Made::default();
    flow::step(
        app,
        &mut a,
        service,
        Action::Withdraw,
        cf,
        reason,
        &mut made,
    )
    .await?;
    flow::commit(app, &mut a, service, made).await?;
    Ok(a)
}

/// Answers an integration request or a preavviso, with text and files uploaded for it.
pub async fn answer(
    app: &AppState,
    s: &Session,
    id: &str,
    message: &str,
    files: &[String],
) -> ServiceResult<Application> {
    let cf = &s.identity.codice_fiscale;
    let mut a = record::load_own(app, cf, id).await?;
    let service = record::service(app, &a.service)?;
    let body = text("text", message, true)?.unwrap_or_default();
    let sent: Vec<&String> = a.messages.iter().flat_map(|m| &m.attachments).collect();
    for f in files {
        let ok = a
            .attachments
            .iter()
            .any(|x| &x.id == f && x.field == ANSWER_FIELD)
            && !sent.contains(&f);
        if !ok {
            let message =
                "Un allegato della risposta non è stato trovato: caricalo di nuovo.".into();
            return Err(FormRefusal::Attachment {
                field: ANSWER_FIELD.into(),
                message,
                too_large: false,
            }
            .into());
        }
    }
    let now = app.clock.now();
    a.messages.push(Message {
        from: Role::Citizen,
        text: body,
        at: now,
        attachments: files.to_vec(),
    });
    let mut made = Made::default();
    flow::step(app, &mut a, service, Action::Answer, cf, None, &mut made).await?;
    flow::commit(app, &mut a, service, made).await?;
    Ok(a)
}

/// A file of the citizen's application (attachment or letter): (name, type, bytes).
pub async fn file(
    app: &AppState,
    a: &Application,
    file: &str,
) -> ServiceResult<(String, String, Vec<u8>)> {
    let f = a.file(file).ok_or(NotFound::ApplicationFile)?;
    let bytes = app
        .archive
        .get(&f.archive_key)
        .await?
        .ok_or(NotFound::ApplicationFile)?;
    Ok((f.name.clone(), f.content_type.clone(), bytes))
}
