//! The bodies sent to GPD and Checkout, as their OpenAPI files name them
//! (`tests/fixtures/pagopa/`), after the checks the schemas leave to the client.

use base64::Engine;
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde::Serialize;

use crate::domain::payments::{self, Creditor};
use crate::ports::{CartItem, DebtPosition, PortError, PortResult, ReturnUrls, TransferKind};

/// GPD accepts up to five transfers per option (`idTransfer` "1".."5"), Checkout up to five
/// notices per cart.
const MAX_TRANSFERS: usize = 5;
const MAX_NOTICES: usize = 5;
/// The option's `retentionDate` (the file does not describe it; pagoPA's samples set it
/// after the due date): 90 days after it.
const RETENTION: Duration = Duration::days(90);
/// `maxLength` of the descriptions and names in both files (JSON Schema counts characters).
const TEXT: usize = 140;

fn wrong(what: impl std::fmt::Display) -> PortError {
    PortError::Corrupt(format!("pagoPA request not sent: {what}"))
}

/// At most `TEXT` characters, cut on a character boundary.
fn clip(s: &str) -> String {
    s.chars().take(TEXT).collect()
}

fn cents(amount: u64, what: &str) -> PortResult<i64> {
    match i64::try_from(amount) {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(wrong(format_args!("{what} amount {amount} out of range"))),
    }
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

// ---- GPD: PaymentPositionModel ------------------------------------------------------------

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Position<'a> {
    iupd: &'a str,
    /// "F": a natural person (the portal's payers are citizens; an 11-digit codice fiscale
    /// can still be a person's provisional one).
    #[serde(rename = "type")]
    kind: &'static str,
    fiscal_code: &'a str,
    full_name: &'a str,
    company_name: String,
    switch_to_expired: bool,
    payment_option: [PaymentOption<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PaymentOption<'a> {
    iuv: &'a str,
    nav: &'a str,
    amount: i64,
    description: String,
    is_partial_payment: bool,
    due_date: String,
    retention_date: String,
    transfer: Vec<TransferBody>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TransferBody {
    id_transfer: String,
    amount: i64,
    remittance_information: String,
    category: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    iban: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stamp: Option<Stamp>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Stamp {
    hash_document: String,
    /// "01", the only type MarcaDaBollo.xsd knows.
    stamp_type: &'static str,
    provincial_residence: String,
}

fn iban_ok(iban: &str) -> bool {
    (1..=35).contains(&iban.len()) && iban.bytes().all(|b| b.is_ascii_alphanumeric())
}

fn destination(kind: &TransferKind) -> PortResult<(Option<String>, Option<Stamp>)> {
    match kind {
        TransferKind::Iban(iban) if iban_ok(iban) => Ok((Some(iban.clone()), None)),
        TransferKind::Iban(_) => Err(wrong("an IBAN is 1 to 35 letters and digits")),
        TransferKind::Stamp {
            document_sha256_b64,
            province,
        } => {
            let digest = base64::engine::general_purpose::STANDARD
                .decode(document_sha256_b64)
                .ok();
            if digest.is_none_or(|d| d.len() != 32) {
                return Err(wrong("the stamp's document hash is not a base64 SHA-256"));
            }
            // The schema's pattern `[A-Z]{2}` is unanchored: "xRMx" would pass it.
            if province.len() != 2 || !province.bytes().all(|b| b.is_ascii_uppercase()) {
                return Err(wrong("the stamp's province is not two capital letters"));
            }
            let stamp = Stamp {
                hash_document: document_sha256_b64.clone(),
                stamp_type: "01",
                provincial_residence: province.clone(),
            };
            Ok((None, Some(stamp)))
        }
    }
}

/// The body of `createPosition`, after the checks GPD makes on the server and the schema
/// does not express: one to five transfers whose amounts add up to the option's, a notice
/// number with its check digits and the IUV inside it.
pub fn position<'a>(p: &'a DebtPosition, creditor: &Creditor) -> PortResult<Position<'a>> {
    if p.iupd.is_empty() || p.payer_fiscal_code.is_empty() || p.payer_name.is_empty() {
        return Err(wrong(
            "a position needs its iupd, the payer's code and name",
        ));
    }
    if !payments::is_valid(&p.notice.nav) || p.notice.iuv != p.notice.nav[1..] {
        return Err(wrong("the notice number or its IUV is malformed"));
    }
    if p.transfers.is_empty() || p.transfers.len() > MAX_TRANSFERS {
        return Err(wrong(format_args!(
            "{} transfers (1 to {MAX_TRANSFERS})",
            p.transfers.len()
        )));
    }
    let sum: u128 = p.transfers.iter().map(|t| u128::from(t.amount_cents)).sum();
    if sum != u128::from(p.amount_cents) {
        return Err(wrong(format_args!(
            "the transfers add up to {sum} cents, the position is {}",
            p.amount_cents
        )));
    }
    let mut transfer = Vec::with_capacity(p.transfers.len());
    for (i, t) in p.transfers.iter().enumerate() {
        let (iban, stamp) = destination(&t.kind)?;
        transfer.push(TransferBody {
            id_transfer: (i + 1).to_string(),
            amount: cents(t.amount_cents, "transfer")?,
            remittance_information: clip(&t.remittance),
            category: t.taxonomy.clone(),
            iban,
            stamp,
        });
    }
    Ok(Position {
        iupd: &p.iupd,
        kind: "F",
        fiscal_code: &p.payer_fiscal_code,
        full_name: &p.payer_name,
        company_name: clip(&creditor.company_name),
        switch_to_expired: true,
        payment_option: [PaymentOption {
            iuv: &p.notice.iuv,
            nav: &p.notice.nav,
            amount: cents(p.amount_cents, "position")?,
            description: clip(&p.description),
            is_partial_payment: false,
            due_date: rfc3339(p.due),
            retention_date: rfc3339(p.due + RETENTION),
            transfer,
        }],
    })
}

// ---- Checkout: CartRequest ----------------------------------------------------------------

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Cart<'a> {
    payment_notices: Vec<Notice<'a>>,
    return_urls: Urls<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    email_notice: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Notice<'a> {
    notice_number: &'a str,
    /// The creditor's, not the payer's.
    fiscal_code: &'a str,
    amount: i64,
    company_name: String,
    description: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Urls<'a> {
    return_ok_url: &'a str,
    return_cancel_url: &'a str,
    return_error_url: &'a str,
}

