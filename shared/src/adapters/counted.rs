//! Adapters that count what another does: e-mails sent and failed, seal signatures refused.
//! Every function's mailer and signer are wrapped in them, so the metrics hold whoever sends.

use std::sync::Arc;

use async_trait::async_trait;

use crate::metrics;
use crate::ports::{Mail, Mailer, Metrics, PortResult, SignatureAlgorithm, Signer};

pub struct CountedMailer {
    pub inner: Arc<dyn Mailer>,
    pub metrics: Arc<dyn Metrics>,
}

#[async_trait]
impl Mailer for CountedMailer {
    async fn send(&self, mail: &Mail) -> PortResult<()> {
        let sent = self.inner.send(mail).await;
        self.metrics.count(metrics::mail(sent.is_ok()));
        sent
    }
}

pub struct CountedSigner {
    pub inner: Arc<dyn Signer>,
    pub metrics: Arc<dyn Metrics>,
}

#[async_trait]
impl Signer for CountedSigner {
    fn algorithm(&self) -> SignatureAlgorithm {
        self.inner.algorithm()
    }

    async fn public_key_der(&self) -> PortResult<Vec<u8>> {
        self.inner.public_key_der().await
    }

    async fn certificate_chain(&self) -> PortResult<Vec<Vec<u8>>> {
        self.inner.certificate_chain().await
    }

    async fn sign(&self, message: &[u8]) -> PortResult<Vec<u8>> {
        let signed = self.inner.sign(message).await;
        if signed.is_err() {
            self.metrics.count(metrics::seal_failure());
        }
        signed
    }
}
