//! GPD's answer about one position (`PaymentPositionModelBaseResponse`), read defensively:
//! every other field is ignored, every read one is optional so that a missing one fails only
//! when it matters, amounts are `i64` (the file sets no minimum on answers).

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Deserialize;

use crate::ports::{PaymentReceipt, PortError, PortResult, PositionState, PositionStatus};

/// What is read of a position.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PositionAnswer {
    status: Option<String>,
    #[serde(default)]
    payment_option: Vec<OptionAnswer>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OptionAnswer {
    status: Option<String>,
    amount: Option<i64>,
    id_receipt: Option<String>,
    psp_company: Option<String>,
    payment_date: Option<String>,
}

/// GPD's dates: RFC 3339 as its OpenAPI file says, or the offset-less form of the Java
/// `LocalDateTime` its service is written with (read as UTC; unverified on the real service).
fn gpd_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
                .ok()
                .map(|t| t.and_utc())
        })
}

fn receipt(o: &OptionAnswer) -> PortResult<PaymentReceipt> {
    let bad = |what: &str| PortError::Corrupt(format!("GPD: a paid option without a valid {what}"));
    let receipt_id = o
        .id_receipt
        .clone()
        .filter(|r| !r.is_empty())
        .ok_or_else(|| bad("idReceipt"))?;
    let paid_at = o
        .payment_date
        .as_deref()
        .and_then(gpd_time)
        .ok_or_else(|| bad("paymentDate"))?;
    let amount_cents = o
        .amount
        .and_then(|a| u64::try_from(a).ok())
        .ok_or_else(|| bad("amount"))?;
    Ok(PaymentReceipt {
        receipt_id,
        psp: o.psp_company.clone().unwrap_or_default(),
        paid_at,
        amount_cents,
        // GPD's position carries no @e.bollo receipt: the signed `marcaDaBollo` XML comes
        // with the ricevuta telematica (paSendRTV2's MBDAttachment), not through this API.
        stamp_xml: None,
    })
}

/// A position as `getOrganizationDebtPositionByIUPD` answers it.
pub fn status(body: &[u8]) -> PortResult<PositionStatus> {
    let answer: PositionAnswer = serde_json::from_slice(body)
        .map_err(|e| PortError::Corrupt(format!("GPD position unreadable: {e}")))?;
    let state = match answer.status.as_deref() {
        Some("PAID" | "REPORTED" | "PARTIALLY_PAID") => PositionState::Paid,
        Some("VALID" | "PUBLISHED" | "DRAFT") => PositionState::Unpaid,
        Some("INVALID") => PositionState::Invalid,
        Some("EXPIRED") => PositionState::Expired,
        other => {
            return Err(PortError::Corrupt(format!(
                "GPD position status {other:?} unknown"
            )))
        }
    };
    let mut receipts = Vec::new();
    if state == PositionState::Paid {
        for o in &answer.payment_option {
            if matches!(
                o.status.as_deref(),
                Some("PO_PAID" | "PO_PARTIALLY_REPORTED" | "PO_REPORTED")
            ) {
                receipts.push(receipt(o)?);
            }
        }
    }
    Ok(PositionStatus { state, receipts })
}
