//! "Chi ha consultato i miei dati": a person's access log, newest first, a page at a time,
//! each access told in Italian — who (the person themselves, a member of their household by
//! name, an operator by name and office, the public verification of a certificate), what,
//! when and, for operators, the stated reason. Only the person and operators may read it;
//! reading it is itself an access.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use std::collections::HashMap;

use super::{record_access, Access, AuditAction, AuditRecord};
use crate::app::AppState;
use crate::keys;
use crate::services::errors::NotFound;
use crate::services::sessions::Session;
use crate::services::verify::PUBLIC_ACTOR;
use crate::services::{registry, ServiceResult};

/// Entries per page.
pub const PAGE: usize = 50;
/// Store pages read at most per request.
const SCAN: usize = 8;

/// Which part of the log.
#[derive(Debug, Clone, Default)]
pub struct LogQuery {
    /// Whose log (an operator's request); the session's own when absent.
    pub person: Option<String>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// Include the person's own accesses.
    pub own: bool,
    /// The cursor of the next page.
    pub after: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Own,
    Household,
    Operator,
    Verification,
}

#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub at: DateTime<Utc>,
    pub role: Role,
    /// Who, in Italian ("Mario Rossi (componente della famiglia)").
    pub who: String,
    /// What, in Italian.
    pub what: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LogPage {
    pub person: String,
    pub entries: Vec<Entry>,
    /// The cursor of the following page, if any.
    pub next: Option<String>,
}

/// What an action was, for the person whose data it read.
pub fn what(action: AuditAction, detail: Option<&str>) -> String {
    let id = detail.and_then(|d| d.split(' ').next()).unwrap_or("");
    match action {
        AuditAction::Login => "Accesso ai servizi".into(),
        AuditAction::CnsLoginRefused => "Accesso con CNS non riuscito".into(),
        AuditAction::Household => "Consultazione della scheda di famiglia".into(),
        AuditAction::PersonDetail => "Consultazione dei dati anagrafici".into(),
        AuditAction::CertificateCatalog => "Consultazione dei certificati disponibili".into(),
        AuditAction::CertificatePreview => "Anteprima di un certificato".into(),
        AuditAction::CertificateIssue => format!("Rilascio del certificato {id}"),
        AuditAction::CertificateIssueLibera => format!("Certificazione libera: certificato {id}"),
        AuditAction::CertificateDownload => format!("Nuovo scaricamento del certificato {id}"),
        AuditAction::Verification => format!("Il certificato {id} è stato verificato"),
        AuditAction::VerifyDownload => {
            format!("Il certificato {id} è stato verificato e il suo originale scaricato")
        }
        AuditAction::AutocertOptions => "Consultazione delle autocertificazioni".into(),
        AuditAction::AutocertBuild => "Preparazione di un'autocertificazione".into(),
        AuditAction::AccessLog => "Consultazione del registro degli accessi".into(),
        AuditAction::OwnData => "Scaricamento di tutti i dati".into(),
        AuditAction::ApplicationPrefill => "Precompilazione di una domanda on line".into(),
        AuditAction::ApplicationSubmit => format!("Invio della domanda on line {id}"),
        AuditAction::ApplicationDeskQueue => {
            "L'ufficio ha consultato l'elenco delle pratiche".into()
        }
        AuditAction::ApplicationDeskView => format!("L'ufficio ha consultato la pratica {id}"),
        AuditAction::ApplicationDeskFile => {
            format!("L'ufficio ha aperto un allegato della pratica {id}")
        }
        AuditAction::ApplicationDeskAction => format!("L'ufficio ha lavorato la pratica {id}"),
    }
}

