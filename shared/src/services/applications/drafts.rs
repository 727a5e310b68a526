//! Drafts: started from a service with the registry's data prefilled, saved as the citizen
//! goes (never refused for being incomplete), files attached one by one, or thrown away.

use chrono::Datelike;
use serde_json::{Map, Value};

use super::super::audit::{self, AuditAction};
use super::super::errors::{Conflict, FormRefusal, NotFound};
use super::super::{profile, registry, ServiceResult};
use super::record::{self, Application, Member, StoredFile};
use super::{new_id, ANSWER_LIMIT_KB, MAX_FILES};

/// The most applications (drafts included) one citizen keeps at a time.
pub const MAX_APPLICATIONS: usize = 200;
use crate::app::AppState;
use crate::domain::applications::catalog::{FileFormat, Kind, Prefill, ANSWER_FIELD};
use crate::domain::applications::form::{self, Problem};
use crate::domain::applications::{Action, Service, State};
use crate::domain::situation::members_at;
use crate::domain::{sha256_hex, situation::detail_at};
use crate::keys;
use crate::services::errors::human_size;
use crate::services::sessions::Session;

/// The applicant and the members of their household today (the choices of a `members` field).
async fn household(
    app: &AppState,
    s: &Session,
) -> ServiceResult<(Member, Vec<Member>, Option<Value>)> {
    let cf = &s.identity.codice_fiscale;
    let me = registry::person(app.store.as_ref(), cf)
        .await?
        .ok_or(NotFound::NotInRegistry)?;
    let today = app.clock.today();
    let name = |n: &str, c: &str| format!("{n} {c}");
    let applicant = Member {
        codice_fiscale: cf.clone(),
        name: name(&me.nome, &me.cognome),
    };
    let residence = detail_at(&me, today).residenza.map(|r| {
        serde_json::json!({"via": r.via, "civico": r.civico, "interno": r.interno, "cap": r.cap})
    });
    let Some(id) = me.membership_at(today).map(|m| m.famiglia.clone()) else {
        return Ok((applicant.clone(), vec![applicant], residence));
    };
    let persons = registry::household_persons(app.store.as_ref(), &id).await?;
    let members = members_at(&persons, &id, today, false)
        .into_iter()
        .map(|m| Member {
            name: name(&m.nome, &m.cognome),
            codice_fiscale: m.codice_fiscale,
        })
        .collect();
    Ok((applicant, members, residence))
}

/// A new draft of `service`, prefilled from the registry and "Mio account".
pub async fn start(app: &AppState, s: &Session, service: &str) -> ServiceResult<Application> {
    let service = record::service(app, service)?;
    let own = crate::ports::query_all(
        app.store.as_ref(),
        &keys::applications_of(&s.identity.codice_fiscale),
    )
    .await?;
    if own.len() >= MAX_APPLICATIONS {
        return Err(Conflict::TooManyApplications(MAX_APPLICATIONS).into());
    }
    let (applicant, members, residence) = household(app, s).await?;
    let cf = &s.identity.codice_fiscale;
    let email = profile::get(app, cf)
        .await?
        .and_then(|p| p.email)
        .or(s.identity.email.clone());
    let mut data = Map::new();
    let mut from_registry = Vec::new();
    for f in service.fields() {
        let value = match f.prefill {
            Some(Prefill::Nominativo) => Some(Value::from(applicant.name.clone())),
            Some(Prefill::CodiceFiscale) => Some(Value::from(cf.clone())),
            Some(Prefill::Residenza) => residence.clone(),
            Some(Prefill::Email) => email.clone().map(Value::from),
            Some(Prefill::Famiglia) => Some(Value::from(vec![cf.clone()])),
            None => None,
        };
        if let Some(v) = value {
            if f.prefill != Some(Prefill::Email) {
                from_registry.push(f.id.clone());
            }
            data.insert(f.id.clone(), v);
        }
    }
    let now = app.clock.now();
    let mut a = Application {
        id: new_id(),
        service: service.id.clone(),
        applicant,
        state: State::Bozza,
        version: 0,
        data,
        from_registry,
        household: members,
        attachments: vec![],
        documents: vec![],
        protocollo: None,
        submitted_at: None,
        due_date: None,
        confirmation_date: None,
        reply_until: None,
        history: vec![],
        messages: vec![],
        notes: vec![],
        assignee: None,
        created_at: now,
        updated_at: now,
        keep_until: now,
        payment: None,
    };
    a.extend_retention(service, now);
    record::save(app, &mut a, vec![]).await?;
    let subjects = a
        .household
        .iter()
        .map(|m| m.codice_fiscale.clone())
        .collect();
    audit::record(
        app,
        cf,
        subjects,
        AuditAction::ApplicationPrefill,
        Some(a.id.clone()),
    )
    .await?;
    Ok(a)
}

