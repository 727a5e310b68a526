//! Import of the municipality's registry export.
//!
//! Format: JSON Lines, UTF-8, one record per line, either `{"famiglia": {...}}` (a household:
//! `id`, `specie` = famiglia | convivenza, optional `denominazione`) or `{"persona": {...}}`
//! (a person with all their dated history, see `domain::person::Persona`). Blank lines and
//! lines starting with `#` are ignored. Every bad line is reported with its number and the
//! reason; good lines are loaded; loading the same file again changes nothing.

use std::collections::{HashMap, HashSet};
use std::io::BufRead;

use serde::{Deserialize, Serialize};

use super::{registry, ServiceResult};
use crate::app::AppState;
use crate::domain::codice_fiscale::CodiceFiscale;
use crate::domain::dated::{first_overlap, Dated};
use crate::domain::person::{Famiglia, Persona};
use crate::domain::places::is_cadastral_code;
use crate::ports::{Item, RegistryStore};

/// Items written per store batch.
const BATCH: usize = 500;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Record {
    Famiglia(Famiglia),
    Persona(Box<Persona>),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineError {
    pub line: usize,
    pub message: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    pub lines: usize,
    pub households: usize,
    pub persons: usize,
    /// Records written because new or changed.
    pub written: usize,
    /// Records already stored exactly as in the file.
    pub unchanged: usize,
    pub errors: Vec<LineError>,
}

impl std::fmt::Display for ImportReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for e in &self.errors {
            writeln!(f, "riga {}: {}", e.line, e.message)?;
        }
        write!(
            f,
            "Righe lette: {}; famiglie valide: {}; persone valide: {}; scritte: {}; invariate: {}; righe con errori: {}",
            self.lines,
            self.households,
            self.persons,
            self.written,
            self.unchanged,
            self.errors.len()
        )
    }
}

fn check_intervals<T>(field: &str, h: &[Dated<T>], single_valued: bool) -> Result<(), String> {
    if let Some(f) = h.iter().find(|f| !f.is_well_formed()) {
        return Err(format!(
            "{field}: il periodo termina ({}) prima di iniziare ({})",
            f.to.map(|d| d.to_string()).unwrap_or_default(),
            f.from
        ));
    }
    if single_valued {
        if let Some((a, b)) = first_overlap(h) {
            return Err(format!(
                "{field}: periodi sovrapposti (dal {} e dal {})",
                h[a].from, h[b].from
            ));
        }
    }
    Ok(())
}

/// Checks of a person that need nothing but the record itself.
pub fn validate_person(p: &Persona) -> Result<(), String> {
    if p.cognome.trim().is_empty() || p.nome.trim().is_empty() {
        return Err("cognome e nome sono obbligatori".into());
    }
    let code = p.nascita.luogo.codice_catastale();
    if !is_cadastral_code(code) {
        return Err(format!(
            "nascita.luogo: codice catastale non valido \"{code}\" (una lettera e tre cifre)"
        ));
    }
    let cf = CodiceFiscale::parse(&p.codice_fiscale)
        .map_err(|e| format!("codice fiscale non valido: {e}"))?;
    if cf.as_str() != p.codice_fiscale {
        return Err("codice fiscale non valido: va scritto in maiuscolo, senza spazi".into());
    }
    cf.matches(&p.cognome, &p.nome, p.sesso, p.nascita.data, code)
        .map_err(|e| e.to_string())?;
    check_intervals("cittadinanza", &p.cittadinanza, false)?;
    check_intervals("stato_civile", &p.stato_civile, true)?;
    check_intervals("posizione_anagrafica", &p.posizione_anagrafica, true)?;
    check_intervals("famiglia", &p.famiglia, true)?;
    check_intervals("residenza", &p.residenza, true)?;
    check_intervals("titolo_studio", &p.titolo_studio, true)?;
    check_intervals("professione", &p.professione, true)?;
    check_intervals("posizione_elettorale", &p.posizione_elettorale, true)?;
    check_intervals("documenti", &p.documenti, false)?;
    check_intervals("patente", &p.patente, false)?;
    check_intervals("veicoli", &p.veicoli, false)?;
    check_intervals("pensioni", &p.pensioni, false)?;
    if p.posizione_anagrafica.is_empty() {
        return Err("posizione_anagrafica: almeno una posizione è obbligatoria".into());
    }
    let born = p.nascita.data;
    let before_birth = [
        ("famiglia", p.famiglia.iter().map(|f| f.from).min()),
        ("residenza", p.residenza.iter().map(|f| f.from).min()),
        (
            "posizione_anagrafica",
            p.posizione_anagrafica.iter().map(|f| f.from).min(),
        ),
    ];
    for (field, first) in before_birth {
        if let Some(d) = first.filter(|&d| d < born) {
            return Err(format!(
                "{field}: il periodo dal {d} precede la nascita ({born})"
            ));
        }
    }
    if let Some(death) = p.date_of_death() {
        if p.famiglia.iter().any(|m| m.to.is_none_or(|to| to > death)) {
            return Err(format!(
                "famiglia: l'appartenenza prosegue oltre la data di decesso ({death})"
            ));
        }
    }
    Ok(())
}

