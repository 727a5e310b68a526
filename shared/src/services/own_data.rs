//! "Scarica tutti i miei dati" (GDPR art. 15 and 20): one ZIP with the citizen's registry
//! record and its whole history in the import format (with their household's records as
//! the scheda di famiglia shows them, so the file re-imports into the same view), the same
//! in a readable PDF, the certificates they hold and their access log. The download is
//! itself an access.

use chrono::NaiveDate;
use serde_json::Value;
use std::io::Write;

use super::audit::{self, log, Access, AuditAction};
use super::errors::NotFound;
use super::import::Record;
use super::sessions::Session;
use super::{certificates, registry, ServiceResult};
use crate::app::AppState;
use crate::domain::certificate::date_it;
use crate::domain::italian_date;
use crate::domain::person::Persona;
use crate::pdf::{render_doc, Doc, Footer, Part};
use crate::ports::PortError;

/// Access-log entries the archive carries at most (the newest).
const LOG_MAX: usize = 10_000;

pub struct OwnData {
    pub zip: Vec<u8>,
    pub filename: String,
}

/// The import-format records: the citizen's household(s) referenced, the citizen, and the
/// household's members today.
async fn records(app: &AppState, me: &Persona, today: NaiveDate) -> ServiceResult<Vec<Record>> {
    let store = app.store.as_ref();
    let mut persons = vec![me.clone()];
    if let Some(m) = me.membership_at(today) {
        for p in registry::household_persons(store, &m.famiglia).await? {
            let here = p
                .membership_at(today)
                .is_some_and(|x| x.famiglia == m.famiglia);
            if here && p.codice_fiscale != me.codice_fiscale {
                persons.push(p);
            }
        }
    }
    let mut ids: Vec<String> = persons
        .iter()
        .flat_map(|p| p.famiglia.iter().map(|f| f.value.famiglia.clone()))
        .collect();
    ids.sort();
    ids.dedup();
    let mut out = Vec::new();
    for id in ids {
        if let Some(f) = registry::household(store, &id).await? {
            out.push(Record::Famiglia(f));
        }
    }
    out.extend(persons.into_iter().map(|p| Record::Persona(Box::new(p))));
    Ok(out)
}

/// The order values are told in; keys not listed follow, `codice_catastale` is left out.
const ORDER: [&str; 16] = [
    "cognome",
    "nome",
    "via",
    "civico",
    "cap",
    "comune",
    "provincia",
    "stato",
    "coniuge",
    "tipo",
    "formato",
    "numero",
    "ente",
    "famiglia",
    "rapporto",
    "valore",
];

/// A dated fact in words: its values joined in a reading order, nested ones too; a true
/// flag by its name.
fn describe(v: &Value) -> String {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m
                .keys()
                .filter(|k| !["from", "to", "codice_catastale"].contains(&k.as_str()))
                .collect();
            keys.sort_by_key(|k| ORDER.iter().position(|o| o == k).unwrap_or(ORDER.len()));
            keys.iter()
                .map(|k| match &m[k.as_str()] {
                    Value::Bool(true) => k.replace('_', " "),
                    v => describe(v),
                })
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(", ")
        }
        Value::Array(a) => a.iter().map(describe).collect::<Vec<_>>().join(", "),
        Value::String(s) => s.replace('_', " "),
        Value::Number(n) => n.to_string(),
        Value::Bool(false) | Value::Bool(true) | Value::Null => String::new(),
    }
}

/// "dal 22/01/2023" or "dal 15/07/1991 al 22/01/2023".
fn period(v: &Value) -> String {
    let date = |key: &str| {
        v.get(key)
            .and_then(Value::as_str)
            .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
            .map(date_it)
    };
    match (date("from"), date("to")) {
        (Some(f), Some(t)) => format!("dal {f} al {t}"),
        (Some(f), None) => format!("dal {f}"),
        _ => String::new(),
    }
}

