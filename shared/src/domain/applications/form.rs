//! Checking an application's answers against its service's form: every field of the
//! catalogue with its kind, its condition and its limits, each problem worded in Italian on
//! its field.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::catalog::{DateRule, Field, Kind, Service, TextFormat};
use crate::domain::codice_fiscale::CodiceFiscale;

/// The longest text a field without its own limit takes.
pub const TEXT_LIMIT: usize = 500;

/// What is wrong in one field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    pub field: String,
    pub message: String,
}

/// What the checks need beside the answers.
pub struct Context<'a> {
    pub today: NaiveDate,
    /// The codici fiscali a `members` field may name.
    pub household: &'a [String],
    /// (field, attachment id) of the files uploaded.
    pub attachments: &'a [(String, String)],
}

/// The new address of a declaration (the comune is the portal's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Address {
    pub via: String,
    pub civico: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interno: Option<String>,
    pub cap: String,
}

/// Whether the field is asked, given the other answers.
pub fn is_shown(field: &Field, data: &Map<String, Value>) -> bool {
    field
        .when
        .as_ref()
        .is_none_or(|w| data.get(&w.field) == Some(&w.equals))
}

fn is_empty(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.trim().is_empty(),
        Some(Value::Array(a)) => a.is_empty(),
        Some(Value::Bool(b)) => !b,
        _ => false,
    }
}

/// The answers without the fields the form does not have or does not show now.
pub fn keep_known(service: &Service, data: &Map<String, Value>) -> Map<String, Value> {
    service
        .fields()
        .filter(|f| is_shown(f, data))
        .filter_map(|f| data.get(&f.id).map(|v| (f.id.clone(), v.clone())))
        .collect()
}

/// Every problem of the answers; with `complete` also every required field left empty.
pub fn check(
    service: &Service,
    data: &Map<String, Value>,
    ctx: &Context,
    complete: bool,
) -> Vec<Problem> {
    let mut out = Vec::new();
    for f in service.fields().filter(|f| is_shown(f, data)) {
        let value = data.get(&f.id);
        let message = if is_empty(value) {
            (complete && f.required).then(|| missing(f))
        } else {
            value.and_then(|v| wrong(f, v, ctx).err())
        };
        if let Some(message) = message {
            out.push(Problem {
                field: f.id.clone(),
                message,
            });
        }
    }
    out
}

fn missing(f: &Field) -> String {
    match f.kind {
        Kind::Checkbox => format!("Per inviare la domanda devi confermare: «{}».", f.label),
        Kind::Attachment => format!("Allega il file richiesto: «{}».", f.label),
        Kind::Members => format!("Scegli almeno una persona in «{}».", f.label),
        Kind::Select => format!("Scegli una risposta per «{}».", f.label),
        _ => format!("Compila il campo «{}».", f.label),
    }
}

fn text<'v>(f: &Field, v: &'v Value) -> Result<&'v str, String> {
    let s = v
        .as_str()
        .ok_or_else(|| format!("«{}»: il valore deve essere un testo.", f.label))?;
    let max = f.max_length.unwrap_or(TEXT_LIMIT);
    if s.chars().count() > max {
        return Err(format!("«{}»: al massimo {max} caratteri.", f.label));
    }
    if s.chars().any(|c| c.is_control() && c != '\n') {
        return Err(format!(
            "«{}»: il testo contiene caratteri non ammessi.",
            f.label
        ));
    }
    Ok(s.trim())
}

fn wrong(f: &Field, v: &Value, ctx: &Context) -> Result<(), String> {
    match f.kind {
        Kind::Text => text_format(f, text(f, v)?),
        Kind::Date => date(f, text(f, v)?, ctx.today),
        Kind::Select => {
            let s = text(f, v)?;
            match f.options.iter().any(|o| o.value == s) {
                true => Ok(()),
                false => Err(format!(
                    "«{}»: scegli una delle risposte proposte.",
                    f.label
                )),
            }
        }
        Kind::CodiceFiscale => CodiceFiscale::parse(text(f, v)?)
            .map(|_| ())
            .map_err(|e| format!("«{}»: {e}.", f.label)),
        Kind::Address => address(f, v),
        Kind::Members => members(f, v, ctx.household),
        Kind::Checkbox => match v.is_boolean() {
            true => Ok(()),
            false => Err(format!("«{}»: il valore deve essere sì o no.", f.label)),
        },
        Kind::Attachment => {
            let id = text(f, v)?;
            match ctx
                .attachments
                .iter()
                .any(|(field, a)| *field == f.id && a == id)
            {
                true => Ok(()),
                false => Err(format!(
                    "«{}»: il file allegato non è stato trovato: allegalo di nuovo.",
                    f.label
                )),
            }
        }
    }
}

fn text_format(f: &Field, s: &str) -> Result<(), String> {
    match f.format {
        Some(TextFormat::Email) if s.parse::<lettre::Address>().is_err() => Err(format!(
            "«{}»: «{s}» non è un indirizzo e-mail valido (esempio: nome@dominio.it).",
            f.label
        )),
        Some(TextFormat::Phone)
            if s.len() < 6
                || !s
                    .chars()
                    .all(|c| c.is_ascii_digit() || c == ' ' || c == '+') =>
        {
            Err(format!(
                "«{}»: scrivi solo cifre, spazi e il prefisso +.",
                f.label
            ))
        }
        _ => Ok(()),
    }
}