fn parse_line(line: &str) -> Result<Record, String> {
    let de = &mut serde_json::Deserializer::from_str(line);
    let rec: Record = serde_path_to_error::deserialize(de).map_err(crate::json::describe_error)?;
    Ok(rec)
}

/// What the file holds once parsed and validated line by line.
#[derive(Default)]
struct Parsed {
    households: Vec<(usize, Famiglia)>,
    persons: Vec<(usize, Persona)>,
    seen_households: HashMap<String, usize>,
    seen_persons: HashMap<String, usize>,
}

impl Parsed {
    /// Takes one line's record, or says why it is refused.
    fn take(&mut self, n: usize, line: &str) -> Result<(), String> {
        match parse_line(line)? {
            Record::Famiglia(f) => {
                if f.id.trim().is_empty() {
                    return Err("famiglia: l'identificativo è obbligatorio".into());
                }
                if let Some(prev) = self.seen_households.insert(f.id.clone(), n) {
                    return Err(format!("famiglia {} ripetuta (già alla riga {prev})", f.id));
                }
                self.households.push((n, f));
            }
            Record::Persona(p) => {
                validate_person(&p)?;
                if let Some(prev) = self.seen_persons.insert(p.codice_fiscale.clone(), n) {
                    return Err(format!(
                        "persona ripetuta: stesso codice fiscale della riga {prev}"
                    ));
                }
                self.persons.push((n, *p));
            }
        }
        Ok(())
    }
}

fn read(input: impl BufRead, report: &mut ImportReport) -> Parsed {
    let mut parsed = Parsed::default();
    for (i, line) in input.lines().enumerate() {
        let n = i + 1;
        report.lines = n;
        let outcome = match line {
            Ok(l) if l.trim().is_empty() || l.trim().starts_with('#') => continue,
            Ok(l) => parsed.take(n, l.trim()),
            Err(e) => Err(format!("riga illeggibile: {e}")),
        };
        if let Err(message) = outcome {
            report.errors.push(LineError { line: n, message });
        }
    }
    parsed
}

/// The persons whose households are all in the file or already in the store; the others
/// are reported.
async fn known_households(
    store: &dyn RegistryStore,
    parsed: &mut Parsed,
    report: &mut ImportReport,
) -> ServiceResult<Vec<(usize, Persona)>> {
    let mut known: HashSet<String> = parsed
        .households
        .iter()
        .map(|(_, f)| f.id.clone())
        .collect();
    let mut valid = Vec::with_capacity(parsed.persons.len());
    for (n, p) in std::mem::take(&mut parsed.persons) {
        let mut unknown = None;
        for id in p.household_ids() {
            if known.contains(id) {
                continue;
            }
            if registry::household(store, id).await?.is_some() {
                known.insert(id.to_string());
            } else {
                unknown = Some(id.to_string());
                break;
            }
        }
        match unknown {
            Some(id) => report.errors.push(LineError {
                line: n,
                message: format!("famiglia: famiglia sconosciuta \"{id}\" (non presente nel file né in archivio)"),
            }),
            None => valid.push((n, p)),
        }
    }
    Ok(valid)
}

/// Writes the records that are new or changed, in batches; counts the unchanged ones.
async fn write(
    store: &dyn RegistryStore,
    records: impl Iterator<Item = ServiceResult<Vec<Item>>>,
    report: &mut ImportReport,
) -> ServiceResult<()> {
    let mut pending: Vec<Item> = Vec::new();
    for items in records {
        let items = items?;
        let main = &items[0];
        let stored = store.get(&main.pk, &main.sk).await?;
        if stored.is_some_and(|s| s.data == main.data) {
            report.unchanged += 1;
            continue;
        }
        report.written += 1;
        pending.extend(items);
        if pending.len() >= BATCH {
            store.put_batch(std::mem::take(&mut pending)).await?;
        }
    }
    if !pending.is_empty() {
        store.put_batch(pending).await?;
    }
    Ok(())
}

/// Reads, validates and loads an export. Only I/O failures of the store are errors; bad
/// lines end up in the report.
pub async fn import(app: &AppState, input: impl BufRead) -> ServiceResult<ImportReport> {
    let store = app.store.as_ref();
    let mut report = ImportReport::default();
    let mut parsed = read(input, &mut report);
    let persons = known_households(store, &mut parsed, &mut report).await?;
    report.errors.sort_by_key(|e| e.line);
    report.households = parsed.households.len();
    report.persons = persons.len();
    let records = parsed
        .households
        .iter()
        .map(|(_, f)| registry::household_item(f).map(|i| vec![i]))
        .chain(persons.iter().map(|(_, p)| registry::person_items(p)));
    write(store, records, &mut report).await?;
    Ok(report)
}
