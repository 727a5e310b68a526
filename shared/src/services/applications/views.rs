//! What citizens and operators read of services and applications (the office's internal
//! notes only in the operator's view).

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use serde_json::{Map, Value};

use super::record::{Application, Member, Message, StoredFile};
use crate::domain::applications::catalog::{Fee, Term};
use crate::domain::applications::{Action, Role, Service, State};

/// A service of the catalogue, without its form.
#[derive(Debug, Clone, Serialize)]
pub struct ServiceSummary<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub summary: &'a str,
    pub who: &'a str,
    pub needs: &'a [String],
    pub office: &'a str,
    pub due: &'a Term,
    pub confirmation: Option<&'a Term>,
    pub fee: Option<&'a Fee>,
}

impl<'a> ServiceSummary<'a> {
    pub fn of(s: &'a Service) -> Self {
        ServiceSummary {
            id: &s.id,
            title: &s.title,
            summary: &s.summary,
            who: &s.who,
            needs: &s.needs,
            office: &s.office,
            due: &s.due,
            confirmation: s.confirmation.as_ref(),
            fee: s.fee.as_ref(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub id: String,
    pub service: String,
    pub title: String,
    pub state: State,
    pub state_label: &'static str,
    pub draft: bool,
    pub protocollo: Option<String>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub due_date: Option<NaiveDate>,
    pub overdue: bool,
    pub updated_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub applicant: Option<Member>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignee: Option<Member>,
}

impl Summary {
    pub fn of(a: &Application, title: &str, today: NaiveDate, operator: bool) -> Self {
        Summary {
            id: a.id.clone(),
            service: a.service.clone(),
            title: title.to_string(),
            state: a.state,
            state_label: a.state.label(),
            draft: a.state == State::Bozza,
            protocollo: a.protocollo.as_ref().map(ToString::to_string),
            submitted_at: a.submitted_at,
            due_date: a.due_date,
            overdue: a.overdue(today),
            updated_at: a.updated_at,
            applicant: operator.then(|| a.applicant.clone()),
            assignee: if operator { a.assignee.clone() } else { None },
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct FileView {
    pub id: String,
    pub field: String,
    pub name: String,
    pub content_type: String,
    pub size: usize,
    pub sha256: String,
}

impl FileView {
    pub fn of(f: &StoredFile) -> Self {
        FileView {
            id: f.id.clone(),
            field: f.field.clone(),
            name: f.name.clone(),
            content_type: f.content_type.clone(),
            size: f.size,
            sha256: f.sha256.clone(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct HistoryView {
    pub state: State,
    /// What happened, as the timeline says it.
    pub state_label: &'static str,
    pub at: DateTime<Utc>,
    pub by: &'static str,
    pub reason: Option<String>,
    pub document: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DocumentView {
    pub id: String,
    pub title: String,
    pub protocollo: Option<String>,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MessageView {
    pub from: &'static str,
    pub text: String,
    pub at: DateTime<Utc>,
    pub attachments: Vec<FileRef>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FileRef {
    pub id: String,
    pub name: String,
}

/// The service's fee and, once the application was sent, its payment.
#[derive(Debug, Clone, Serialize)]
pub struct FeeView<'a> {
    pub cents: u64,
    pub amount: String,
    pub reason: &'a str,
    /// "da_pagare", "in_attesa", "pagato".
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment: Option<crate::services::payments::PaymentView>,
    /// The receipt of the payment: the PSP, when, its identifier.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt: Option<&'a crate::ports::PaymentReceipt>,
}

fn fee_view<'a>(a: &'a Application, service: &'a Service) -> Option<FeeView<'a>> {
    let f = service.fee.as_ref()?;
    let receipt = a.payment.as_ref().and_then(|p| p.receipt.as_ref());
    let status = match (&a.payment, receipt) {
        (_, Some(_)) => "pagato",
        (Some(p), None) if a.state == State::AttesaPagamento && p.state.open() => "in_attesa",
        _ => "da_pagare",
    };
    Some(FeeView {
        cents: f.cents,
        amount: crate::domain::payments::euro(f.cents),
        reason: &f.reason,
        status,
        payment: super::fee::view(a, service, None),
        receipt,
    })
}

/// How the timeline names an event: by its action when the state says too little.
fn event_label(e: &super::record::Event) -> &'static str {
    match e.action {
        Action::Pay => "Pagamento ricevuto: domanda presentata",
        Action::Unpaid => "Pagamento non effettuato: la domanda è tornata in bozza",
        _ => e.to.event_label(),
    }
}

/// One application as its applicant reads it.
#[derive(Debug, Clone, Serialize)]
pub struct ApplicationView<'a> {
    #[serde(flatten)]
    pub summary: Summary,
    pub data: &'a Map<String, Value>,
    pub from_registry: &'a [String],
    pub household: &'a [Member],
    pub attachments: Vec<FileView>,
    pub confirmation_date: Option<NaiveDate>,
    pub fee: Option<FeeView<'a>>,
    pub history: Vec<HistoryView>,
    pub documents: Vec<DocumentView>,
    pub messages: Vec<MessageView>,
    pub reply_until: Option<NaiveDate>,
    pub actions: Vec<&'static str>,
    pub created_at: DateTime<Utc>,
}

fn who(r: Role) -> &'static str {
    match r {
        Role::Citizen => "cittadino",
        Role::Office => "ufficio",
        Role::System => "sistema",
    }
}

fn message(a: &Application, m: &Message) -> MessageView {
    MessageView {
        from: who(m.from),
        text: m.text.clone(),
        at: m.at,
        attachments: m
            .attachments
            .iter()
            .filter_map(|id| a.file(id))
            .map(|f| FileRef {
                id: f.id.clone(),
                name: f.name.clone(),
            })
            .collect(),
    }
}

/// What the citizen can do now.
fn citizen_actions(a: &Application, service: &Service) -> Vec<&'static str> {
    if a.state == State::Bozza {
        return vec!["save", "submit", "delete"];
    }
    if a.state == State::AttesaPagamento {
        return match a.payment.as_ref().is_some_and(|p| p.state.open()) {
            true => vec!["pay"],
            false => vec![],
        };
    }
    let rules = a.rules(service);
    let mut out = Vec::new();
    if a.state.after(Action::Withdraw, rules).is_some() {
        out.push("withdraw");
    }
    if a.state.after(Action::Answer, rules).is_some() {
        out.push("answer");
    }
    out
}

impl<'a> ApplicationView<'a> {
    pub fn of(a: &'a Application, service: &'a Service, today: NaiveDate, operator: bool) -> Self {
        ApplicationView {
            summary: Summary::of(a, &service.title, today, operator),
            data: &a.data,
            from_registry: &a.from_registry,
            household: &a.household,
            attachments: a.attachments.iter().map(FileView::of).collect(),
            confirmation_date: a.confirmation_date,
            fee: fee_view(a, service),
            history: a
                .history
                .iter()
                .map(|e| HistoryView {
                    state: e.to,
                    state_label: event_label(e),
                    at: e.at,
                    by: who(e.by),
                    reason: e.reason.clone(),
                    document: e.document.clone(),
                })
                .collect(),
            documents: a
                .documents
                .iter()
                .map(|d| DocumentView {
                    id: d.id.clone(),
                    title: d.field.clone(),
                    protocollo: d.protocollo.as_ref().map(ToString::to_string),
                    at: d.at,
                })
                .collect(),
            messages: a.messages.iter().map(|m| message(a, m)).collect(),
            reply_until: a.reply_until,
            actions: citizen_actions(a, service),
            created_at: a.created_at,
        }
    }
}

/// The operator's view: the citizen's, with the notes and the office's actions.
#[derive(Debug, Clone, Serialize)]
pub struct DeskView<'a> {
    #[serde(flatten)]
    pub view: ApplicationView<'a>,
    pub notes: &'a [super::record::Note],
    pub office_actions: Vec<&'static str>,
    pub needs_reason: Vec<&'static str>,
}

impl<'a> DeskView<'a> {
    pub fn of(a: &'a Application, service: &'a Service, today: NaiveDate) -> Self {
        let mut view = ApplicationView::of(a, service, today, true);
        let office: Vec<Action> = a
            .state
            .actions(a.rules(service))
            .filter(|x| x.role() == Role::Office)
            .collect();
        view.actions = office.iter().map(|x| x.id()).collect();
        DeskView {
            view,
            notes: &a.notes,
            office_actions: office.iter().map(|x| action_label(*x)).collect(),
            needs_reason: office
                .iter()
                .filter(|x| x.needs_reason())
                .map(|x| x.id())
                .collect(),
        }
    }
}

/// How an action is named to people.
pub fn action_label(a: Action) -> &'static str {
    match a {
        Action::Submit => "Invia",
        Action::Pay => "Pagamento ricevuto",
        Action::Unpaid => "Pagamento non effettuato",
        Action::Register => "Protocolla",
        Action::Withdraw => "Ritira la domanda",
        Action::Take => "Prendi in carico",
        Action::RequestIntegration => "Richiedi integrazione",
        Action::Answer => "Rispondi all'ufficio",
        Action::Resume => "Riprendi la lavorazione",
        Action::Accept => "Accogli",
        Action::AcceptWithReserve => "Accogli con riserva",
        Action::Confirm => "Conferma definitivamente",
        Action::PreReject => "Preavviso di rigetto",
        Action::Reject => "Respingi",
        Action::Cancel => "Annulla",
    }
}
