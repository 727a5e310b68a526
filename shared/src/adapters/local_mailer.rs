//! `Mailer` that writes each message as an `.eml` file in `<DATA_DIR>/outbox`.

use async_trait::async_trait;
use lettre::{AsyncFileTransport, AsyncTransport, Tokio1Executor};
use std::path::Path;

use super::mime::build_message;
use crate::ports::{Mail, Mailer, Port, PortError, PortResult};

pub struct OutboxMailer {
    transport: AsyncFileTransport<Tokio1Executor>,
    from: String,
}

impl OutboxMailer {
    pub fn open(dir: &Path, from: &str) -> PortResult<Self> {
        std::fs::create_dir_all(dir)
            .map_err(|e| PortError::unavailable(Port::Mailer, e.to_string()))?;
        Ok(OutboxMailer {
            transport: AsyncFileTransport::new(dir),
            from: from.to_string(),
        })
    }
}

#[async_trait]
impl Mailer for OutboxMailer {
    async fn send(&self, mail: &Mail) -> PortResult<()> {
        let message = build_message(&self.from, mail)?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| PortError::DeliveryFailed(e.to_string()))
    }
}
