//! `CrlSource` over HTTP: the CRL at a distribution point, fetched with a short timeout, no
//! redirects and a size cap, kept for `cns::CRL_CACHE` (a CA publishes a new list every few
//! hours; webpki refuses a list past its nextUpdate anyway).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use async_trait::async_trait;

use crate::cns::CRL_CACHE;
use crate::ports::{CrlSource, Port, PortError, PortResult};

/// The biggest list read: a regional CA's CRL is a few MB.
const CRL_LIMIT: usize = 32 * 1024 * 1024;

pub struct HttpCrls {
    client: reqwest::Client,
    cache: Mutex<HashMap<String, (Instant, Vec<u8>)>>,
}

fn failed(e: impl std::fmt::Display) -> PortError {
    PortError::unavailable(Port::RevocationLists, e.to_string())
}

impl HttpCrls {
    pub fn new() -> PortResult<Self> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(failed)?;
        Ok(HttpCrls {
            client,
            cache: Mutex::new(HashMap::new()),
        })
    }

    fn cached(&self, url: &str) -> Option<Vec<u8>> {
        let cache = self.cache.lock().ok()?;
        let (at, der) = cache.get(url)?;
        (at.elapsed() < CRL_CACHE).then(|| der.clone())
    }

    async fn fetch(&self, url: &str) -> PortResult<Vec<u8>> {
        let mut resp = self.client.get(url).send().await.map_err(failed)?;
        if !resp.status().is_success() {
            return Err(failed(format!("CRL answered {}", resp.status())));
        }
        let mut der = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(failed)? {
            if der.len() + chunk.len() > CRL_LIMIT {
                return Err(failed("CRL too large"));
            }
            der.extend_from_slice(&chunk);
        }
        Ok(der)
    }
}

#[async_trait]
impl CrlSource for HttpCrls {
    async fn crl(&self, url: &str) -> PortResult<Vec<u8>> {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(failed("CRL address is not http(s)"));
        }
        if let Some(der) = self.cached(url) {
            return Ok(der);
        }
        let der = self.fetch(url).await?;
        if let Ok(mut cache) = self.cache.lock() {
            cache.insert(url.to_string(), (Instant::now(), der.clone()));
        }
        Ok(der)
    }
}