/// The checks' context of an application.
pub fn problems(
    app: &AppState,
    a: &Application,
    service: &Service,
    complete: bool,
) -> Vec<Problem> {
    let household: Vec<String> = a
        .household
        .iter()
        .map(|m| m.codice_fiscale.clone())
        .collect();
    let attachments: Vec<(String, String)> = a
        .attachments
        .iter()
        .map(|f| (f.field.clone(), f.id.clone()))
        .collect();
    let ctx = form::Context {
        today: app.clock.today(),
        household: &household,
        attachments: &attachments,
    };
    form::check(service, &a.data, &ctx, complete)
}

fn draft_of(a: &Application) -> ServiceResult<()> {
    match a.state {
        State::Bozza => Ok(()),
        s => Err(Conflict::NotNow {
            action: "Modifica la bozza",
            state: s.label(),
        }
        .into()),
    }
}

/// Saves the answers of a draft (the attachments stay as uploaded); the problems of what is
/// filled come back with it.
pub async fn save(
    app: &AppState,
    s: &Session,
    id: &str,
    data: Map<String, Value>,
) -> ServiceResult<(Application, Vec<Problem>)> {
    let mut a = record::load_own(app, &s.identity.codice_fiscale, id).await?;
    draft_of(&a)?;
    let service = record::service(app, &a.service)?;
    let mut kept = form::keep_known(service, &data);
    for f in service.fields().filter(|f| f.kind == Kind::Attachment) {
        kept.remove(&f.id);
        if let Some(v) = a.data.get(&f.id) {
            kept.insert(f.id.clone(), v.clone());
        }
    }
    a.data = kept;
    let now = app.clock.now();
    a.updated_at = now;
    a.extend_retention(service, now);
    record::save(app, &mut a, vec![]).await?;
    let problems = problems(app, &a, service, false);
    Ok((a, problems))
}

/// Throws a draft away with its files.
pub async fn delete(app: &AppState, s: &Session, id: &str) -> ServiceResult<()> {
    let cf = &s.identity.codice_fiscale;
    let mut a = record::load_own(app, cf, id).await?;
    draft_of(&a)?;
    // Claims the next version first: a submission racing the deletion makes it fail.
    record::save(app, &mut a, vec![]).await?;
    registry::delete(app.store.as_ref(), &keys::application(id)).await?;
    registry::delete(app.store.as_ref(), &keys::application_of(cf, id)).await?;
    for f in &a.attachments {
        app.archive.delete(&f.archive_key).await?;
    }
    Ok(())
}

/// A file as uploaded.
pub struct Upload<'a> {
    pub field: &'a str,
    pub name: &'a str,
    pub bytes: &'a [u8],
}

fn refuse(field: &str, message: String, too_large: bool) -> FormRefusal {
    FormRefusal::Attachment {
        field: field.to_string(),
        message,
        too_large,
    }
}

/// The formats and the size limit of the field, checked against the bytes.
fn checked(service: &Service, u: &Upload, answering: bool) -> Result<FileFormat, FormRefusal> {
    let (label, formats, max_kb) = match service.field(u.field) {
        Some(f) if f.kind == Kind::Attachment && !answering => (
            f.label.as_str(),
            f.formats.clone(),
            f.max_kb.unwrap_or(ANSWER_LIMIT_KB),
        ),
        _ if answering && u.field == ANSWER_FIELD => (
            "Allegati della risposta",
            vec![FileFormat::Pdf, FileFormat::Jpeg, FileFormat::Png],
            ANSWER_LIMIT_KB,
        ),
        _ => {
            return Err(refuse(
                u.field,
                "Questo campo non accetta allegati.".into(),
                false,
            ))
        }
    };
    let limit = max_kb as usize * 1024;
    if u.bytes.len() > limit {
        let m = format!(
            "Il file «{}» è troppo grande: «{label}» accetta file fino a {}.",
            u.name,
            human_size(limit)
        );
        return Err(refuse(u.field, m, true));
    }
    let names: Vec<&str> = formats.iter().map(|f| f.name()).collect();
    let allowed = names.join(", ");
    let Some(real) = FileFormat::sniff(u.bytes) else {
        let m = format!(
            "Il file «{}» non è un file {allowed} valido: controlla di aver scelto il file giusto.",
            u.name
        );
        return Err(refuse(u.field, m, false));
    };
    if FileFormat::of_name(u.name).is_some_and(|claimed| claimed != real) {
        let m = format!(
            "Il contenuto del file «{}» non corrisponde alla sua estensione: è un file {}.",
            u.name,
            real.name()
        );
        return Err(refuse(u.field, m, false));
    }
    if !formats.contains(&real) {
        let m = format!(
            "«{label}» accetta solo file {allowed}: il file «{}» è un {}.",
            u.name,
            real.name()
        );
        return Err(refuse(u.field, m, false));
    }
    Ok(real)
}

