//! The application state: the adapters behind the ports, the settings and the catalogue.

use std::sync::Arc;

use crate::adapters::counted::{CountedMailer, CountedSigner};
use crate::adapters::emf::Emf;
use crate::adapters::local_tsa::LocalTsa;
use crate::adapters::{
    local_archive::FsArchive, local_mailer::OutboxMailer, local_pagopa::LocalPagoPa,
    local_signer::SoftwareSigner, local_store::RedbStore, mail_notifier::MailNotifier,
    store_protocollo::StoreProtocollo,
};
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

/// GPD and Checkout when `PAGOPA_GPD_URL` is set; otherwise payments are not active.
fn cloud_payments(config: &Config) -> Result<Arc<dyn Payments>, StartError> {
    Ok(match &config.pagopa {
        Some(endpoints) => Arc::new(crate::adapters::pagopa::PagoPaHttp::new(
            endpoints.clone(),
            config.creditor.clone(),
        )?),
        None => Arc::new(crate::adapters::no_payments::NoPayments),
    })
}

/// Locally the counts go to `<data dir>/metrics.jsonl`, in the same format as on Lambda.
fn local_metrics(
    dir: &std::path::Path,
    clock: Arc<dyn Clock>,
) -> Result<Arc<dyn Metrics>, StartError> {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("metrics.jsonl"))
        .map_err(|e| StartError::Store(PortError::unavailable(crate::ports::Port::Store, e)))?;
    Ok(Arc::new(Emf::new(
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
    /// The cloud adapters (DynamoDB, S3, KMS, SMTP) when configured, otherwise the local ones.
    /// SDK clients are built once here, outside any request.
    pub async fn from_config(config: Config, clock: Arc<dyn Clock>) -> Result<Self, StartError> {
        let Some(cloud) = config.cloud.clone() else {
            return Self::local(config, clock);
        };
        let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        let s3_config = aws_sdk_s3::config::Builder::from(&sdk)
            // Path-style addressing only where an endpoint override points at a test server.
            .force_path_style(std::env::var_os("AWS_ENDPOINT_URL").is_some())
            .build();
        let chain = match &cloud.certificate_chain_pem {
            Some(pem) => crate::adapters::kms::pem_chain(pem)?,
            None => Vec::new(),
        };
        let store: Arc<dyn RegistryStore> = Arc::new(crate::adapters::dynamo::DynamoStore::new(
            aws_sdk_dynamodb::Client::new(&sdk),
            &cloud.table,
            clock.clone(),
        ));
        let metrics: Arc<dyn Metrics> = Arc::new(Emf::new(
            &metrics_namespace(),
            Box::new(std::io::stdout()),
            clock.clone(),
        ));
        let mailer = counted_mailer(
            Arc::new(crate::adapters::smtp::SmtpMailer::new(
                &cloud.smtp,
                &config.mail_from,
            )),
            &metrics,
        );
        Ok(AppState {
            catalog: Arc::new(load_catalog(&config)?),
            services: Arc::new(load_services(&config)?),
            protocollo: Arc::new(StoreProtocollo::new(store.clone(), clock.clone())),
            notifier: Arc::new(MailNotifier::new(mailer.clone())),
            payments: cloud_payments(&config)?,
            store,
            archive: Arc::new(crate::adapters::s3::S3Archive::new(
                aws_sdk_s3::Client::from_conf(s3_config),
                &cloud.bucket,
                clock.clone(),
            )),
            signer: counted_signer(
                Arc::new(crate::adapters::kms::KmsSigner::new(
                    aws_sdk_kms::Client::new(&sdk),
                    &cloud.kms_key_id,
                    chain,
                )),
                &metrics,
            ),
            mailer,
            timestamper: match &config.tsa {
                Some(t) => Some(Arc::new(crate::adapters::http_tsa::HttpTsa::new(
                    t.clone(),
                )?)),
                None => None,
            },
            arms: load_arms(&config, false)?,
            audit: Default::default(),
            metrics,
            clock,
            config: Arc::new(config),
        })
    }

    /// The local adapters, all persistent under `config.data_dir`; the seals are
    /// time-stamped by the local TSA unless `TSA_URL` names another.
    pub fn local(config: Config, clock: Arc<dyn Clock>) -> Result<Self, StartError> {
        let dir = config.data_dir.clone();
        let catalog = Arc::new(load_catalog(&config)?);
        let name = format!("Comune di {}", config.municipality.name);
        let signer = SoftwareSigner::open_or_create(&dir.join("signer"), &name)?;
        let timestamper: Arc<dyn Timestamper> = match &config.tsa {
            Some(t) => Arc::new(crate::adapters::http_tsa::HttpTsa::new(t.clone())?),
            None => Arc::new(LocalTsa::in_data_dir(&dir, &name, clock.clone())?),
        };
        let store: Arc<dyn RegistryStore> =
            Arc::new(RedbStore::open(&dir.join("registry.redb"), clock.clone())?);
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
                Some(_) => cloud_payments(&config)?,
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
}
