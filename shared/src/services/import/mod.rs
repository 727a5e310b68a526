//! Import of the municipality's registry export.
//!
//! Format: JSON Lines, UTF-8, one record per line, either `{"famiglia": {...}}` (a household:
//! `id`, `specie` = famiglia | convivenza, optional `denominazione`) or `{"persona": {...}}`
//! (a person with all their dated history, see `domain::person::Persona`). Blank lines and
//! lines starting with `#` are ignored. Every bad line is reported with its number and the
//! reason; good lines are loaded; loading the same file again changes nothing.

//!
//! The file is read in one pass: each line is parsed and validated as it comes and the
//! records are written in batches (only the new or changed ones, found by one bulk read per
//! batch), so memory grows with the identifiers seen, not with the records. A person whose
//! household comes later in the file waits for the end of the file.

mod run;
mod validate;

use std::io::BufRead;

use serde::{Deserialize, Serialize};

use super::ServiceResult;
use crate::app::AppState;
use crate::domain::person::{Famiglia, Persona};
pub use validate::validate_person;

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

/// One line of the export as a record, or why not (in Italian, naming the field).
pub fn parse_line(line: &str) -> Result<Record, String> {
    // The plain parser first; the one that names the failing field only for a bad line.
    serde_json::from_str(line).or_else(|_| {
        let de = &mut serde_json::Deserializer::from_str(line);
        serde_path_to_error::deserialize(de).map_err(crate::json::describe_error)
    })
}

/// Reads, validates and loads an export. Only I/O failures of the store are errors; bad
/// lines end up in the report.
pub async fn import(app: &AppState, input: impl BufRead) -> ServiceResult<ImportReport> {
    let mut run = run::Run::new(app.store.clone());
    for (i, line) in input.lines().enumerate() {
        run.line(i + 1, line).await?;
    }
    run.finish().await
}
