//! Adapters of the ports. Local ones persist under `DATA_DIR`; cloud ones come with the
//! cloud issue and pass the same contract tests.

pub mod clock;
pub mod counted;
pub mod dynamo;
mod dynamo_batch;
pub mod ecdsa;
pub mod emf;
pub mod http_tsa;
pub mod kms;
pub mod local_archive;
pub mod local_mailer;
pub mod local_pagopa;
pub mod local_signer;
pub mod local_store;
pub mod local_tsa;
pub mod mail_notifier;
pub mod no_payments;
pub mod pagopa;
pub mod revocation_http;
pub mod s3;
pub mod smtp;
pub mod store_protocollo;
