//! `Mailer` that writes each message as an `.eml` file in `<DATA_DIR>/outbox`.

use async_trait::async_trait;
use lettre::{AsyncFileTransport, AsyncTransport, Tokio1Executor};
use std::path::Path;

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

/// Builds the MIME message: a plain-text part and the attachments.
pub fn build_message(from: &str, mail: &Mail) -> PortResult<lettre::Message> {
    use lettre::message::{header::ContentType, Attachment, MultiPart, SinglePart};
    let bad = |e: &dyn std::fmt::Display| PortError::DeliveryFailed(format!("invalid mail: {e}"));
    let mut b = lettre::Message::builder()
        .from(from.parse().map_err(|e| bad(&e))?)
        .subject(&mail.subject);
    for to in &mail.to {
        b = b.to(to.parse().map_err(|e| bad(&e))?);
    }
    for cc in &mail.cc {
        b = b.cc(cc.parse().map_err(|e| bad(&e))?);
    }
    let mut body = MultiPart::mixed().singlepart(SinglePart::plain(mail.text.clone()));
    for a in &mail.attachments {
        let ct = ContentType::parse(&a.content_type).map_err(|e| bad(&e))?;
        body = body.singlepart(Attachment::new(a.filename.clone()).body(a.bytes.clone(), ct));
    }
    b.multipart(body).map_err(|e| bad(&e))
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
