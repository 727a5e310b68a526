//! `Mailer` over SMTP with lettre (SES's SMTP interface in production): STARTTLS required
//! and credentials from configuration; plain SMTP only when explicitly configured (tests).
//! The transport (and its TLS roots) is built on the first e-mail, not at start: most
//! invocations send none, and loading the roots would cost every cold start ~5 ms.

use async_trait::async_trait;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use super::mime::build_message;
use crate::config::SmtpSettings;
use crate::ports::{Mail, Mailer, Port, PortError, PortResult};

pub struct SmtpMailer {
    settings: SmtpSettings,
    transport: tokio::sync::OnceCell<AsyncSmtpTransport<Tokio1Executor>>,
    from: String,
}

impl SmtpMailer {
    pub fn new(s: &SmtpSettings, from: &str) -> Self {
        SmtpMailer {
            settings: s.clone(),
            transport: tokio::sync::OnceCell::new(),
            from: from.to_string(),
        }
    }

    fn build(s: &SmtpSettings) -> PortResult<AsyncSmtpTransport<Tokio1Executor>> {
        let mut b = if s.starttls {
            AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&s.host)
                .map_err(|e| PortError::unavailable(Port::Mailer, e.to_string()))?
        } else {
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&s.host)
        }
        .port(s.port);
        if let (Some(u), Some(p)) = (&s.username, &s.password) {
            b = b.credentials(Credentials::new(u.clone(), p.clone()));
        }
        Ok(b.build())
    }
}

#[async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, mail: &Mail) -> PortResult<()> {
        let message = build_message(&self.from, mail)?;
        let transport = self
            .transport
            .get_or_try_init(|| async { Self::build(&self.settings) })
            .await?;
        transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| PortError::DeliveryFailed(e.to_string()))
    }
}
