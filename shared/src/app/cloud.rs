//! The cloud composition: each port's adapter when this function links it (`shared`'s cargo
//! features, named in the function's Cargo.toml), otherwise `adapters::unlinked`.

use std::sync::Arc;

use super::{
    counted_mailer, counted_signer, load_arms, load_catalog, load_services, metrics_namespace,
    AppState, MailNotifier, StartError, StoreProtocollo,
};
use crate::adapters::emf::Emf;
use crate::config::{CloudSettings, Config};
use crate::ports::{ArchiveStore, Clock, Mailer, Metrics, Payments, Signer, Timestamper};

/// Every function's cloud state: DynamoDB, metrics on stdout (EMF), and the rest as linked.
#[cfg(feature = "dynamo")]
pub(super) fn state(
    config: Config,
    cloud: CloudSettings,
    clock: Arc<dyn Clock>,
) -> Result<AppState, StartError> {
    let sdk = crate::adapters::sdk::from_env();
    let chain = match &cloud.certificate_chain_pem {
        Some(pem) => crate::seal::pem_chain(pem)?,
        None => Vec::new(),
    };
    let store: Arc<dyn crate::ports::RegistryStore> =
        Arc::new(crate::adapters::dynamo::DynamoStore::new(
            aws_sdk_dynamodb::Client::new(&sdk),
            &cloud.table,
            clock.clone(),
        ));
    let metrics: Arc<dyn Metrics> = Arc::new(Emf::new(
        &metrics_namespace(),
        Box::new(std::io::stdout()),
        clock.clone(),
    ));
    let mailer = counted_mailer(mailer(&config, &cloud), &metrics);
    Ok(AppState {
        catalog: Arc::new(load_catalog(&config)?),
        services: Arc::new(load_services(&config)?),
        protocollo: Arc::new(StoreProtocollo::new(store.clone(), clock.clone())),
        notifier: Arc::new(MailNotifier::new(mailer.clone())),
        payments: payments(&config)?,
        archive: archive(&sdk, &cloud, clock.clone()),
        signer: counted_signer(signer(&sdk, &cloud, chain), &metrics),
        mailer,
        timestamper: timestamper(&config)?,
        arms: load_arms(&config, false)?,
        audit: Default::default(),
        store,
        metrics,
        clock,
        config: Arc::new(config),
    })
}

#[cfg(not(feature = "dynamo"))]
pub(super) fn state(
    _: Config,
    _: CloudSettings,
    _: Arc<dyn Clock>,
) -> Result<AppState, StartError> {
    Err(StartError::Unlinked(
        "questa funzione non contiene gli adattatori del cloud (DynamoDB)",
    ))
}

#[cfg(feature = "s3")]
fn archive(
    sdk: &aws_config::SdkConfig,
    cloud: &CloudSettings,
    clock: Arc<dyn Clock>,
) -> Arc<dyn ArchiveStore> {
    Arc::new(crate::adapters::s3::S3Archive::new(
        sdk,
        &cloud.bucket,
        clock,
    ))
}

#[cfg(all(feature = "dynamo", not(feature = "s3")))]
fn archive(
    _: &aws_config::SdkConfig,
    _: &CloudSettings,
    _: Arc<dyn Clock>,
) -> Arc<dyn ArchiveStore> {
    Arc::new(crate::adapters::unlinked::Unlinked(
        "the archive (S3): not in this function",
    ))
}

/// The KMS key when this function seals; otherwise the seal's certificate alone.
#[cfg(feature = "kms")]
fn signer(
    sdk: &aws_config::SdkConfig,
    cloud: &CloudSettings,
    chain: Vec<Vec<u8>>,
) -> Arc<dyn Signer> {
    Arc::new(crate::adapters::kms::KmsSigner::new(
        aws_sdk_kms::Client::new(sdk),
        &cloud.kms_key_id,
        chain,
    ))
}

#[cfg(all(feature = "dynamo", not(feature = "kms")))]
fn signer(_: &aws_config::SdkConfig, _: &CloudSettings, chain: Vec<Vec<u8>>) -> Arc<dyn Signer> {
    Arc::new(crate::adapters::unlinked::PublishedChain(chain))
}

#[cfg(feature = "smtp")]
fn mailer(config: &Config, cloud: &CloudSettings) -> Arc<dyn Mailer> {
    Arc::new(crate::adapters::smtp::SmtpMailer::new(
        &cloud.smtp,
        &config.mail_from,
    ))
}

#[cfg(not(feature = "smtp"))]
fn mailer(_: &Config, _: &CloudSettings) -> Arc<dyn Mailer> {
    Arc::new(crate::adapters::unlinked::Unlinked(
        "e-mail (SMTP): not in this function",
    ))
}

/// GPD and Checkout when `PAGOPA_GPD_URL` is set; otherwise payments are not active.
#[cfg(feature = "http")]
pub(super) fn payments(config: &Config) -> Result<Arc<dyn Payments>, StartError> {
    Ok(match &config.pagopa {
        Some(endpoints) => Arc::new(crate::adapters::pagopa::PagoPaHttp::new(
            endpoints.clone(),
            config.creditor.clone(),
        )?),
        None => Arc::new(crate::adapters::no_payments::NoPayments),
    })
}

#[cfg(not(feature = "http"))]
pub(super) fn payments(_: &Config) -> Result<Arc<dyn Payments>, StartError> {
    Ok(Arc::new(crate::adapters::no_payments::NoPayments))
}

/// The TSA of `TSA_URL`, if any (seals are then PAdES B-T).
#[cfg(feature = "http")]
pub(super) fn timestamper(config: &Config) -> Result<Option<Arc<dyn Timestamper>>, StartError> {
    Ok(match &config.tsa {
        Some(t) => Some(Arc::new(crate::adapters::http_tsa::HttpTsa::new(
            t.clone(),
        )?)),
        None => None,
    })
}

#[cfg(not(feature = "http"))]
pub(super) fn timestamper(_: &Config) -> Result<Option<Arc<dyn Timestamper>>, StartError> {
    Ok(None)
}
