//! `ArchiveStore` on an S3 bucket: objects under their key, server-side encrypted, with the
//! expiry in the `expires-at` metadata. The code answers from that expiry; the bucket's
//! lifecycle rules only clean up afterwards.
//!
//! The bucket has versioning and Object Lock (`template.yaml`): each object is written only
//! if its key is free (`If-None-Match: *`) and locked in governance mode until its expiry, so
//! an original can be neither overwritten nor destroyed before then — a deletion by the
//! service only hides it behind a delete marker; its version stays until the lock ends.
//!
//! Three calls of S3's REST API (PutObject, GetObject, DeleteObject), signed with AWS's own
//! SigV4 library (`aws-sigv4`) and sent through the SDK's HTTP connector (`super::https`):
//! the S3 SDK crate would add about a megabyte to each function (its checksum tables among
//! it) for these three. `tests/tests/cloud.rs` runs them against moto's S3.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use aws_config::SdkConfig;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_sigv4::http_request::{
    sign, PayloadChecksumKind, PercentEncodingMode, SignableBody, SignableRequest, SigningSettings,
    UriPathNormalizationMode,
};
use aws_sigv4::sign::v4;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use chrono::{DateTime, SecondsFormat, Utc};
use http::{Method, StatusCode};
use sha2::{Digest, Sha256};

use super::https;
use crate::ports::{ArchiveStore, Clock, Port, PortError, PortResult};

/// The biggest original read back (a certificate is well under 1 MB).
const OBJECT_LIMIT: usize = 16 * 1024 * 1024;

pub struct S3Archive {
    http: https::Client,
    /// `https://<bucket>.s3.<region>.amazonaws.com`, or `<endpoint>/<bucket>` (path style)
    /// where `AWS_ENDPOINT_URL` points at a test server.
    base: String,
    region: String,
    credentials: Option<SharedCredentialsProvider>,
    clock: Arc<dyn Clock>,
}

fn backend(e: impl std::fmt::Display) -> PortError {
    PortError::unavailable(Port::Archive, e.to_string())
}

/// A key as a URI path: each segment percent-encoded, the slashes kept.
fn path(key: &str) -> String {
    key.split('/')
        .map(|s| percent_encoding::utf8_percent_encode(s, UNRESERVED).to_string())
        .collect::<Vec<_>>()
        .join("/")
}

const UNRESERVED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

impl S3Archive {
    pub fn new(sdk: &SdkConfig, bucket: &str, clock: Arc<dyn Clock>) -> Self {
        let region = sdk
            .region()
            .map(|r| r.as_ref().to_string())
            .unwrap_or_else(|| "eu-south-1".into());
        let base = match sdk.endpoint_url() {
            Some(endpoint) => format!("{}/{bucket}", endpoint.trim_end_matches('/')),
            None => format!("https://{bucket}.s3.{region}.amazonaws.com"),
        };
        S3Archive {
            http: https::Client::new(Duration::from_secs(5), Duration::from_secs(30)),
            base,
            region,
            credentials: sdk.credentials_provider(),
            clock,
        }
    }

    /// Sends one signed request for `key`; the answer whatever its status.
    async fn send(
        &self,
        method: Method,
        key: &str,
        headers: &[(&str, String)],
        body: Vec<u8>,
    ) -> PortResult<https::Answer> {
        let mut req =
            http::Request::builder()
                .method(method)
                .uri(format!("{}/{}", self.base, path(key)));
        for (name, value) in headers {
            req = req.header(*name, value);
        }
        let mut req = req.body(body).map_err(backend)?;
        let credentials = self
            .credentials
            .as_ref()
            .ok_or(PortError::NotConfigured("AWS credentials"))?
            .provide_credentials()
            .await
            .map_err(backend)?;
        let identity = credentials.into();
        let mut settings = SigningSettings::default();
        settings.percent_encoding_mode = PercentEncodingMode::Single;
        settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
        // As the S3 SDK signs: the key's path as sent, not normalised.
        settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name("s3")
            .time(SystemTime::now())
            .settings(settings)
            .build()
            .map_err(backend)?
            .into();
        let signable = SignableRequest::new(
            req.method().as_str(),
            req.uri().to_string(),
            req.headers()
                .iter()
                .filter_map(|(n, v)| Some((n.as_str(), v.to_str().ok()?))),
            SignableBody::Bytes(req.body()),
        )
        .map_err(backend)?;
        let (instructions, _) = sign(signable, &params).map_err(backend)?.into_parts();
        instructions.apply_to_request_http1x(&mut req);
        self.http.send(req).await.map_err(backend)
    }
}

/// S3's refusal, with its error code and never the body's other contents.
async fn refused(op: &str, answer: https::Answer) -> PortError {
    let status = answer.status;
    let body = answer.body(64 * 1024).await.unwrap_or_default();
    let text = String::from_utf8_lossy(&body);
    let code = text
        .split_once("<Code>")
        .and_then(|(_, rest)| rest.split_once("</Code>"))
        .map_or("", |(code, _)| code);
    backend(format!("{op}: S3 answered {status} {code}"))
}

#[async_trait]
impl ArchiveStore for S3Archive {
    async fn put(&self, key: &str, bytes: &[u8], expires_at: DateTime<Utc>) -> PortResult<()> {
        let until = expires_at.to_rfc3339_opts(SecondsFormat::Secs, true);
        let headers = [
            ("if-none-match", "*".to_string()),
            ("content-type", "application/pdf".to_string()),
            ("x-amz-server-side-encryption", "AES256".to_string()),
            // Object Lock wants the body's checksum, and says which (as the SDK sends it).
            ("x-amz-sdk-checksum-algorithm", "SHA256".to_string()),
            ("x-amz-checksum-sha256", B64.encode(Sha256::digest(bytes))),
            ("x-amz-object-lock-mode", "GOVERNANCE".to_string()),
            ("x-amz-object-lock-retain-until-date", until),
            ("x-amz-meta-expires-at", expires_at.to_rfc3339()),
        ];
        let answer = self
            .send(Method::PUT, key, &headers, bytes.to_vec())
            .await?;
        match answer.status {
            s if s.is_success() => Ok(()),
            // The key is taken: the same bytes again are a retry; other bytes are refused.
            StatusCode::PRECONDITION_FAILED => match self.get(key).await?.as_deref() == Some(bytes)
            {
                true => Ok(()),
                false => Err(PortError::ConditionFailed),
            },
            _ => Err(refused("PutObject", answer).await),
        }
    }

    async fn get(&self, key: &str) -> PortResult<Option<Vec<u8>>> {
        let answer = self.send(Method::GET, key, &[], Vec::new()).await?;
        match answer.status {
            StatusCode::OK => {}
            StatusCode::NOT_FOUND => return Ok(None),
            _ => return Err(refused("GetObject", answer).await),
        }
        let expires = answer
            .headers
            .get("x-amz-meta-expires-at")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| DateTime::parse_from_rfc3339(v).ok())
            .ok_or_else(|| backend(format!("archived object {key} without expiry")))?;
        if expires <= self.clock.now() {
            return Ok(None);
        }
        answer.body(OBJECT_LIMIT).await.map(Some).map_err(backend)
    }

    async fn delete(&self, key: &str) -> PortResult<()> {
        let answer = self.send(Method::DELETE, key, &[], Vec::new()).await?;
        match answer.status {
            s if s.is_success() => Ok(()),
            _ => Err(refused("DeleteObject", answer).await),
        }
    }
}
