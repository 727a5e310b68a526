//! How a document reaches the citizen: downloaded, or e-mailed with their own text to the
//! address they typed (or their profile's) and an optional copy. Certificates and
//! declarations share it. Everything is checked before anything is issued: the addresses
//! (one address each, no line breaks), the text (plain, at most `MESSAGE_MAX` characters)
//! and the citizen's e-mails of the day (at most `Config::mail_daily_limit`): the portal
//! sends in the comune's name, so it must not become a channel for anyone's messages.

use serde::Deserialize;

use chrono::Duration;

use super::errors::{Invalid, TooMany};
use super::sessions::Session;
use super::ServiceResult;
use crate::app::AppState;
use crate::keys;
use crate::ports::{Attachment, Mail, PortError};

/// The longest text a citizen may put before the portal's.
pub const MESSAGE_MAX: usize = 2000;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    #[default]
    Download,
    Email,
}

/// The delivery fields of a request body.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DeliveryRequest {
    #[serde(default)]
    pub delivery: Delivery,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub cc: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
}

/// A request body: what is asked for, and how to deliver it.
#[derive(Debug, Clone, Deserialize)]
pub struct DeliveryBody<T> {
    #[serde(flatten)]
    pub request: T,
    #[serde(flatten)]
    pub delivery: DeliveryRequest,
}

/// Where an e-mail goes, checked, and who asked for it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, Deserialize)]
pub struct Recipients {
    pub to: String,
    pub cc: Vec<String>,
    /// The citizen's own text, placed before the portal's.
    pub message: Option<String>,
    /// "COGNOME NOME" of the citizen who sends it, named in every e-mail.
    pub sender: String,
}

/// Whether `a` is one e-mail address (and nothing else: no line breaks, no list).
pub fn is_address(a: &str) -> bool {
    a.len() <= 254 && !a.chars().any(char::is_control) && a.parse::<lettre::Address>().is_ok()
}

fn checked(a: &str) -> Result<String, Invalid> {
    let a = a.trim();
    if is_address(a) {
        Ok(a.to_string())
    } else {
        Err(Invalid::Email(a.to_string()))
    }
}

impl DeliveryRequest {
    /// For an e-mail delivery, the checked recipients: the address typed, or the one of the
    /// citizen's profile. `None` for a download.
    pub fn recipients(&self, actor: &Session) -> ServiceResult<Option<Recipients>> {
        if self.delivery == Delivery::Download {
            return Ok(None);
        }
        let to = self
            .email
            .clone()
            .filter(|e| !e.trim().is_empty())
            .or_else(|| actor.identity.email.clone())
            .ok_or(Invalid::EmailRequired)?;
        let cc = self
            .cc
            .as_deref()
            .filter(|c| !c.trim().is_empty())
            .map(checked)
            .transpose()?
            .into_iter()
            .collect();
        let message = self
            .message
            .as_deref()
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .map(str::to_string);
        if message
            .as_ref()
            .is_some_and(|m| m.chars().count() > MESSAGE_MAX)
        {
            return Err(Invalid::MessageTooLong { max: MESSAGE_MAX }.into());
        }
        let who = &actor.identity;
        Ok(Some(Recipients {
            to: checked(&to)?,
            cc,
            message,
            sender: format!("{} {}", who.cognome.to_uppercase(), who.nome.to_uppercase()),
        }))
    }
}

/// Counts one e-mail of the citizen today, refusing it beyond the daily limit. Called
/// before the document is made, so a refused e-mail issues nothing.
pub async fn count_mail(app: &AppState, actor: &Session) -> ServiceResult<()> {
    let limit = app.config.mail_daily_limit;
    let today = app.clock.today();
    let key = keys::mails_of_day(&actor.identity.codice_fiscale, today);
    let until = app.clock.now() + Duration::days(2);
    let n = app
        .store
        .increment(&key.pk, &key.sk, 1, Some(until))
        .await?;
    if n > i64::from(limit) {
        return Err(TooMany::MailsToday { limit }.into());
    }
    Ok(())
}

/// A PDF to send, with the portal's subject and text.
pub struct Letter {
    pub subject: String,
    pub body: String,
    pub filename: String,
    pub pdf: Vec<u8>,
}

/// Sends the letter to the recipients: who sends it through the portal, their text, the
/// portal's.
pub async fn send_pdf(app: &AppState, to: &Recipients, letter: Letter) -> Result<(), PortError> {
    let mut text = format!(
        "{} ti invia questo documento tramite i Servizi Demografici online del Comune di {}.\n\n",
        to.sender, app.config.municipality.name
    );
    if let Some(m) = &to.message {
        text.push_str(m);
        text.push_str("\n\n---\n");
    }
    text.push_str(&letter.body);
    let mail = Mail {
        to: vec![to.to.clone()],
        cc: to.cc.clone(),
        subject: letter.subject,
        text,
        attachments: vec![Attachment {
            filename: letter.filename,
            content_type: "application/pdf".into(),
            bytes: letter.pdf,
        }],
    };
    app.mailer.send(&mail).await.inspect_err(|e| {
        tracing::error!(error = %e, "e-mail not sent");
    })
}
