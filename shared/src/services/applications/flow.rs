//! Moving an application on: the transition, its protocol registration, its sealed letter,
//! the write (all or nothing: a failed write removes the letters just archived, and a retry
//! registers under the same protocol key, so it gets the same number), then the notice.

use serde_json::Value;

use super::super::errors::{FormRefusal, ServiceError};
use super::super::ServiceResult;
use super::letters;
use super::record::{self, Application, Message, StoredFile};
use crate::app::AppState;
use crate::domain::applications::catalog::{DayKind, Kind, Term};
use crate::domain::applications::due::due_date;
use crate::domain::applications::{Action, Role, Service};
use crate::domain::italian_date;
use crate::pdf::Part;
use crate::ports::{Attachment, Condition, Direction, Item, Notice, Registration};

/// What one step produced, to archive-or-undo and to notify.
#[derive(Default)]
pub struct Made {
    letters: Vec<(StoredFile, Vec<u8>)>,
    pub extra: Vec<(Item, Condition)>,
    /// The actions taken, counted once written.
    actions: Vec<Action>,
}

fn registration(
    a: &Application,
    service: &Service,
    action: Action,
    files: &[&StoredFile],
) -> Registration {
    let direction = match action.role() {
        Role::Office => Direction::Uscita,
        _ => Direction::Entrata,
    };
    Registration {
        // The event's place in the history and its action: a retry of the same event gets
        // the same number, another event never does.
        key: format!("{}#{}#{}", a.id, a.history.len(), action.id()),
        direction,
        correspondent: a.applicant.codice_fiscale.clone(),
        subject: format!("{} – {}", service.title, super::views::action_label(action)),
        fingerprints: files
            .iter()
            .map(|f| (f.name.clone(), f.sha256.clone()))
            .collect(),
    }
}

/// What an action sets besides the state: the protocol and the legal terms on registration,
/// the reply term and the office's message on a request, the end of a reply term.
fn terms(
    a: &mut Application,
    service: &Service,
    action: Action,
    protocol: Option<&crate::ports::Protocol>,
    reason: Option<&str>,
    now: chrono::DateTime<chrono::Utc>,
    today: chrono::NaiveDate,
) {
    match action {
        Action::Register => {
            let p = protocol.expect("registered");
            let day = italian_date(p.at);
            a.protocollo = Some(p.clone());
            a.due_date = Some(due_date(day, &service.due));
            a.confirmation_date = service.confirmation.as_ref().map(|t| due_date(day, t));
        }
        Action::RequestIntegration | Action::PreReject => {
            let days = if action == Action::PreReject { 10 } else { 30 };
            let term = Term {
                days,
                kind: DayKind::Calendar,
                law: String::new(),
            };
            a.reply_until = Some(due_date(today, &term));
            // What the office asks is also the first message of the exchange.
            let text = reason.unwrap_or_default().to_string();
            a.messages.push(Message {
                from: Role::Office,
                text,
                at: now,
                attachments: vec![],
            });
        }
        Action::Answer | Action::Resume => a.reply_until = None,
        _ => {}
    }
}

/// Takes `action` on `a` (in memory): the new state, the protocol registration of what
/// enters or leaves the office, the sealed letter archived.
pub async fn step(
    app: &AppState,
    a: &mut Application,
    service: &Service,
    action: Action,
    actor: &str,
    reason: Option<String>,
    made: &mut Made,
) -> ServiceResult<()> {
    let now = app.clock.now();
    let today = app.clock.today();
    let files: Vec<&StoredFile> = match action {
        Action::Register => a.attachments.iter().collect(),
        Action::Answer => a.messages.last().map_or(vec![], |m| {
            a.attachments
                .iter()
                .filter(|f| m.attachments.contains(&f.id))
                .collect()
        }),
        _ => vec![],
    };
    // Nothing is registered for an action the state does not allow.
    a.next_state(service, action)?;
    let registered = action.makes_document() || action == Action::Answer;
    let protocol = match registered {
        true => Some(
            app.protocollo
                .register(&registration(a, service, action, &files))
                .await?,
        ),
        false => None,
    };
    a.record_transition(service, action, actor, now, reason.clone())?;
    made.actions.push(action);
    // The letter below is archived for the retention of what the application is now.
    a.extend_retention(service, now);
    terms(
        a,
        service,
        action,
        protocol.as_ref(),
        reason.as_deref(),
        now,
        today,
    );
    if let Some(p) = &protocol {
        if action.makes_document() {
            let (title, text) = letters::letter_text(a, service, action, reason.as_deref());
            let body = match action {
                Action::Register => letters::receipt_body(app, a, service),
                _ => text.split('\n').map(|t| Part::para(t, 10.5)).collect(),
            };
            let (file, bytes) = letters::seal(app, a, service, &title, body, p).await?;
            a.documents.push(file.clone());
            made.letters.push((file, bytes));
        }
        let event = a.history.last_mut().expect("just recorded");
        event.protocollo = protocol.clone();
        event.document = made
            .letters
            .last()
            .filter(|_| action.makes_document())
            .map(|(f, _)| f.id.clone());
    }
    Ok(())
}

