//! The operators' desk: the queue of sent applications (overdue first), reading one (each
//! reading audited), taking it in charge (of two operators racing, one wins), the office's
//! actions with their reasons, and internal notes the citizen never sees.

use chrono::NaiveDate;
use serde::Deserialize;

use super::super::audit::{self, AuditAction};
use super::super::errors::{Conflict, NotFound, ServiceError};
use super::super::ServiceResult;
use super::citizen::text;
use super::effect;
use super::flow::{self, Made};
use super::record::{self, Application, Member, Note};
use super::views::Summary;
use crate::app::AppState;
use crate::domain::applications::{Action, Role, State};
use crate::keys;
use crate::services::errors::{Forbidden, Invalid};

/// The most internal notes one application holds.
const MAX_NOTES: usize = 100;
use crate::services::sessions::Session;

/// The queue's filters.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Filter {
    #[serde(default)]
    pub service: Option<String>,
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub due_before: Option<NaiveDate>,
}

/// The sent applications matching `f`: overdue first, then by due date.
pub async fn queue(app: &AppState, op: &Session, f: &Filter) -> ServiceResult<Vec<Summary>> {
    let state = match f.state.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(State::parse(s).ok_or_else(|| Invalid::Parameter {
            name: "state",
            given: s.chars().take(40).collect(),
            allowed: "uno degli stati della pratica",
        })?),
    };
    let today = app.clock.today();
    let mut all: Vec<Application> = record::list(app, &keys::application_queue())
        .await?
        .into_iter()
        .filter(|a| {
            f.service
                .as_deref()
                .is_none_or(|s| s.is_empty() || a.service == s)
        })
        .filter(|a| state.is_none_or(|s| a.state == s))
        .filter(|a| {
            f.due_before
                .is_none_or(|d| a.due_date.is_some_and(|due| due <= d))
        })
        .collect();
    all.sort_by_key(|a| {
        (
            !a.overdue(today),
            a.state.is_final(),
            a.due_date,
            a.created_at,
        )
    });
    // The queue names the applicants: reading it is an access to their data.
    if !all.is_empty() {
        let mut subjects: Vec<String> = all
            .iter()
            .map(|a| a.applicant.codice_fiscale.clone())
            .collect();
        subjects.sort();
        subjects.dedup();
        let who = &op.identity.codice_fiscale;
        audit::record(app, who, subjects, AuditAction::ApplicationDeskQueue, None).await?;
    }
    Ok(all
        .iter()
        .filter_map(|a| {
            app.services
                .get(&a.service)
                .map(|s| Summary::of(a, &s.title, today, true))
        })
        .collect())
}

async fn sent(app: &AppState, id: &str) -> ServiceResult<Application> {
    match record::load(app, id).await? {
        Some(a) if !a.state.before_office() => Ok(a),
        _ => Err(NotFound::Application.into()),
    }
}

/// The operator as colleagues read them.
fn operator(op: &Session) -> Member {
    Member {
        codice_fiscale: op.identity.codice_fiscale.clone(),
        name: format!("{} {}", op.identity.nome, op.identity.cognome),
    }
}

fn subjects(app: &AppState, a: &Application) -> Vec<String> {
    let mut s = vec![a.applicant.codice_fiscale.clone()];
    if let Some(service) = app.services.get(&a.service) {
        let others = flow::members(a, service)
            .into_iter()
            .filter(|m| *m != a.applicant.codice_fiscale);
        s.extend(others);
    }
    s
}

/// An application as the office reads it (audited).
pub async fn read(app: &AppState, op: &Session, id: &str) -> ServiceResult<Application> {
    let a = sent(app, id).await?;
    desk_audit(
        app,
        &op.identity.codice_fiscale,
        &a,
        AuditAction::ApplicationDeskView,
        None,
    )
    .await?;
    Ok(a)
}

/// A file of an application, as the office opens it (audited).
pub async fn file(
    app: &AppState,
    op: &Session,
    id: &str,
    file: &str,
) -> ServiceResult<(String, String, Vec<u8>)> {
    let a = sent(app, id).await?;
    let out = super::citizen::file(app, &a, file).await?;
    let who = &op.identity.codice_fiscale;
    desk_audit(app, who, &a, AuditAction::ApplicationDeskFile, Some(file)).await?;
    Ok(out)
}