/// Who an actor is, as the person reads it.
async fn who(app: &AppState, person: &str, actor: &str) -> ServiceResult<(Role, String)> {
    if actor == person {
        return Ok((Role::Own, "Tu".into()));
    }
    if actor == PUBLIC_ACTOR {
        return Ok((
            Role::Verification,
            "Verifica pubblica del certificato".into(),
        ));
    }
    if let Some(op) = app.config.operator(actor) {
        let name = op.name.clone().unwrap_or_else(|| "Un operatore".into());
        let office = op.office.as_deref().unwrap_or("Ufficio Anagrafe");
        return Ok((Role::Operator, format!("{name} — {office}")));
    }
    let name = match registry::person(app.store.as_ref(), actor).await? {
        Some(p) => format!("{} {}", p.nome, p.cognome),
        None => "Una persona".into(),
    };
    Ok((
        Role::Household,
        format!("{name} (componente della famiglia)"),
    ))
}

/// One page of the log of `q.person` (the session's own by default).
pub async fn page(app: &AppState, actor: &Session, q: &LogQuery) -> ServiceResult<LogPage> {
    let me = &actor.identity.codice_fiscale;
    let person = q.person.clone().unwrap_or_else(|| me.clone());
    if person != *me && !actor.operator {
        return Err(NotFound::AccessLog.into());
    }
    let (entries, next) = collect(app, &person, q, PAGE, SCAN).await?;
    let access = Access::new(me, vec![person.clone()], AuditAction::AccessLog);
    record_access(app, access).await?;
    Ok(LogPage {
        person,
        entries,
        next,
    })
}

/// The newest `max` entries of a person's log, their own accesses included (for the
/// download of their data; not audited here).
pub async fn all_entries(app: &AppState, person: &str, max: usize) -> ServiceResult<Vec<Entry>> {
    let q = LogQuery {
        own: true,
        ..Default::default()
    };
    Ok(collect(app, person, &q, max, max / PAGE + 1).await?.0)
}

/// Up to `limit` entries from the cursor, reading at most `scan` store pages; the cursor of
/// what follows.
async fn collect(
    app: &AppState,
    person: &str,
    q: &LogQuery,
    limit: usize,
    scan: usize,
) -> ServiceResult<(Vec<Entry>, Option<String>)> {
    let prefix = keys::access_log(person);
    // Newest first: start after the end of `to`, stop before the start of `from`.
    let start =
        q.to.map(|d| format!("{}#~", keys::access_log_from(end_of(d))));
    let stop = q.from.map(|d| keys::access_log_from(start_of(d)));
    let older = |sk: &str| {
        stop.as_ref()
            .is_some_and(|s| sk.get(..s.len()).is_some_and(|p| p > s.as_str()))
    };
    let mut after = q.after.clone().or(start);
    let mut entries = Vec::new();
    let mut names: HashMap<String, (Role, String)> = HashMap::new();
    for _ in 0..scan {
        let page = app
            .store
            .query(&prefix.pk, &prefix.sk_prefix, after.as_deref(), PAGE)
            .await?;
        for item in page.items {
            if older(&item.sk) {
                return Ok((entries, None));
            }
            let rec: AuditRecord = serde_json::from_slice(&item.data)?;
            let (role, who) = match names.get(&rec.actor) {
                Some(known) => known.clone(),
                None => {
                    let found = who(app, person, &rec.actor).await?;
                    names.insert(rec.actor.clone(), found.clone());
                    found
                }
            };
            if role != Role::Own || q.own {
                entries.push(Entry {
                    at: rec.at,
                    role,
                    who,
                    what: what(rec.action, rec.detail.as_deref()),
                    reason: rec.reason.clone(),
                });
            }
            if entries.len() == limit {
                return Ok((entries, Some(item.sk)));
            }
        }
        match page.next {
            None => return Ok((entries, None)),
            Some(n) => after = Some(n),
        }
    }
    Ok((entries, after))
}

fn start_of(d: NaiveDate) -> DateTime<Utc> {
    d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
}

fn end_of(d: NaiveDate) -> DateTime<Utc> {
    start_of(d + chrono::Duration::days(1))
}
