//! The stored application: answers, files, history, messages, and how it is read and
//! written (every write conditional on the version read, so concurrent changes never
//! overwrite each other).

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::super::errors::{Conflict, NotFound};
use super::super::{registry, ServiceResult};
use crate::app::AppState;
use crate::domain::applications::{Action, Role, Rules, Service, State};
use crate::keys;
use crate::ports::{Condition, Item, PortError, Protocol};

/// How long a decided application stays in the office's queue.
const QUEUE_AFTER_FINAL_DAYS: i64 = 90;

/// How long an untouched draft is kept.
pub const DRAFT_DAYS: i64 = 365;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub codice_fiscale: String,
    pub name: String,
}

/// An uploaded file or a sealed letter, archived under `archive_key`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredFile {
    pub id: String,
    /// The form field (attachments) or the letter's title (documents).
    pub field: String,
    pub name: String,
    pub content_type: String,
    pub size: usize,
    pub sha256: String,
    pub archive_key: String,
    pub at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocollo: Option<Protocol>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub from: State,
    pub to: State,
    pub action: Action,
    pub by: Role,
    /// Codice fiscale of who acted (the system: empty).
    pub actor: String,
    pub at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The letter it produced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<String>,
    /// Its registration in the protocol (letters and the citizen's answers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocollo: Option<Protocol>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub from: Role,
    pub text: String,
    pub at: DateTime<Utc>,
    #[serde(default)]
    pub attachments: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    pub by: Member,
    pub text: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Application {
    pub id: String,
    pub service: String,
    pub applicant: Member,
    pub state: State,
    pub version: u32,
    pub data: Map<String, Value>,
    pub from_registry: Vec<String>,
    pub household: Vec<Member>,
    pub attachments: Vec<StoredFile>,
    pub documents: Vec<StoredFile>,
    pub protocollo: Option<Protocol>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub due_date: Option<NaiveDate>,
    pub confirmation_date: Option<NaiveDate>,
    /// Until when the citizen may answer an integration request or a preavviso.
    pub reply_until: Option<NaiveDate>,
    pub history: Vec<Event>,
    pub messages: Vec<Message>,
    /// The office's internal notes: never in a citizen's view.
    pub notes: Vec<Note>,
    /// The operator who took it in charge.
    pub assignee: Option<Member>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// When the record, its files and its index entries expire.
    pub keep_until: DateTime<Utc>,
    /// The fee's payment through pagoPA, for services that ask one (the last sending's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment: Option<super::fee::FeePayment>,
}

impl Application {
    pub fn rules(&self, service: &Service) -> Rules {
        Rules {
            two_step: service.confirmation.is_some(),
            had_preavviso: self.history.iter().any(|e| e.to == State::PreavvisoRigetto),
            fee: service.fee.is_some(),
        }
    }

    pub fn overdue(&self, today: NaiveDate) -> bool {
        self.state.is_open() && self.due_date.is_some_and(|d| d < today)
    }

    pub fn file(&self, id: &str) -> Option<&StoredFile> {
        self.attachments
            .iter()
            .chain(&self.documents)
            .find(|f| f.id == id)
    }

    /// Moves to the state `action` leads to, recording who, when and why.
    /// The state `action` leads to now, or why it is not allowed.
    pub fn next_state(&self, service: &Service, action: Action) -> ServiceResult<State> {
        self.state
            .after(action, self.rules(service))
            .ok_or_else(|| {
                Conflict::NotNow {
                    action: super::views::action_label(action),
                    state: self.state.label(),
                }
                .into()
            })
    }

    pub fn record_transition(
        &mut self,
        service: &Service,
        action: Action,
        actor: &str,
        at: DateTime<Utc>,
        reason: Option<String>,
    ) -> ServiceResult<State> {
        let next = self
            .state
            .after(action, self.rules(service))
            .ok_or(Conflict::NotNow {
                action: super::views::action_label(action),
                state: self.state.label(),
            })?;
        self.history.push(Event {
            from: self.state,
            to: next,
            action,
            by: action.role(),
            actor: actor.to_string(),
            at,
            reason,
            document: None,
            protocollo: None,
        });
        self.state = next;
        self.updated_at = at;
        Ok(next)
    }

    /// Keeps the record for the service's retention from now (drafts: a year).
    pub fn extend_retention(&mut self, service: &Service, now: DateTime<Utc>) {
        self.keep_until = if self.state == State::Bozza {
            now + Duration::days(DRAFT_DAYS)
        } else {
            now + Duration::days(365 * i64::from(service.retention_years) + 2)
        };
    }
}

pub fn service<'a>(app: &'a AppState, id: &str) -> ServiceResult<&'a Service> {
    app.services.get(id).ok_or_else(|| NotFound::Service.into())
}

pub async fn load(app: &AppState, id: &str) -> ServiceResult<Option<Application>> {
    registry::get_json(app.store.as_ref(), &keys::application(id)).await
}

/// The citizen's own application (anyone else's is "not found").
pub async fn load_own(app: &AppState, cf: &str, id: &str) -> ServiceResult<Application> {
    match load(app, id).await? {
        Some(a) if a.applicant.codice_fiscale == cf => Ok(a),
        _ => Err(NotFound::Application.into()),
    }
}

/// Writes the application as the next version of the one read, with its index entries and
/// `extra` writes, all or nothing; `Conflict::ApplicationChanged` if another write came first.
pub async fn save(
    app: &AppState,
    a: &mut Application,
    extra: Vec<(Item, Condition)>,
) -> ServiceResult<()> {
    a.version += 1;
    let until = a.keep_until;
    let mut items = vec![
        (
            registry::json_item(keys::application(&a.id), a)?.expiring(until),
            Condition::None,
        ),
        (
            registry::marker(keys::application_version(&a.id, a.version)).expiring(until),
            Condition::IfAbsent,
        ),
        (
            registry::marker(keys::application_of(&a.applicant.codice_fiscale, &a.id))
                .expiring(until),
            Condition::None,
        ),
    ];
    if !a.state.before_office() {
        // Decided applications leave the office's queue after three months.
        let leaves = match a.state.is_final() {
            true => a.updated_at + Duration::days(QUEUE_AFTER_FINAL_DAYS),
            false => until,
        };
        let queued = registry::marker(keys::queued_application(&a.id)).expiring(leaves);
        items.push((queued, Condition::None));
    }
    items.extend(extra);
    match app.store.transact(items).await {
        Ok(()) => Ok(()),
        Err(PortError::ConditionFailed) => {
            a.version -= 1;
            Err(Conflict::ApplicationChanged.into())
        }
        Err(e) => {
            a.version -= 1;
            Err(e.into())
        }
    }
}

/// The applications listed under a citizen, or in the office's queue.
pub async fn list(app: &AppState, entries: &keys::Prefix) -> ServiceResult<Vec<Application>> {
    let items = crate::ports::query_all(app.store.as_ref(), entries).await?;
    let keys: Vec<(String, String)> = items
        .iter()
        .map(|i| {
            let k = keys::application(keys::application_in(&i.key()));
            (k.pk, k.sk)
        })
        .collect();
    let mut out = Vec::new();
    for item in app.store.get_many(&keys).await?.into_iter().flatten() {
        out.push(serde_json::from_slice(&item.data)?);
    }
    Ok(out)
}