/// A file name as shown and archived: no path, no control characters, at most 100 characters.
fn clean_name(name: &str, format: FileFormat) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let clean: String = base
        .chars()
        .filter(|c| !c.is_control() && !"\"<>:|?*".contains(*c))
        .take(100)
        .collect();
    if clean.trim().is_empty() {
        format!("allegato.{}", format.name().to_lowercase())
    } else {
        clean
    }
}

/// Attaches a file to a draft's field (replacing the one there), or to the answer being
/// written to the office.
pub async fn attach(
    app: &AppState,
    s: &Session,
    id: &str,
    u: Upload<'_>,
) -> ServiceResult<StoredFile> {
    let mut a = record::load_own(app, &s.identity.codice_fiscale, id).await?;
    let service = record::service(app, &a.service)?;
    let answering = u.field == ANSWER_FIELD;
    if answering {
        if a.state.after(Action::Answer, a.rules(service)).is_none() {
            return Err(Conflict::NotNow {
                action: "Rispondi all'ufficio",
                state: a.state.label(),
            }
            .into());
        }
    } else {
        draft_of(&a)?;
    }
    let format = checked(service, &u, answering)?;
    if a.attachments.len() >= MAX_FILES {
        let m = format!("Una pratica può avere al massimo {MAX_FILES} allegati.");
        return Err(refuse(u.field, m, false).into());
    }
    let now = app.clock.now();
    let file_id = new_id();
    let file = StoredFile {
        archive_key: keys::application_file(
            now.year(),
            &a.id,
            &format!("{file_id}.{}", format.name().to_lowercase()),
        ),
        id: file_id,
        field: u.field.to_string(),
        name: clean_name(u.name, format),
        content_type: format.content_type().into(),
        size: u.bytes.len(),
        sha256: sha256_hex(u.bytes),
        at: now,
        protocollo: None,
    };
    let until = now + chrono::Duration::days(365 * i64::from(service.retention_years) + 2);
    app.archive.put(&file.archive_key, u.bytes, until).await?;
    let replaced = if answering {
        None
    } else {
        a.data.insert(u.field.into(), Value::from(file.id.clone()))
    };
    a.attachments.push(file.clone());
    a.updated_at = now;
    if let Err(e) = record::save(app, &mut a, vec![]).await {
        let _ = app.archive.delete(&file.archive_key).await;
        return Err(e);
    }
    if let Some(old) = replaced.and_then(|v| v.as_str().map(String::from)) {
        remove_file(app, &mut a, &old).await?;
    }
    Ok(file)
}

async fn remove_file(app: &AppState, a: &mut Application, file: &str) -> ServiceResult<()> {
    let Some(pos) = a.attachments.iter().position(|f| f.id == file) else {
        return Ok(());
    };
    let removed = a.attachments.remove(pos);
    a.data.retain(|_, v| v.as_str() != Some(file));
    record::save(app, a, vec![]).await?;
    app.archive.delete(&removed.archive_key).await?;
    Ok(())
}

/// Removes a file from a draft (or from an answer not yet sent).
pub async fn detach(app: &AppState, s: &Session, id: &str, file: &str) -> ServiceResult<()> {
    let mut a = record::load_own(app, &s.identity.codice_fiscale, id).await?;
    let f = a
        .attachments
        .iter()
        .find(|f| f.id == file)
        .ok_or(NotFound::ApplicationFile)?;
    let sent = a.messages.iter().any(|m| m.attachments.contains(&f.id));
    if a.state != State::Bozza && (f.field != ANSWER_FIELD || sent) {
        return Err(Conflict::NotNow {
            action: "Rimuovi l'allegato",
            state: a.state.label(),
        }
        .into());
    }
    remove_file(app, &mut a, file).await
}