/// An absolute http(s) address (the schema's `format: uri` wants a scheme).
pub fn web_address(url: &str) -> bool {
    url::Url::parse(url).is_ok_and(|u| matches!(u.scheme(), "https" | "http"))
}

/// Plausible enough for `format: email`; anything else is left out rather than losing the
/// payment to a 400 (the address only receives the receipt).
fn email_ok(email: &str) -> bool {
    let mut parts = email.split('@');
    let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && email.chars().all(|c| c.is_ascii_graphic())
}

/// The body of `PostCarts`: one to five notices with valid numbers, absolute return URLs.
pub fn cart<'a>(
    items: &'a [CartItem],
    back: &'a ReturnUrls,
    email: Option<&'a str>,
    creditor: &'a Creditor,
) -> PortResult<Cart<'a>> {
    if items.is_empty() || items.len() > MAX_NOTICES {
        return Err(wrong(format_args!(
            "a cart of {} notices (1 to {MAX_NOTICES})",
            items.len()
        )));
    }
    if ![&back.ok, &back.cancel, &back.error]
        .iter()
        .all(|u| web_address(u))
    {
        return Err(wrong("the return addresses must be absolute http(s) URLs"));
    }
    let mut payment_notices = Vec::with_capacity(items.len());
    for item in items {
        if !payments::is_valid(&item.nav) {
            return Err(wrong("a notice number is malformed"));
        }
        payment_notices.push(Notice {
            notice_number: &item.nav,
            fiscal_code: &creditor.fiscal_code,
            amount: cents(item.amount_cents, "notice")?,
            company_name: clip(&creditor.company_name),
            description: clip(&item.description),
        });
    }
    Ok(Cart {
        payment_notices,
        return_urls: Urls {
            return_ok_url: &back.ok,
            return_cancel_url: &back.cancel,
            return_error_url: &back.error,
        },
        email_notice: email.filter(|e| email_ok(e)),
    })
}
