//! The application state: the adapters behind the ports, the settings and the catalogue.

use std::sync::Arc;

use crate::adapters::{
    local_archive::FsArchive, local_mailer::OutboxMailer, local_signer::SoftwareSigner,
    local_store::RedbStore,
};
use crate::config::Config;
use crate::domain::catalog::Catalog;
use crate::ports::{ArchiveStore, Clock, Mailer, RegistryStore, Signer, StoreError};

/// Why the application could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Catalog(String),
}

/// The catalogue from `CATALOG_FILE`, or the embedded default.
pub fn load_catalog(config: &Config) -> Result<Catalog, StartError> {
    match &config.catalog_file {
        None => Ok(Catalog::default_catalog()),
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| StartError::Catalog(format!("{}: {e}", path.display())))?;
            Catalog::parse(&text)
                .map_err(|e| StartError::Catalog(format!("{}: {e}", path.display())))
        }
    }
}

/// The adapters and settings a function works with.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub store: Arc<dyn RegistryStore>,
    pub archive: Arc<dyn ArchiveStore>,
    pub signer: Arc<dyn Signer>,
    pub mailer: Arc<dyn Mailer>,
    pub clock: Arc<dyn Clock>,
    pub catalog: Arc<Catalog>,
}

impl AppState {
    /// The local adapters, all persistent under `config.data_dir`.
    pub fn local(config: Config, clock: Arc<dyn Clock>) -> Result<Self, StartError> {
        let dir = config.data_dir.clone();
        let catalog = Arc::new(load_catalog(&config)?);
        Ok(AppState {
            catalog,
            store: Arc::new(RedbStore::open(&dir.join("registry.redb"), clock.clone())?),
            archive: Arc::new(FsArchive::open(&dir.join("archive"), clock.clone())?),
            signer: Arc::new(SoftwareSigner::open_or_create(
                &dir.join("signer"),
                &format!("Comune di {}", config.municipality.name),
            )?),
            mailer: Arc::new(OutboxMailer::open(&dir.join("outbox"), &config.mail_from)?),
            clock,
            config: Arc::new(config),
        })
    }
}