/// An operator never works an application that concerns them or the persons it moves.
fn not_own(app: &AppState, op: &Session, a: &Application) -> ServiceResult<()> {
    match subjects(app, a).contains(&op.identity.codice_fiscale) {
        true => Err(Forbidden::OwnApplication.into()),
        false => Ok(()),
    }
}

/// Takes an application in charge; `Conflict::AlreadyTaken` for the operator who came second.
pub async fn take(app: &AppState, op: &Session, id: &str) -> ServiceResult<Application> {
    let mut a = sent(app, id).await?;
    not_own(app, op, &a)?;
    if a.assignee.is_some() {
        return Err(Conflict::AlreadyTaken.into());
    }
    let service = record::service(app, &a.service)?;
    let who = op.identity.codice_fiscale.clone();
    let mut made = Made::default();
    flow::step(app, &mut a, service, Action::Take, &who, None, &mut made).await?;
    a.assignee = Some(operator(op));
    match flow::commit(app, &mut a, service, made).await {
        Err(ServiceError::Conflict(Conflict::ApplicationChanged)) => {
            Err(Conflict::AlreadyTaken.into())
        }
        other => other,
    }?;
    desk_audit(app, &who, &a, AuditAction::ApplicationDeskAction, None).await?;
    Ok(a)
}

/// The office's action named `id` (taking in charge has its own call).
fn office_action(id: &str) -> ServiceResult<Action> {
    let allowed = "request_integration, resume, accept, accept_with_reserve, confirm, pre_reject, reject, cancel";
    Action::parse(id)
        .filter(|a| a.role() == Role::Office && *a != Action::Take)
        .ok_or_else(|| {
            let given = id.chars().take(40).collect();
            Invalid::Parameter {
                name: "action",
                given,
                allowed,
            }
            .into()
        })
}

/// Records an operator's access to an application's data.
async fn desk_audit(
    app: &AppState,
    who: &str,
    a: &Application,
    action: AuditAction,
    file: Option<&str>,
) -> ServiceResult<()> {
    let detail = Some(file.map_or_else(|| a.id.clone(), |f| format!("{} {f}", a.id)));
    audit::record(app, who, subjects(app, a), action, detail).await
}

/// An office's action on an application it has in charge.
pub async fn act(
    app: &AppState,
    op: &Session,
    id: &str,
    action: &str,
    reason: &str,
) -> ServiceResult<Application> {
    let action = office_action(action)?;
    let mut a = sent(app, id).await?;
    let who = op.identity.codice_fiscale.clone();
    if a.assignee.as_ref().is_some_and(|x| x.codice_fiscale != who) {
        return Err(Conflict::AlreadyTaken.into());
    }
    not_own(app, op, &a)?;
    let reason = text("reason", reason, action.needs_reason())?;
    // After the checks' 45 days the registration is definitive by law (silenzio-assenso).
    if action == Action::Cancel && a.state == State::AccoltaConRiserva {
        if let Some(d) = a.confirmation_date.filter(|d| *d < app.clock.today()) {
            return Err(Conflict::AlreadyDefinitive(d).into());
        }
    }
    if action == Action::Reject && a.state == State::PreavvisoRigetto {
        if let Some(until) = a.reply_until.filter(|d| *d >= app.clock.today()) {
            return Err(Conflict::ObservationsOpen(until).into());
        }
    }
    let service = record::service(app, &a.service)?;
    let mut made = Made::default();
    flow::step(app, &mut a, service, action, &who, reason, &mut made).await?;
    if action == Action::AcceptWithReserve {
        made.extra
            .extend(effect::change_for(app, &a, service).await?);
    }
    flow::commit(app, &mut a, service, made).await?;
    desk_audit(app, &who, &a, AuditAction::ApplicationDeskAction, None).await?;
    Ok(a)
}

/// Adds an internal note.
pub async fn note(
    app: &AppState,
    op: &Session,
    id: &str,
    body: &str,
) -> ServiceResult<Application> {
    let mut a = sent(app, id).await?;
    let body = text("text", body, true)?.unwrap_or_default();
    if a.notes.len() >= MAX_NOTES {
        return Err(Conflict::TooManyNotes(MAX_NOTES).into());
    }
    let now = app.clock.now();
    a.notes.push(Note {
        by: operator(op),
        text: body,
        at: now,
    });
    record::save(app, &mut a, vec![]).await?;
    Ok(a)
}
