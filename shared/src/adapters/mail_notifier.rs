//! Notices to citizens by e-mail through the `Mailer` (the local outbox, or SMTP). A citizen
//! without an e-mail address is not written to: the portal shows every change anyway.

use std::sync::Arc;

use async_trait::async_trait;

use crate::ports::{Mail, Mailer, Notice, Notifier, PortResult};

pub struct MailNotifier {
    mailer: Arc<dyn Mailer>,
}

impl MailNotifier {
    pub fn new(mailer: Arc<dyn Mailer>) -> Self {
        MailNotifier { mailer }
    }
}

#[async_trait]
impl Notifier for MailNotifier {
    async fn notify(&self, n: &Notice) -> PortResult<()> {
        let Some(to) = &n.email else {
            return Ok(());
        };
        let text = format!(
            "{}\n\nSegui la pratica, leggi i messaggi dell'ufficio e scarica i documenti qui:\n{}\n\nQuesto messaggio è inviato automaticamente: non rispondere.",
            n.text, n.link
        );
        self.mailer
            .send(&Mail {
                to: vec![to.clone()],
                cc: vec![],
                subject: n.subject.clone(),
                text,
                attachments: n.document.iter().cloned().collect(),
            })
            .await
    }
}