const HISTORY: [(&str, &str); 12] = [
    ("residenza", "Residenza"),
    ("famiglia", "Famiglia anagrafica"),
    ("stato_civile", "Stato civile"),
    ("cittadinanza", "Cittadinanza"),
    ("posizione_anagrafica", "Posizione anagrafica"),
    ("documenti", "Documenti"),
    ("titolo_studio", "Titolo di studio"),
    ("professione", "Professione"),
    ("posizione_elettorale", "Posizione elettorale"),
    ("patente", "Patente"),
    ("veicoli", "Veicoli"),
    ("pensioni", "Pensioni"),
];

/// The readable PDF: who, then every dated fact with its period.
fn readable(app: &AppState, me: &Persona, today: NaiveDate) -> ServiceResult<Vec<u8>> {
    let v = serde_json::to_value(me)?;
    let mut parts = vec![
        Part::Centered {
            text: format!("Comune di {}", app.config.municipality.name),
            bold: true,
            size: 14.0,
        },
        Part::HeaderRule,
        Part::Title("I tuoi dati anagrafici".into()),
        Part::para(format!("{} {} – codice fiscale {}", me.nome, me.cognome, me.codice_fiscale), 11.0),
        Part::para(format!("Nato/a a {} il {}", me.nascita.luogo.describe(), date_it(me.nascita.data)), 10.0),
        Part::para(format!("Dati dell'anagrafe del Comune di {} al {}, con la loro storia: per ogni dato, il periodo in cui è valso (\"al\" è il giorno in cui ha smesso di valere).", app.config.municipality.name, date_it(today)), 9.0),
    ];
    for (key, title) in HISTORY {
        let Some(facts) = v
            .get(key)
            .and_then(Value::as_array)
            .filter(|a| !a.is_empty())
        else {
            continue;
        };
        parts.push(Part::Gap(2.0));
        parts.push(Part::bold(title, 11.0));
        parts.push(Part::Table {
            header: vec!["Periodo".into(), "Dato".into()],
            rows: facts.iter().map(|f| vec![period(f), describe(f)]).collect(),
        });
    }
    let doc = Doc {
        title: "I tuoi dati anagrafici".into(),
        author: format!("Comune di {}", app.config.municipality.name),
        running_header: format!("{} {} – dati anagrafici", me.nome, me.cognome),
        parts,
        footer: Footer::None,
        watermark: false,
        arms_ratio: app.arms.as_ref().map_or(1.0, |a| a.ratio()),
    };
    Ok(render_doc(&doc, app.clock.now(), app.arms.as_deref(), None).bytes)
}

fn zip_error(e: impl std::fmt::Display) -> PortError {
    PortError::Corrupt(format!("zip: {e}"))
}

/// Builds the citizen's archive.
pub async fn own_data(app: &AppState, actor: &Session) -> ServiceResult<OwnData> {
    let cf = &actor.identity.codice_fiscale;
    let me = registry::person(app.store.as_ref(), cf)
        .await?
        .ok_or(NotFound::NotInRegistry)?;
    let today = italian_date(app.clock.now());
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let mut jsonl = Vec::new();
    for r in records(app, &me, today).await? {
        serde_json::to_writer(&mut jsonl, &r)?;
        jsonl.push(b'\n');
    }
    files.push(("anagrafe.jsonl".into(), jsonl));
    files.push(("dati-anagrafici.pdf".into(), readable(app, &me, today)?));
    for s in certificates::mine(app, actor).await? {
        if let Some(r) = certificates::record(app, &s.id).await? {
            if let Some(pdf) = app.archive.get(&r.archive_key).await? {
                files.push((format!("certificati/{}.pdf", r.id), pdf));
            }
        }
    }
    let access_log = log::all_entries(app, cf, LOG_MAX).await?;
    files.push((
        "accessi.json".into(),
        serde_json::to_vec_pretty(&access_log)?,
    ));
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    for (name, bytes) in &files {
        zip.start_file(name.as_str(), options).map_err(zip_error)?;
        zip.write_all(bytes).map_err(zip_error)?;
    }
    let zip = zip.finish().map_err(zip_error)?.into_inner();
    audit::record_access(app, Access::new(cf, vec![cf.clone()], AuditAction::OwnData)).await?;
    Ok(OwnData {
        zip,
        filename: format!("dati-anagrafici-{}-{today}.zip", me.codice_fiscale),
    })
}