fn date(f: &Field, s: &str, today: NaiveDate) -> Result<(), String> {
    let d = NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| format!("«{}»: data non valida (formato AAAA-MM-GG).", f.label))?;
    let floor = NaiveDate::from_ymd_opt(1900, 1, 1).expect("a date");
    if let Some(n) = f.max_days_ago {
        let earliest = today - chrono::Duration::days(i64::from(n));
        if d < earliest {
            return Err(format!(
                "«{}»: la data non può essere anteriore al {} (al massimo {n} giorni fa).",
                f.label,
                earliest.format("%d/%m/%Y")
            ));
        }
    }
    match f.date {
        _ if d < floor => Err(format!("«{}»: la data è anteriore al 1900.", f.label)),
        Some(DateRule::Past) if d > today => {
            Err(format!("«{}»: la data non può essere nel futuro.", f.label))
        }
        Some(DateRule::Future) if d < today => Err(format!(
            "«{}»: la data non può essere nel passato.",
            f.label
        )),
        _ => Ok(()),
    }
}

fn address(f: &Field, v: &Value) -> Result<(), String> {
    let a: Address = serde_json::from_value(v.clone())
        .map_err(|_| format!("«{}»: indica via, numero civico e CAP.", f.label))?;
    let bad = |part: &str| Err(format!("«{}»: {part}.", f.label));
    let via = a.via.trim();
    if via.chars().count() < 3 || via.chars().count() > 100 || via.chars().any(char::is_control) {
        return bad("scrivi la via o la piazza per esteso");
    }
    let civico = a.civico.trim();
    if civico.is_empty()
        || civico.len() > 10
        || !civico.starts_with(|c: char| c.is_ascii_digit())
        || !civico
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '/')
    {
        return bad("il numero civico deve iniziare con una cifra (esempio: 12, 12/A)");
    }
    if a.interno
        .as_deref()
        .is_some_and(|i| i.len() > 10 || i.chars().any(char::is_control))
    {
        return bad("l'interno può avere al massimo 10 caratteri");
    }
    if a.cap.len() != 5 || !a.cap.chars().all(|c| c.is_ascii_digit()) {
        return bad("il CAP è di 5 cifre");
    }
    Ok(())
}

fn members(f: &Field, v: &Value, household: &[String]) -> Result<(), String> {
    let list = v
        .as_array()
        .filter(|a| a.len() <= 50)
        .ok_or_else(|| format!("«{}»: scegli le persone dall'elenco.", f.label))?;
    for m in list {
        if !m
            .as_str()
            .is_some_and(|cf| household.iter().any(|h| h == cf))
        {
            return Err(format!(
                "«{}»: puoi scegliere solo persone della tua famiglia anagrafica.",
                f.label
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::catalog::Services;
    use super::*;
    use serde_json::json;

    fn ctx<'a>(household: &'a [String], att: &'a [(String, String)]) -> Context<'a> {
        Context {
            today: "2026-11-23".parse().unwrap(),
            household,
            attachments: att,
        }
    }

    #[test]
    fn every_wrong_field_of_the_residence_form_has_its_own_message() {
        let services = Services::default_services();
        let s = services.get("cambio_residenza").unwrap();
        let household = vec!["RSSMRA80A01H501U".to_string()];
        let data = json!({
            "richiedente": "x".repeat(600),
            "membri": ["AAAAAA00A00A000A"],
            "indirizzo": {"via": "Via Roma", "civico": "dodici", "cap": "001"},
            "data": "2030-01-01",
            "titolo": "abusivo",
            "documento": "non-caricato",
            "email": "non-una-mail",
            "telefono": "chiamami",
            "consapevole": "sì",
        });
        let problems = check(s, data.as_object().unwrap(), &ctx(&household, &[]), true);
        let old = json!({"data": "2026-10-01"});
        let late = check(s, old.as_object().unwrap(), &ctx(&household, &[]), false);
        assert!(
            late[0].message.contains("anteriore al 03/11/2026"),
            "{late:?}"
        );
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "richiedente",
                "membri",
                "indirizzo",
                "data",
                "titolo",
                "documento",
                "email",
                "telefono",
                "consapevole"
            ]
        );
        let mut messages: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
        messages.sort();
        messages.dedup();
        assert_eq!(messages.len(), problems.len(), "{problems:#?}");
        assert!(problems[3].message.contains("futuro"));
    }

    #[test]
    fn conditional_fields_are_asked_only_when_their_condition_holds() {
        let services = Services::default_services();
        let s = services.get("cambio_residenza").unwrap();
        let data = json!({"titolo": "locazione", "catasto": "fg. 1"});
        let problems = check(s, data.as_object().unwrap(), &ctx(&[], &[]), true);
        assert!(problems.iter().any(|p| p.field == "contratto"));
        assert!(!problems.iter().any(|p| p.field == "catasto"));
        let kept = keep_known(s, data.as_object().unwrap());
        assert!(!kept.contains_key("catasto"));
        // While saving, only what is filled is checked.
        assert!(check(s, data.as_object().unwrap(), &ctx(&[], &[]), false).is_empty());
    }
}
