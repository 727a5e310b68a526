//! Legal terms: calendar days, or working days (Monday to Friday, national holidays
//! excluded: L. 260/1949 and L. 54/1977, with Easter Monday).

use chrono::{Datelike, Duration, NaiveDate, Weekday};

use super::catalog::{DayKind, Term};

/// Easter Sunday of a Gregorian year (the anonymous Gregorian computus).
fn easter(year: i32) -> NaiveDate {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, month as u32, day as u32).expect("a date")
}

/// A national holiday in Italy.
pub fn is_holiday(d: NaiveDate) -> bool {
    const FIXED: [(u32, u32); 10] = [
        (1, 1),
        (1, 6),
        (4, 25),
        (5, 1),
        (6, 2),
        (8, 15),
        (11, 1),
        (12, 8),
        (12, 25),
        (12, 26),
    ];
    FIXED.contains(&(d.month(), d.day())) || d == easter(d.year()) + Duration::days(1)
}

pub fn is_working_day(d: NaiveDate) -> bool {
    !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) && !is_holiday(d)
}

/// The last day of a term that starts the day after `from` (art. 2963 c.c.: the first day
/// is not counted; a calendar term ending on a holiday moves to the next working day).
pub fn due_date(from: NaiveDate, term: &Term) -> NaiveDate {
    match term.kind {
        DayKind::Calendar => {
            let mut d = from + Duration::days(i64::from(term.days));
            while !is_working_day(d) {
                d += Duration::days(1);
            }
            d
        }
        DayKind::Working => {
            let mut d = from;
            let mut left = term.days;
            while left > 0 {
                d += Duration::days(1);
                if is_working_day(d) {
                    left -= 1;
                }
            }
            d
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn term(days: u32, kind: DayKind) -> Term {
        Term {
            days,
            kind,
            law: String::new(),
        }
    }

    #[test]
    fn easter_of_known_years() {
        assert_eq!(easter(2024), d("2024-03-31"));
        assert_eq!(easter(2026), d("2026-04-05"));
        assert_eq!(easter(2027), d("2027-03-28"));
    }

    #[test]
    fn working_days_skip_weekends_and_holidays() {
        // Friday 4 December 2026 + 2 working days: Monday 7, Tuesday 8 is a holiday → Wed 9.
        assert_eq!(
            due_date(d("2026-12-04"), &term(2, DayKind::Working)),
            d("2026-12-09")
        );
        // Thursday 2 April 2026: Friday 3, (Easter Monday 6 skipped) Tuesday 7.
        assert_eq!(
            due_date(d("2026-04-02"), &term(2, DayKind::Working)),
            d("2026-04-07")
        );
        // 30 calendar days from 2 December 2026 end on 1 January 2027 → Monday 4 January
        // (the 2nd and 3rd are a weekend).
        assert_eq!(
            due_date(d("2026-12-02"), &term(30, DayKind::Calendar)),
            d("2027-01-04")
        );
        assert_eq!(
            due_date(d("2026-11-23"), &term(45, DayKind::Calendar)),
            d("2027-01-07")
        );
    }
}
