//! The MIME message of a `Mail`, as every mailer sends it.

use crate::ports::{Mail, PortError, PortResult};

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
