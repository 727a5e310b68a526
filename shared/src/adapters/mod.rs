//! Adapters of the ports. Local ones persist under `DATA_DIR`; cloud ones pass the same
//! contract tests. Each family is behind a cargo feature of `shared` (its Cargo.toml), so a
//! function's binary holds only the adapters it uses; the others are `unlinked`.

pub mod clock;
pub mod counted;
pub mod emf;
pub mod mail_notifier;
#[cfg(any(feature = "local", feature = "smtp"))]
mod mime;
pub mod no_payments;
pub mod store_protocollo;
#[cfg(any(feature = "local", feature = "http"))]
mod tsp;
pub mod unlinked;

#[cfg(feature = "local")]
pub mod ecdsa;
#[cfg(feature = "local")]
pub mod local_archive;
#[cfg(feature = "local")]
pub mod local_mailer;
#[cfg(feature = "local")]
pub mod local_pagopa;
#[cfg(feature = "local")]
pub mod local_signer;
#[cfg(feature = "local")]
pub mod local_store;
#[cfg(feature = "local")]
pub mod local_tsa;

#[cfg(feature = "dynamo")]
pub mod dynamo;
#[cfg(feature = "dynamo")]
mod dynamo_batch;
#[cfg(feature = "kms")]
pub mod kms;
#[cfg(feature = "s3")]
pub mod s3;
#[cfg(feature = "dynamo")]
pub mod sdk;
#[cfg(feature = "smtp")]
pub mod smtp;

#[cfg(feature = "http")]
pub mod http_tsa;
#[cfg(feature = "https")]
pub mod https;
#[cfg(feature = "http")]
pub mod pagopa;
#[cfg(feature = "http")]
pub mod revocation_http;
