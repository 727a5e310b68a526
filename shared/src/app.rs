//! The application state: the adapters behind the ports, the settings and the catalogue.

use std::sync::Arc;

mod cloud;

use crate::adapters::counted::{CountedMailer, CountedSigner};
#[cfg(feature = "local")]
use crate::adapters::{
    local_archive::FsArchive, local_mailer::OutboxMailer, local_pagopa::LocalPagoPa,
    local_signer::SoftwareSigner, local_store::RedbStore, local_tsa::LocalTsa,
};
use crate::adapters::{mail_notifier::MailNotifier, store_protocollo::StoreProtocollo};
use crate::config::Config;
use crate::domain::applications::Services;
use crate::domain::catalog::Catalog;
use crate::pdf::Arms;
use crate::ports::{
    ArchiveStore, Clock, Mailer, Metrics, Notifier, Payments, PortError, Protocollo, RegistryStore,
    Signer, Timestamper,
};

/// Why the application could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Store(#[from] PortError),
    #[error("{0}")]
    Catalog(String),
    #[error("{0}")]
    Arms(String),
    /// What the configuration asks for is not linked in this function.
    #[error("{0}")]
    Unlinked(&'static str),
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

/// The online services from `APPLICATIONS_FILE`, or the embedded default.
pub fn load_services(config: &Config) -> Result<Services, StartError> {
    match &config.applications_file {
        None => Ok(Services::default_services()),
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| StartError::Catalog(format!("{}: {e}", path.display())))?;
            Services::parse(&text)
                .map_err(|e| StartError::Catalog(format!("{}: {e}", path.display())))
        }
    }
}

/// Locally the counts go to `<data dir>/metrics.jsonl`, in the same format as on Lambda.
#[cfg(feature = "local")]
fn local_metrics(
    dir: &std::path::Path,
    clock: Arc<dyn Clock>,
) -> Result<Arc<dyn Metrics>, StartError> {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("metrics.jsonl"))
        .map_err(|e| StartError::Store(PortError::unavailable(crate::ports::Port::Store, e)))?;
    Ok(Arc::new(crate::adapters::emf::Emf::new(
        &metrics_namespace(),
        Box::new(file),
        clock,
    )))
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
    /// The online services citizens apply for.
    pub services: Arc<Services>,
    pub protocollo: Arc<dyn Protocollo>,
    pub notifier: Arc<dyn Notifier>,
    /// pagoPA: the local stand-in, or GPD and Checkout.
    pub payments: Arc<dyn Payments>,
    /// The trusted time of seals (PAdES B-T); none: seals are B-B.
    pub timestamper: Option<Arc<dyn Timestamper>>,
    /// The comune's coat of arms for the documents' header.
    pub arms: Option<Arc<Arms>>,
    /// This process's audit chain.
    pub audit: crate::services::audit::AuditChain,
    /// Counts for operations (EMF on Lambda, `metrics.jsonl` in the data directory locally).
    pub metrics: Arc<dyn Metrics>,
}

/// The namespace of the metrics (`METRICS_NAMESPACE`; the stack sets its own).
fn metrics_namespace() -> String {
    std::env::var("METRICS_NAMESPACE").unwrap_or_else(|_| "AnagrafeOnline".into())
}

fn counted_mailer(inner: Arc<dyn Mailer>, metrics: &Arc<dyn Metrics>) -> Arc<dyn Mailer> {
    Arc::new(CountedMailer {
        inner,
        metrics: metrics.clone(),
    })
}

fn counted_signer(inner: Arc<dyn Signer>, metrics: &Arc<dyn Metrics>) -> Arc<dyn Signer> {
    Arc::new(CountedSigner {
        inner,
        metrics: metrics.clone(),
    })
}

/// The coat of arms: `ARMS_FILE`, else (locally) the demo's placeholder.
fn load_arms(config: &Config, local: bool) -> Result<Option<Arc<Arms>>, StartError> {
    match (&config.arms_file, local) {
        (Some(path), _) => Arms::load(Some(path)).map(|a| Some(Arc::new(a))),
        (None, true) => Arms::load(None).map(|a| Some(Arc::new(a))),
        (None, false) => Ok(None),
    }
    .map_err(StartError::Arms)
}

impl AppState {
    /// The cloud adapters this function links (DynamoDB, S3, KMS, SMTP, pagoPA, TSA) when
    /// configured, otherwise the local ones. SDK clients are built once here, outside any
    /// request.
    pub async fn from_config(config: Config, clock: Arc<dyn Clock>) -> Result<Self, StartError> {
        match config.cloud.clone() {
            Some(cloud) => cloud::state(config, cloud, clock),
            None => Self::local(config, clock),
        }
    }

    /// The local adapters, all persistent under `config.data_dir`; the seals are
    /// time-stamped by the local TSA unless `TSA_URL` names another.
    #[cfg(feature = "local")]
    pub fn local(config: Config, clock: Arc<dyn Clock>) -> Result<Self, StartError> {
        let dir = config.data_dir.clone();
        let catalog = Arc::new(load_catalog(&config)?);
        let name = format!("Comune di {}", config.municipality.name);
        let signer = SoftwareSigner::open_or_create(&dir.join("signer"), &name)?;
        let timestamper: Arc<dyn Timestamper> = match cloud::timestamper(&config)? {
            Some(remote) => remote,
            None => Arc::new(LocalTsa::in_data_dir(&dir, &name, clock.clone())?),
        };
        let store: Arc<dyn RegistryStore> = Arc::new(RedbStore::open_with_cache(
            &dir.join("registry.redb"),
            clock.clone(),
            config.store_cache_mb << 20,
        )?);
        let metrics = local_metrics(&dir, clock.clone())?;
        let mailer = counted_mailer(
            Arc::new(OutboxMailer::open(&dir.join("outbox"), &config.mail_from)?),
            &metrics,
        );
        Ok(AppState {
            catalog,
            services: Arc::new(load_services(&config)?),
            protocollo: Arc::new(StoreProtocollo::new(store.clone(), clock.clone())),
            notifier: Arc::new(MailNotifier::new(mailer.clone())),
            payments: match &config.pagopa {
                Some(_) => cloud::payments(&config)?,
                None => Arc::new(LocalPagoPa::open(
                    &dir.join("pagopa"),
                    store.clone(),
                    clock.clone(),
                    &config.public_base_url,
                )?),
            },
            store,
            archive: Arc::new(FsArchive::open(&dir.join("archive"), clock.clone())?),
            signer: counted_signer(Arc::new(signer), &metrics),
            mailer,
            timestamper: Some(timestamper),
            arms: load_arms(&config, true)?,
            audit: Default::default(),
            metrics,
            clock,
            config: Arc::new(config),
        })
    }

    /// Without the local adapters (a function built for the cloud), the cloud settings are
    /// required.
    #[cfg(not(feature = "local"))]
    pub fn local(_: Config, _: Arc<dyn Clock>) -> Result<Self, StartError> {
        Err(StartError::Unlinked(
            "questa funzione lavora solo con le impostazioni del cloud (TABLE_NAME e le altre)",
        ))
    }
}
