//! Plain types and rules of the registry; no I/O.

pub mod applications;
pub mod catalog;
pub mod certificate;
pub mod codice_fiscale;
pub mod dated;
pub mod payments;
pub mod person;
pub mod places;
pub mod situation;

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc, Weekday};
use sha2::{Digest, Sha256};

/// The SHA-256 of `b`, in lowercase hex.
pub fn sha256_hex(b: &[u8]) -> String {
    hex::encode(Sha256::digest(b))
}

/// The last Sunday of a month at 01:00 UTC, when Italian summer time starts or ends.
fn last_sunday_0100_utc(year: i32, month: u32) -> DateTime<Utc> {
    let first_next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    }
    .expect("valid date");
    let last = first_next.pred_opt().expect("valid date");
    let back = last.weekday().num_days_from_sunday();
    let sunday = last - Duration::days(i64::from(back));
    debug_assert_eq!(sunday.weekday(), Weekday::Sun);
    Utc.from_utc_datetime(&sunday.and_hms_opt(1, 0, 0).expect("valid time"))
}

/// The calendar date in Italy (CET, CEST from the last Sunday of March to the last Sunday
/// of October, both at 01:00 UTC) at an instant.
pub fn italian_date(t: DateTime<Utc>) -> NaiveDate {
    italian_time(t).date()
}

/// The local time in Italy (CET, CEST from the last Sunday of March to the last of October).
pub fn italian_time(t: DateTime<Utc>) -> chrono::NaiveDateTime {
    let y = t.year();
    let summer = t >= last_sunday_0100_utc(y, 3) && t < last_sunday_0100_utc(y, 10);
    (t + Duration::hours(if summer { 2 } else { 1 })).naive_utc()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn italian_date_follows_cet_and_cest() {
        let t = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert_eq!(italian_date(t("2026-01-10T22:59:59Z")), d("2026-01-10"));
        assert_eq!(italian_date(t("2026-01-10T23:00:00Z")), d("2026-01-11"));
        assert_eq!(italian_date(t("2026-07-10T21:59:59Z")), d("2026-07-10"));
        assert_eq!(italian_date(t("2026-07-10T22:00:00Z")), d("2026-07-11"));
        // 2026: summer time from 29 March to 25 October.
        assert_eq!(last_sunday_0100_utc(2026, 3), t("2026-03-29T01:00:00Z"));
        assert_eq!(last_sunday_0100_utc(2026, 10), t("2026-10-25T01:00:00Z"));
    }
}
