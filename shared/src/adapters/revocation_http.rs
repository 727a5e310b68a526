//! `RevocationSource` over HTTP, with a short timeout, no redirects and a size cap: the CRL at
//! a distribution point, kept for `cns::CRL_CACHE` (a CA publishes a new list every few hours;
//! webpki refuses a list past its nextUpdate anyway), and OCSP (RFC 6960 §A.1: the DER request
//! POSTed as `application/ocsp-request`), never cached.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use async_trait::async_trait;

use super::https;
use crate::cns::CRL_CACHE;
use crate::ports::{Port, PortError, PortResult, RevocationSource};

/// The biggest list read: a regional CA's CRL is a few MB.
const CRL_LIMIT: usize = 32 * 1024 * 1024;
/// An OCSP answer is a few KB (with its responder's certificate).
const OCSP_LIMIT: usize = 64 * 1024;

pub struct HttpRevocation {
    client: https::Client,
    cache: Mutex<HashMap<String, (Instant, Vec<u8>)>>,
}

fn failed(e: impl std::fmt::Display) -> PortError {
    PortError::unavailable(Port::RevocationLists, e.to_string())
}

impl HttpRevocation {
    pub fn new() -> PortResult<Self> {
        Ok(HttpRevocation {
            client: https::Client::new(Duration::from_secs(5), Duration::from_secs(5)),
            cache: Mutex::new(HashMap::new()),
        })
    }

    fn cached(&self, url: &str) -> Option<Vec<u8>> {
        let cache = self.cache.lock().ok()?;
        let (at, der) = cache.get(url)?;
        (at.elapsed() < CRL_CACHE).then(|| der.clone())
    }

    /// The body of a successful answer to `req`, read up to `limit`.
    async fn fetch(
        &self,
        req: http::request::Builder,
        body: Vec<u8>,
        limit: usize,
    ) -> PortResult<Vec<u8>> {
        let req = req.body(body).map_err(failed)?;
        self.client.fetch(req, limit).await.map_err(failed)
    }
}

fn http(url: &str) -> PortResult<()> {
    if url.starts_with("http://") || url.starts_with("https://") {
        Ok(())
    } else {
        Err(failed("address is not http(s)"))
    }
}

#[async_trait]
impl RevocationSource for HttpRevocation {
    async fn crl(&self, url: &str) -> PortResult<Vec<u8>> {
        http(url)?;
        if let Some(der) = self.cached(url) {
            return Ok(der);
        }
        let der = self
            .fetch(http::Request::get(url), Vec::new(), CRL_LIMIT)
            .await?;
        if let Ok(mut cache) = self.cache.lock() {
            cache.insert(url.to_string(), (Instant::now(), der.clone()));
        }
        Ok(der)
    }

    async fn ocsp(&self, url: &str, request: &[u8]) -> PortResult<Vec<u8>> {
        http(url)?;
        let req = http::Request::post(url)
            .header("Content-Type", "application/ocsp-request")
            .header("Accept", "application/ocsp-response");
        self.fetch(req, request.to_vec(), OCSP_LIMIT).await
    }
}