/// Writes what the steps made, or undoes their letters; then tells the citizen.
pub async fn commit(
    app: &AppState,
    a: &mut Application,
    service: &Service,
    made: Made,
) -> ServiceResult<()> {
    a.extend_retention(service, app.clock.now());
    if let Err(e) = record::save(app, a, made.extra).await {
        for (f, _) in &made.letters {
            let _ = app.archive.delete(&f.archive_key).await;
        }
        return Err(e);
    }
    for action in &made.actions {
        match action {
            Action::Register => app
                .metrics
                .count(crate::metrics::application_submitted(&service.id)),
            _ if a.state.is_final() && action.role() == Role::Office => app.metrics.count(
                crate::metrics::application_decided(&service.id, a.state.id()),
            ),
            _ => {}
        }
    }
    notify(app, a, service, made.letters.into_iter().last()).await;
    Ok(())
}

/// Best effort: the change is already kept and shown in "Le mie pratiche".
async fn notify(
    app: &AppState,
    a: &Application,
    service: &Service,
    letter: Option<(StoredFile, Vec<u8>)>,
) {
    let email = a
        .data
        .get("email")
        .and_then(Value::as_str)
        .map(String::from);
    let mut text = format!(
        "La tua pratica «{}» è ora: {}.",
        service.title,
        a.state.label()
    );
    if let Some(p) = &a.protocollo {
        text.push_str(&format!("\nProtocollo n. {p}."));
    }
    if let Some(d) = a.reply_until {
        text.push_str(&format!("\nRispondi entro il {}.", d.format("%d/%m/%Y")));
    }
    let notice = Notice {
        codice_fiscale: a.applicant.codice_fiscale.clone(),
        email,
        subject: format!(
            "Comune di {} – {}: {}",
            app.config.municipality.name,
            service.title,
            a.state.label()
        ),
        text,
        link: format!("{}/pratica.html?id={}", app.config.public_base_url, a.id),
        document: letter.map(|(f, bytes)| Attachment {
            filename: f.name,
            content_type: f.content_type,
            bytes,
        }),
    };
    if let Err(e) = app.notifier.notify(&notice).await {
        tracing::warn!(error = %e, application = %a.id, "notice not sent");
    }
}

/// The answers' problems as the refusal of a submission.
pub fn refuse_incomplete(
    problems: Vec<crate::domain::applications::form::Problem>,
) -> ServiceResult<()> {
    match problems.is_empty() {
        true => Ok(()),
        false => Err(ServiceError::Form(FormRefusal::Fields(problems))),
    }
}

/// The persons a `members` field names.
pub fn members(a: &Application, service: &Service) -> Vec<String> {
    let Some(field) = service.fields().find(|f| f.kind == Kind::Members) else {
        return vec![];
    };
    let list = a.data.get(&field.id).and_then(Value::as_array);
    list.into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(String::from))
        .collect()
}

/// The members a residence declaration moves and its date.
pub fn movers(a: &Application, service: &Service) -> Option<(Vec<String>, chrono::NaiveDate)> {
    let date = a.data.get("data")?.as_str()?.parse().ok()?;
    Some((members(a, service), date))
}
