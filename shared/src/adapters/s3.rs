//! `ArchiveStore` on an S3 bucket: objects under their key, server-side encrypted, with the
//! expiry in the `expires-at` metadata. The code answers from that expiry; the bucket's
//! lifecycle rules only clean up afterwards.
//!
//! The bucket has versioning and Object Lock (`template.yaml`): each object is written only
//! if its key is free (`If-None-Match: *`) and locked in governance mode until its expiry, so
//! an original can be neither overwritten nor destroyed before then — a deletion by the
//! service only hides it behind a delete marker; its version stays until the lock ends.

use std::sync::Arc;

use async_trait::async_trait;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{ChecksumAlgorithm, ObjectLockMode, ServerSideEncryption};
use aws_sdk_s3::Client;
use chrono::{DateTime, Utc};

use crate::ports::{ArchiveStore, Clock, Port, PortError, PortResult};

pub struct S3Archive {
    client: Client,
    bucket: String,
    clock: Arc<dyn Clock>,
}

fn backend(e: impl std::error::Error) -> PortError {
    PortError::unavailable(
        Port::Archive,
        aws_sdk_s3::error::DisplayErrorContext(e).to_string(),
    )
}

impl S3Archive {
    pub fn new(client: Client, bucket: impl Into<String>, clock: Arc<dyn Clock>) -> Self {
        S3Archive {
            client,
            bucket: bucket.into(),
            clock,
        }
    }
}

#[async_trait]
impl ArchiveStore for S3Archive {
    async fn put(&self, key: &str, bytes: &[u8], expires_at: DateTime<Utc>) -> PortResult<()> {
        let written = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .if_none_match("*")
            .body(ByteStream::from(bytes.to_vec()))
            .content_type("application/pdf")
            .server_side_encryption(ServerSideEncryption::Aes256)
            .checksum_algorithm(ChecksumAlgorithm::Sha256)
            .object_lock_mode(ObjectLockMode::Governance)
            .object_lock_retain_until_date(aws_sdk_s3::primitives::DateTime::from_secs(
                expires_at.timestamp(),
            ))
            .metadata("expires-at", expires_at.to_rfc3339())
            .send()
            .await;
        match written {
            Ok(_) => Ok(()),
            // The key is taken: the same bytes again are a retry; other bytes are refused.
            Err(e) if e.raw_response().is_some_and(|r| r.status().as_u16() == 412) => {
                match self.get(key).await?.as_deref() == Some(bytes) {
                    true => Ok(()),
                    false => Err(PortError::ConditionFailed),
                }
            }
            Err(e) => Err(backend(e)),
        }
    }

    async fn get(&self, key: &str) -> PortResult<Option<Vec<u8>>> {
        let out = match self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
        {
            Ok(o) => o,
            Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => return Ok(None),
            Err(e) => return Err(backend(e)),
        };
        let expires = out
            .metadata()
            .and_then(|m| m.get("expires-at"))
            .and_then(|v| DateTime::parse_from_rfc3339(v).ok())
            .ok_or_else(|| {
                PortError::unavailable(
                    Port::Archive,
                    format!("archived object {key} without expiry"),
                )
            })?;
        if expires <= self.clock.now() {
            return Ok(None);
        }
        let bytes = out
            .body
            .collect()
            .await
            .map_err(|e| PortError::unavailable(Port::Archive, e.to_string()))?;
        Ok(Some(bytes.into_bytes().to_vec()))
    }

    async fn delete(&self, key: &str) -> PortResult<()> {
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(backend)?;
        Ok(())
    }
}
