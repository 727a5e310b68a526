//! One pass over an export. What is kept in memory: the identifiers seen (household IDs and
//! codici fiscali, for duplicates and references), the batch being written, and the persons
//! whose household has not appeared yet.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::task::JoinHandle;

use super::super::{registry, ServiceResult};
use super::{parse_line, validate_person, ImportReport, LineError, Record};
use crate::domain::person::{Famiglia, Persona};
use crate::ports::{Item, RegistryStore};

/// Records per batch: one bulk read to compare them with the store, one bulk write.
const BATCH: usize = 5000;

pub(super) struct Run {
    store: Arc<dyn RegistryStore>,
    report: ImportReport,
    /// Household IDs of the file, with their line.
    households: HashMap<String, usize>,
    /// Codici fiscali of the file (16 ASCII characters once validated), with their line.
    persons: HashMap<[u8; 16], usize>,
    /// Household IDs not in the file so far, looked up in the store.
    in_store: HashMap<String, bool>,
    /// Persons whose household may come later in the file.
    waiting: Vec<(usize, Persona)>,
    /// Records to write: each one's items, its main item first.
    batch: Vec<Vec<Item>>,
    /// The batch being written while the next one is read: (written, unchanged).
    writing: Option<JoinHandle<ServiceResult<(usize, usize)>>>,
}

impl Run {
    pub(super) fn new(store: Arc<dyn RegistryStore>) -> Self {
        Run {
            store,
            report: ImportReport::default(),
            households: HashMap::new(),
            persons: HashMap::new(),
            in_store: HashMap::new(),
            waiting: Vec::new(),
            batch: Vec::with_capacity(BATCH),
            writing: None,
        }
    }

    fn refuse(&mut self, line: usize, message: String) {
        self.report.errors.push(LineError { line, message });
    }

    /// Takes line `n` of the file.
    pub(super) async fn line(
        &mut self,
        n: usize,
        line: std::io::Result<String>,
    ) -> ServiceResult<()> {
        self.report.lines = n;
        let text = match line {
            Ok(text) => text,
            Err(e) => {
                self.refuse(n, format!("riga illeggibile: {e}"));
                return Ok(());
            }
        };
        let text = text.trim();
        if text.is_empty() || text.starts_with('#') {
            return Ok(());
        }
        match parse_line(text) {
            Ok(Record::Famiglia(f)) => self.household(n, f).await,
            Ok(Record::Persona(p)) => self.person(n, *p).await,
            Err(message) => {
                self.refuse(n, message);
                Ok(())
            }
        }
    }

    async fn household(&mut self, n: usize, f: Famiglia) -> ServiceResult<()> {
        if f.id.trim().is_empty() {
            self.refuse(n, "famiglia: l'identificativo è obbligatorio".into());
            return Ok(());
        }
        if let Some(&prev) = self.households.get(&f.id) {
            self.refuse(
                n,
                format!("famiglia {} ripetuta (già alla riga {prev})", f.id),
            );
            return Ok(());
        }
        self.households.insert(f.id.clone(), n);
        self.report.households += 1;
        self.push(vec![registry::household_item(&f)?]).await
    }

    async fn person(&mut self, n: usize, p: Persona) -> ServiceResult<()> {
        if let Err(message) = validate_person(&p) {
            self.refuse(n, message);
            return Ok(());
        }
        let cf: [u8; 16] = p
            .codice_fiscale
            .as_bytes()
            .try_into()
            .expect("a valid codice fiscale has 16 characters");
        if let Some(&prev) = self.persons.get(&cf) {
            self.refuse(
                n,
                format!("persona ripetuta: stesso codice fiscale della riga {prev}"),
            );
            return Ok(());
        }
        self.persons.insert(cf, n);
        if self.unknown_household(&p).await?.is_some() {
            self.waiting.push((n, p));
            return Ok(());
        }
        self.accept(&p).await
    }

    async fn accept(&mut self, p: &Persona) -> ServiceResult<()> {
        self.report.persons += 1;
        self.push(registry::person_items(p)?).await
    }

    /// The first household of `p` neither in the file so far nor in the store.
    async fn unknown_household(&mut self, p: &Persona) -> ServiceResult<Option<String>> {
        for id in p.household_ids() {
            if self.households.contains_key(id) {
                continue;
            }
            let stored = match self.in_store.get(id) {
                Some(&known) => known,
                None => {
                    let known = registry::household(self.store.as_ref(), id)
                        .await?
                        .is_some();
                    self.in_store.insert(id.to_string(), known);
                    known
                }
            };
            if !stored {
                return Ok(Some(id.to_string()));
            }
        }
        Ok(None)
    }

    async fn push(&mut self, items: Vec<Item>) -> ServiceResult<()> {
        self.batch.push(items);
        if self.batch.len() >= BATCH {
            self.flush().await?;
        }
        Ok(())
    }

    /// Hands the batch to a writer task, once the previous batch is written: the file is read
    /// on while the store writes (on a multi-threaded runtime, on the other core).
    async fn flush(&mut self) -> ServiceResult<()> {
        self.wait_for_writer().await?;
        let batch = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH));
        let store = self.store.clone();
        self.writing = Some(tokio::spawn(
            async move { write(store.as_ref(), batch).await },
        ));
        Ok(())
    }

    async fn wait_for_writer(&mut self) -> ServiceResult<()> {
        if let Some(task) = self.writing.take() {
            let (written, unchanged) = task.await.map_err(|e| {
                crate::ports::PortError::unavailable(crate::ports::Port::Store, e)
            })??;
            self.report.written += written;
            self.report.unchanged += unchanged;
        }
        Ok(())
    }

    /// The persons that waited for their household, then the last batch; the report.
    pub(super) async fn finish(mut self) -> ServiceResult<ImportReport> {
        for (n, p) in std::mem::take(&mut self.waiting) {
            match self.unknown_household(&p).await? {
                Some(id) => self.refuse(
                    n,
                    format!("famiglia: famiglia sconosciuta \"{id}\" (non presente nel file né in archivio)"),
                ),
                None => self.accept(&p).await?,
            }
        }
        if !self.batch.is_empty() {
            self.flush().await?;
        }
        self.wait_for_writer().await?;
        // A crash before this loses batches, not consistency: importing again completes them.
        self.store.persist_batches().await?;
        self.report.errors.sort_by_key(|e| e.line);
        Ok(self.report)
    }
}

/// Writes a batch's new or changed records: (written, unchanged).
async fn write(store: &dyn RegistryStore, batch: Vec<Vec<Item>>) -> ServiceResult<(usize, usize)> {
    let keys: Vec<(String, String)> = batch
        .iter()
        .map(|items| (items[0].pk.clone(), items[0].sk.clone()))
        .collect();
    let stored = store.get_many(&keys).await?;
    let (mut written, mut unchanged) = (0, 0);
    let mut changed = Vec::new();
    for (items, stored) in batch.into_iter().zip(stored) {
        if stored.is_some_and(|s| s.data == items[0].data) {
            unchanged += 1;
        } else {
            written += 1;
            changed.extend(items);
        }
    }
    if !changed.is_empty() {
        store.put_batch(changed).await?;
    }
    Ok((written, unchanged))
}
