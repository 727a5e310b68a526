//! How a document reaches the citizen: downloaded, or e-mailed with their own text to the
//! address they typed (or their profile's) and an optional copy. Certificates and
//! declarations share it. The addresses are checked before anything is issued.

use serde::Deserialize;

use super::errors::Invalid;
use super::sessions::Session;
use super::ServiceResult;
use crate::app::AppState;
use crate::ports::{Attachment, Mail, PortError};

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

/// Where an e-mail goes, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipients {
    pub to: String,
    pub cc: Vec<String>,
    /// The citizen's own text, placed before the portal's.
    pub message: Option<String>,
}

/// Whether `a` is one e-mail address (and nothing else).
pub fn is_address(a: &str) -> bool {
    a.len() <= 254 && a.parse::<lettre::Address>().is_ok()
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
        Ok(Some(Recipients {
            to: checked(&to)?,
            cc,
            message,
        }))
    }
}

/// A PDF to send, with the portal's subject and text.
pub struct Letter {
    pub subject: String,
    pub body: String,
    pub filename: String,
    pub pdf: Vec<u8>,
}

/// Sends the letter to the recipients, the citizen's text first.
pub async fn send_pdf(app: &AppState, to: &Recipients, letter: Letter) -> Result<(), PortError> {
    let mut text = String::new();
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
