//! pagoPA's identifiers: the notice number (numero avviso, 18 digits: aux digit 3, the
//! segregation code, a 13-digit base and the mod-93 check digits; SACI v1.3.1 §2.2), the IUV
//! it carries, and the payment notice's QR payload.

use serde::{Deserialize, Serialize};

/// The comune as a creditor on pagoPA.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Creditor {
    /// Codice fiscale of the comune (11 digits): the "ente creditore".
    pub fiscal_code: String,
    pub company_name: String,
    /// Two digits assigned by PagoPA to the comune's station (aux digit 3).
    pub segregation_code: String,
    /// Where the diritti and fees are credited.
    pub iban: String,
    /// The pagoPA taxonomy code of the comune's registry income.
    pub taxonomy: String,
}

/// A notice number and the IUV inside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    /// 18 digits: `3` ‖ segregation code ‖ base ‖ check digits.
    pub nav: String,
    /// 17 digits: the NAV without the aux digit.
    pub iuv: String,
}

/// The two check digits of the first 16 digits of a notice number (their remainder mod 93).
pub fn check_digits(first16: &str) -> String {
    let n: u64 = first16.parse().expect("16 digits fit in u64");
    format!("{:02}", n % 93)
}

/// The notice number of the `base`-th position of the comune (aux digit 3).
pub fn notice(segregation_code: &str, base: u64) -> Notice {
    assert!(
        segregation_code.len() == 2 && segregation_code.bytes().all(|b| b.is_ascii_digit()),
        "a two-digit segregation code"
    );
    let head = format!("3{segregation_code}{:013}", base % 10u64.pow(13));
    let nav = format!("{head}{}", check_digits(&head));
    Notice {
        iuv: nav[1..].to_string(),
        nav,
    }
}

/// Whether `nav` is a well-formed notice number (aux 0, 2, 3 with their check digits; aux 1
/// has none).
pub fn is_valid(nav: &str) -> bool {
    nav.len() == 18
        && nav.bytes().all(|b| b.is_ascii_digit())
        && match nav.as_bytes()[0] {
            b'1' => true,
            b'0' | b'2' | b'3' => check_digits(&nav[..16]) == nav[16..],
            _ => false,
        }
}

/// The payment notice's QR code: `PAGOPA|002|<notice>|<creditor fiscal code>|<cents>`.
pub fn qr_payload(nav: &str, creditor_fiscal_code: &str, cents: u64) -> String {
    format!("PAGOPA|002|{nav}|{creditor_fiscal_code}|{cents}")
}

pub const MDB: &str = "http://www.agenziaentrate.gov.it/2014/MarcaDaBollo";
pub const DS: &str = "http://www.w3.org/2000/09/xmldsig#";

/// What an @e.bollo receipt (`marcaDaBollo`, MarcaDaBollo.xsd) says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StampReceipt {
    pub psp_fiscal_code: String,
    pub psp_name: String,
    pub iubd: String,
    pub bought_at: chrono::DateTime<chrono::Utc>,
    pub amount: String,
    /// `ImprontaDocumento/ds:DigestValue`: the base64 SHA-256 of the document it pays.
    pub document_sha256_b64: String,
}

/// Reads an @e.bollo receipt with the bounded parser (`crate::xml`); `None` when it is not
/// one or misses a part.
pub fn read_stamp(xml: &str) -> Option<StampReceipt> {
    let doc = crate::xml::parse(xml, &crate::xml::MARCA_DA_BOLLO).ok()?;
    let root = doc.root_element();
    if !root.has_tag_name((MDB, "marcaDaBollo")) {
        return None;
    }
    let text = |path: &[(&str, &str)]| -> Option<String> {
        let mut node = root;
        for step in path {
            node = node.children().find(|c| c.has_tag_name(*step))?;
        }
        node.text().map(|t| t.trim().to_string())
    };
    let bought_at = text(&[(MDB, "OraAcquisto")])?;
    Some(StampReceipt {
        psp_fiscal_code: text(&[(MDB, "PSP"), (MDB, "CodiceFiscale")])?,
        psp_name: text(&[(MDB, "PSP"), (MDB, "Denominazione")])?,
        iubd: text(&[(MDB, "IUBD")])?,
        bought_at: chrono::DateTime::parse_from_rfc3339(&bought_at)
            .ok()?
            .with_timezone(&chrono::Utc),
        amount: text(&[(MDB, "Importo")])?,
        document_sha256_b64: text(&[(MDB, "ImprontaDocumento"), (DS, "DigestValue")])?,
    })
}

