//! `Timestamper` over HTTP (RFC 3161 §3.4): a TimeStampReq with a nonce, POSTed as
//! `application/timestamp-query` to the configured TSA (`TSA_URL`, optionally with basic
//! credentials), whose TimeStampResp must grant a token over the same imprint and nonce.

use std::time::Duration;

use async_trait::async_trait;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use cmpv2::status::PkiStatus;
use der::asn1::Int;
use der::{Decode, Encode};
use http::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE};
use x509_tsp::{TimeStampReq, TimeStampResp, TspVersion, TstInfo};

use super::https;
use super::tsp::{random_positive, sha256_imprint};
use crate::config::TsaSettings;
use crate::ports::{Port, PortError, PortResult, Timestamper};

/// The biggest TimeStampResp read (a token with a certificate chain is a few KB).
const RESPONSE_LIMIT: usize = 64 * 1024;

pub struct HttpTsa {
    client: https::Client,
    settings: TsaSettings,
}

fn failed(e: impl std::fmt::Display) -> PortError {
    PortError::unavailable(Port::Timestamper, e.to_string())
}

impl HttpTsa {
    pub fn new(settings: TsaSettings) -> PortResult<Self> {
        http::Uri::try_from(settings.url.as_str())
            .ok()
            .filter(|u| matches!(u.scheme_str(), Some("https" | "http")))
            .ok_or(PortError::NotConfigured("TSA_URL (an http(s) address)"))?;
        let client = https::Client::new(Duration::from_secs(5), Duration::from_secs(10));
        Ok(HttpTsa { client, settings })
    }

    async fn post(&self, body: Vec<u8>) -> PortResult<Vec<u8>> {
        let mut req = http::Request::post(&self.settings.url)
            .header(CONTENT_TYPE, "application/timestamp-query");
        if let Some(user) = &self.settings.username {
            let password = self.settings.password.as_deref().unwrap_or_default();
            let mut basic = HeaderValue::try_from(format!(
                "Basic {}",
                STANDARD.encode(format!("{user}:{password}"))
            ))
            .map_err(|_| PortError::NotConfigured("TSA credentials"))?;
            basic.set_sensitive(true);
            req = req.header(AUTHORIZATION, basic);
        }
        let req = req.body(body).map_err(failed)?;
        self.client
            .fetch(req, RESPONSE_LIMIT)
            .await
            .map_err(|e| failed(format!("TSA: {e}")))
    }
}

/// The token of a response, checked against what was asked.
fn granted(resp: &[u8], digest: &[u8; 32], nonce: &Int) -> PortResult<Vec<u8>> {
    let resp = TimeStampResp::from_der(resp).map_err(failed)?;
    if !matches!(
        resp.status.status,
        PkiStatus::Accepted | PkiStatus::GrantedWithMods
    ) {
        return Err(failed(format!("TSA refused: {:?}", resp.status.status)));
    }
    let token = resp.time_stamp_token.ok_or_else(|| failed("no token"))?;
    let sd: cms::signed_data::SignedData = token.content.decode_as().map_err(failed)?;
    let info = sd
        .encap_content_info
        .econtent
        .as_ref()
        .ok_or_else(|| failed("token without TSTInfo"))?;
    let info = TstInfo::from_der(info.value()).map_err(failed)?;
    if info.message_imprint.hashed_message.as_bytes() != digest
        || info.nonce.as_ref() != Some(nonce)
    {
        return Err(failed("the token is not for this request"));
    }
    token.to_der().map_err(failed)
}

#[async_trait]
impl Timestamper for HttpTsa {
    async fn timestamp(&self, digest: &[u8; 32]) -> PortResult<Vec<u8>> {
        let nonce = random_positive()?;
        let req = TimeStampReq {
            version: TspVersion::V1,
            message_imprint: sha256_imprint(digest)?,
            req_policy: None,
            nonce: Some(nonce.clone()),
            cert_req: true,
            extensions: None,
        };
        let answer = self.post(req.to_der().map_err(failed)?).await?;
        granted(&answer, digest, &nonce)
    }
}
