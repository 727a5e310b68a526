//! Dated facts: every registry fact holds over a validity interval, so the situation at a
//! date is a filter over the history.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A fact with its validity: from `from` (inclusive) until `to` (exclusive; open when absent).
/// A fact ending on day D no longer holds on D: a person who moves on 1 March lives at the
/// new address from 1 March.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dated<T> {
    pub from: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<NaiveDate>,
    #[serde(flatten)]
    pub value: T,
}

impl<T> Dated<T> {
    pub fn new(from: NaiveDate, to: Option<NaiveDate>, value: T) -> Self {
        Dated { from, to, value }
    }

    pub fn holds_at(&self, date: NaiveDate) -> bool {
        self.from <= date && self.to.is_none_or(|to| date < to)
    }

    /// `to` not before `from` (an empty interval `from == to` records a fact that was
    /// corrected on the same day and is allowed).
    pub fn is_well_formed(&self) -> bool {
        self.to.is_none_or(|to| to >= self.from)
    }
}

/// The value holding at `date` in a history whose intervals do not overlap.
pub fn at<T>(history: &[Dated<T>], date: NaiveDate) -> Option<&T> {
    history.iter().find(|f| f.holds_at(date)).map(|f| &f.value)
}

/// The dated entry holding at `date`.
pub fn entry_at<T>(history: &[Dated<T>], date: NaiveDate) -> Option<&Dated<T>> {
    history.iter().find(|f| f.holds_at(date))
}

/// The history up to `date`: entries that started on or before it, with later ends hidden.
pub fn until<T: Clone>(history: &[Dated<T>], date: NaiveDate) -> Vec<Dated<T>> {
    let mut v: Vec<Dated<T>> = history
        .iter()
        .filter(|f| f.from <= date)
        .map(|f| Dated {
            from: f.from,
            to: f.to.filter(|&to| to <= date),
            value: f.value.clone(),
        })
        .collect();
    v.sort_by_key(|f| f.from);
    v
}

/// The first pair of overlapping intervals, if any (for histories that hold one value at a time).
pub fn first_overlap<T>(history: &[Dated<T>]) -> Option<(usize, usize)> {
    let mut idx: Vec<usize> = (0..history.len()).collect();
    idx.sort_by_key(|&i| history[i].from);
    idx.windows(2).find_map(|w| {
        let (a, b) = (&history[w[0]], &history[w[1]]);
        match a.to {
            Some(to) if to <= b.from => None,
            _ => Some((w[0], w[1])),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn interval_is_half_open() {
        let f = Dated::new(d("2020-01-01"), Some(d("2021-03-01")), "x");
        assert!(!f.holds_at(d("2019-12-31")));
        assert!(f.holds_at(d("2020-01-01")));
        assert!(f.holds_at(d("2021-02-28")));
        assert!(!f.holds_at(d("2021-03-01")));
        assert!(Dated::new(d("2020-01-01"), None, ()).holds_at(d("2999-01-01")));
    }

    #[test]
    fn picks_the_value_at_a_date_and_finds_overlaps() {
        let h = vec![
            Dated::new(d("2010-01-01"), Some(d("2015-06-01")), "via Roma"),
            Dated::new(d("2015-06-01"), None, "via Milano"),
        ];
        assert_eq!(at(&h, d("2012-01-01")), Some(&"via Roma"));
        assert_eq!(at(&h, d("2015-06-01")), Some(&"via Milano"));
        assert_eq!(at(&h, d("2009-01-01")), None);
        assert_eq!(first_overlap(&h), None);
        let bad = vec![
            h[1].clone(),
            Dated::new(d("2014-01-01"), Some(d("2016-01-01")), "x"),
        ];
        assert_eq!(first_overlap(&bad), Some((1, 0)));
        let cut = until(&h, d("2012-01-01"));
        assert_eq!(cut.len(), 1);
        assert_eq!(cut[0].to, None, "a later end is not known at the date");
    }
}