/// Base64 of the SHA-256 of a document: how a marca da bollo digitale names it.
pub fn document_hash(bytes: &[u8]) -> String {
    use base64::Engine;
    use sha2::Digest;
    base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(bytes))
}

/// "€ 16,00".
pub fn euro(cents: u64) -> String {
    let units = (cents / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in units.chars().enumerate() {
        if i > 0 && (units.len() - i).is_multiple_of(3) {
            grouped.push('.');
        }
        grouped.push(c);
    }
    format!("€ {grouped},{:02}", cents % 100)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_notice_numbers() {
        assert_eq!(notice("01", 1).nav, "301000000000000144");
        assert_eq!(notice("47", 2026000000042).nav, "347202600000004224");
        assert_eq!(notice("47", 2026000000042).iuv, "47202600000004224");
        assert!(is_valid("012123456789012381"));
        assert!(is_valid("220260000000000188"));
        assert!(
            !is_valid("302012387654312384"),
            "the Checkout example's check digits are wrong"
        );
        assert_eq!(euro(1600), "€ 16,00");
        assert_eq!(euro(123456789), "€ 1.234.567,89");
        assert_eq!(
            qr_payload("347202600000004224", "00000000000", 1600),
            "PAGOPA|002|347202600000004224|00000000000|1600"
        );
    }

    proptest! {
        #[test]
        fn every_notice_number_is_valid_and_one_digit_changed_is_not(seg in 0u8..50, base in 0u64..10u64.pow(13), pos in 0usize..18, bump in 1u8..10) {
            let n = notice(&format!("{seg:02}"), base);
            prop_assert!(is_valid(&n.nav));
            let mut b = n.nav.clone().into_bytes();
            b[pos] = b'0' + (b[pos] - b'0' + bump) % 10;
            let changed = String::from_utf8(b).unwrap();
            // mod 93 catches every single-digit change of the 16 digits it covers
            // (changes of the aux digit may land on another valid layout).
            if pos > 0 { prop_assert!(!is_valid(&changed), "{changed}"); }
        }

        /// A receipt with one byte changed, cut, or random text: read or refused, never a
        /// panic; what is read is what the bytes say.
        #[test]
        fn a_mangled_stamp_receipt_is_read_or_refused(pos in 0usize..RECEIPT.len(), byte in any::<u8>(), cut in 0usize..RECEIPT.len(), noise in ".{0,400}") {
            let mut b = RECEIPT.as_bytes().to_vec();
            b[pos] = byte;
            if let Ok(text) = String::from_utf8(b) {
                if let Some(r) = read_stamp(&text) {
                    // XML reads a carriage return as a line feed (XML 1.0 §2.11).
                    let text = text.replace('\r', "\n");
                    prop_assert!(text.contains(&r.iubd) && text.contains(&r.document_sha256_b64));
                }
            }
            prop_assert!(read_stamp(&RECEIPT[..cut]).is_none());
            let _ = read_stamp(&noise);
        }
    }

    const RECEIPT: &str = concat!(
        "<marcaDaBollo xmlns=\"http://www.agenziaentrate.gov.it/2014/MarcaDaBollo\">",
        "<PSP><CodiceFiscale>01234567890</CodiceFiscale><Denominazione>Banca</Denominazione></PSP>",
        "<IUBD>01234567890123</IUBD><OraAcquisto>2026-12-02T10:00:00Z</OraAcquisto>",
        "<Importo>16.00</Importo><TipoBollo>01</TipoBollo><ImprontaDocumento>",
        "<DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"></DigestMethod>",
        "<ds:DigestValue xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\">",
        "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=</ds:DigestValue></ImprontaDocumento></marcaDaBollo>"
    );

    #[test]
    fn a_stamp_receipt_reads_its_parts() {
        let r = read_stamp(RECEIPT).expect("a receipt");
        assert_eq!(r.iubd, "01234567890123");
        assert_eq!(r.psp_name, "Banca");
        assert_eq!(r.amount, "16.00");
        assert_eq!(r.document_sha256_b64, document_hash(b""));
        assert_eq!(r.bought_at.to_rfc3339(), "2026-12-02T10:00:00+00:00");
        assert!(read_stamp(&RECEIPT.replace("2014/MarcaDaBollo", "2015/Altro")).is_none());
        assert!(read_stamp(&RECEIPT.replace("<IUBD>01234567890123</IUBD>", "")).is_none());
    }
}
