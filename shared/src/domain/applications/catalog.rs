//! The services a citizen can apply for, as data: `shared/data/istanze.json` or the comune's
//! own file (`APPLICATIONS_FILE`), checked when the function starts.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

const DEFAULT_SERVICES: &str = include_str!("../../../data/istanze.json");

/// The largest attachment any service may accept: what an API Gateway to Lambda request
/// carries once base64-encoded (6 MB) with room for the headers.
pub const MAX_ATTACHMENT_KB: u32 = 4096;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Services {
    #[serde(default, rename = "_note", skip_serializing)]
    pub note: String,
    pub services: Vec<Service>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Service {
    pub id: String,
    pub title: String,
    pub summary: String,
    pub who: String,
    pub needs: Vec<String>,
    pub office: String,
    /// The legal term of the procedure, from submission.
    pub due: Term,
    /// A second term after a provisional outcome (residence: definitive after 45 days).
    #[serde(default)]
    pub confirmation: Option<Term>,
    #[serde(default)]
    pub fee: Option<Fee>,
    /// How long the application, its attachments and its documents are kept.
    pub retention_years: u32,
    /// The receipt's wording.
    pub receipt: String,
    /// What an accepted application changes in the registry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effect: Option<Effect>,
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    /// The movers' residence changes from the declared date.
    Residence,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Term {
    pub days: u32,
    pub kind: DayKind,
    /// The law that sets it.
    pub law: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    Working,
    Calendar,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fee {
    /// Euro cents.
    pub cents: u64,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub id: String,
    pub title: String,
    pub fields: Vec<Field>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    pub id: String,
    pub kind: Kind,
    pub label: String,
    #[serde(default)]
    pub required: bool,
    pub help: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<Choice>,
    /// Shown, and required, only when another field has a value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<When>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefill: Option<Prefill>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<TextFormat>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<DateRule>,
    /// A date at most this many days before today (a declaration's legal window).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_days_ago: Option<u32>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub formats: Vec<FileFormat>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_kb: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Text,
    Date,
    Select,
    CodiceFiscale,
    Address,
    Members,
    Checkbox,
    Attachment,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    pub value: String,
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct When {
    pub field: String,
    pub equals: serde_json::Value,
}

/// Where a prefilled value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Prefill {
    /// "Nome Cognome" of the applicant.
    Nominativo,
    CodiceFiscale,
    /// The applicant's current address.
    Residenza,
    /// The e-mail of "Mio account".
    Email,
    /// The applicant (the household members are the choices).
    Famiglia,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TextFormat {
    Email,
    Phone,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DateRule {
    /// Today or before.
    Past,
    /// Today or after.
    Future,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileFormat {
    Pdf,
    Jpeg,
    Png,
}

impl FileFormat {
    pub fn content_type(self) -> &'static str {
        match self {
            FileFormat::Pdf => "application/pdf",
            FileFormat::Jpeg => "image/jpeg",
            FileFormat::Png => "image/png",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            FileFormat::Pdf => "PDF",
            FileFormat::Jpeg => "JPEG",
            FileFormat::Png => "PNG",
        }
    }

    /// The format the bytes really are, by their signature.
    pub fn sniff(bytes: &[u8]) -> Option<FileFormat> {
        if bytes.starts_with(b"%PDF-") {
            Some(FileFormat::Pdf)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(FileFormat::Jpeg)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(FileFormat::Png)
        } else {
            None
        }
    }

    /// The format a file name's extension claims.
    pub fn of_name(name: &str) -> Option<FileFormat> {
        let ext = name.rsplit_once('.')?.1.to_ascii_lowercase();
        match ext.as_str() {
            "pdf" => Some(FileFormat::Pdf),
            "jpg" | "jpeg" => Some(FileFormat::Jpeg),
            "png" => Some(FileFormat::Png),
            _ => None,
        }
    }
}

impl Service {
    pub fn fields(&self) -> impl Iterator<Item = &Field> {
        self.steps.iter().flat_map(|s| s.fields.iter())
    }

    pub fn field(&self, id: &str) -> Option<&Field> {
        self.fields().find(|f| f.id == id)
    }
}

impl Services {
    pub fn parse(json: &str) -> Result<Self, String> {
        let s: Services = crate::json::decode(json.as_bytes())
            .map_err(|e| format!("catalogo dei servizi non valido: {e}"))?;
        let mut ids = HashSet::new();
        for service in &s.services {
            if !ids.insert(service.id.as_str()) {
                return Err(format!(
                    "catalogo dei servizi: servizio ripetuto \"{}\"",
                    service.id
                ));
            }
            check_service(service).map_err(|e| format!("servizio \"{}\": {e}", service.id))?;
        }
        Ok(s)
    }

    pub fn default_services() -> Self {
        Self::parse(DEFAULT_SERVICES).expect("the embedded services catalogue is valid")
    }

    pub fn get(&self, id: &str) -> Option<&Service> {
        self.services.iter().find(|s| s.id == id)
    }
}

/// Reserved field id: the attachments of an answer to the office.
pub const ANSWER_FIELD: &str = "risposta";

fn check_service(s: &Service) -> Result<(), String> {
    if s.retention_years == 0 || s.due.days == 0 {
        return Err("conservazione e termine devono essere di almeno un anno e un giorno".into());
    }
    let mut ids = HashSet::new();
    for f in s.fields() {
        if f.id == ANSWER_FIELD || !ids.insert(f.id.as_str()) {
            return Err(format!("campo ripetuto o riservato \"{}\"", f.id));
        }
        check_field(f)?;
    }
    for f in s.fields() {
        if let Some(w) = &f.when {
            if !ids.contains(w.field.as_str()) || w.field == f.id {
                return Err(format!(
                    "campo \"{}\": condizione su un campo sconosciuto",
                    f.id
                ));
            }
        }
    }
    Ok(())
}

fn check_field(f: &Field) -> Result<(), String> {
    let fail = |what: &str| Err(format!("campo \"{}\": {what}", f.id));
    match f.kind {
        Kind::Select if f.options.is_empty() => return fail("scelta senza opzioni"),
        Kind::Attachment if f.formats.is_empty() => return fail("allegato senza formati"),
        Kind::Attachment if f.max_kb.is_none_or(|k| k == 0 || k > MAX_ATTACHMENT_KB) => {
            return fail("allegato senza limite o oltre 4096 KB")
        }
        _ => {}
    }
    if f.kind != Kind::Select && !f.options.is_empty() {
        return fail("opzioni su un campo che non è una scelta");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_catalogue_has_the_services_the_office_offers() {
        let s = Services::default_services();
        for id in [
            "cambio_residenza",
            "albo_scrutatori",
            "duplicato_tessera",
            "certificato_storico",
            "convivenza_di_fatto",
        ] {
            assert!(s.get(id).is_some(), "{id}");
        }
        let residence = s.get("cambio_residenza").unwrap();
        assert_eq!(residence.due.kind, DayKind::Working);
        assert_eq!(residence.confirmation.as_ref().unwrap().days, 45);
        assert_eq!(
            s.get("certificato_storico")
                .unwrap()
                .fee
                .as_ref()
                .unwrap()
                .cents,
            1000
        );
    }

    #[test]
    fn a_wrong_catalogue_is_refused_with_the_reason() {
        let mut v: serde_json::Value = serde_json::from_str(DEFAULT_SERVICES).unwrap();
        v["services"][0]["steps"][0]["fields"][1]["when"] =
            serde_json::json!({"field": "nessuno", "equals": 1});
        let e = Services::parse(&v.to_string()).unwrap_err();
        assert!(e.contains("condizione su un campo sconosciuto"), "{e}");
        let e = Services::parse(r#"{"services": [{"id": 1}]}"#).unwrap_err();
        assert!(e.starts_with("catalogo dei servizi non valido"), "{e}");
    }

    #[test]
    fn file_formats_are_told_by_content() {
        assert_eq!(FileFormat::sniff(b"%PDF-1.7\n"), Some(FileFormat::Pdf));
        assert_eq!(
            FileFormat::sniff(b"\x89PNG\r\n\x1a\nxxxx"),
            Some(FileFormat::Png)
        );
        assert_eq!(FileFormat::sniff(b"MZ\x90\0"), None);
        assert_eq!(FileFormat::of_name("Carta.JPG"), Some(FileFormat::Jpeg));
        assert_eq!(FileFormat::of_name("virus.exe"), None);
    }
}
