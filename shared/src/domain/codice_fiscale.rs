//! Codice fiscale of natural persons (DM 23 dicembre 1976): syntax, check character,
//! omocodia and agreement with the person's data.

use chrono::{Datelike, NaiveDate};
use std::fmt;
use unicode_normalization::UnicodeNormalization;

use super::person::Sesso;

const MONTHS: &[u8; 12] = b"ABCDEHLMPRST";
/// Letters that replace the digits 0..9 in an omocode.
const OMOCODE_LETTERS: &[u8; 10] = b"LMNPQRSTUV";
/// 0-based positions that hold digits in the base form (and may hold letters in an omocode).
const DIGIT_POSITIONS: [usize; 7] = [6, 7, 9, 10, 12, 13, 14];
/// Values of characters in odd (1-based) positions, indexed by 0-9 then A-Z.
const ODD_VALUES: [u8; 26] = [
    1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23,
];

/// Why a string is not a valid codice fiscale; the Display text is Italian (shown to
/// operators in import reports and to citizens).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodiceFiscaleError {
    #[error("il codice fiscale deve avere 16 caratteri (ne ha {0})")]
    Length(usize),
    #[error("carattere non ammesso in posizione {0}")]
    Character(usize),
    #[error("lettera del mese di nascita non valida ({0})")]
    Month(char),
    #[error("giorno di nascita non valido ({0})")]
    Day(u32),
    #[error("data di nascita inesistente")]
    Date,
    #[error("carattere di controllo errato: atteso {expected}, trovato {found}")]
    CheckCharacter { expected: char, found: char },
}

/// A syntactically valid codice fiscale (upper case, check character verified).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CodiceFiscale(String);

/// What a codice fiscale encodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    pub surname_code: String,
    pub name_code: String,
    /// Two-digit year; the century is not encoded.
    pub year: u32,
    pub month: u32,
    pub day: u32,
    pub sesso: Sesso,
    /// Belfiore (cadastral) code of the comune, or Z-code of the foreign state.
    pub place_code: String,
}

/// A disagreement between a codice fiscale and the registry data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MismatchError {
    #[error("il codice fiscale non corrisponde al cognome")]
    Surname,
    #[error("il codice fiscale non corrisponde al nome")]
    Name,
    #[error("il codice fiscale non corrisponde alla data di nascita")]
    BirthDate,
    #[error("il codice fiscale non corrisponde al sesso")]
    Sex,
    #[error("il codice fiscale non corrisponde al luogo di nascita")]
    BirthPlace,
}

fn char_value(c: u8) -> u8 {
    if c.is_ascii_digit() {
        c - b'0'
    } else {
        c - b'A'
    }
}

/// The check character of the first 15 characters (upper-case ASCII alphanumerics).
pub fn check_character(first15: &[u8]) -> char {
    let sum: u32 = first15
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            let v = char_value(c);
            // Position i is 0-based: even i is an odd 1-based position.
            u32::from(if i % 2 == 0 {
                ODD_VALUES[v as usize]
            } else {
                v
            })
        })
        .sum();
    (b'A' + (sum % 26) as u8) as char
}

impl CodiceFiscale {
    /// Parses and validates format, month letter, day/sex, date, omocodia and the check character.
    /// Surrounding spaces are ignored and lower case is accepted.
    pub fn parse(input: &str) -> Result<Self, CodiceFiscaleError> {
        let s = input.trim().to_ascii_uppercase();
        let b = s.as_bytes();
        if s.chars().count() != 16 {
            return Err(CodiceFiscaleError::Length(s.chars().count()));
        }
        for (i, &c) in b.iter().enumerate() {
            let ok = match i {
                0..=5 | 8 | 11 | 15 => c.is_ascii_uppercase(),
                _ => c.is_ascii_digit() || OMOCODE_LETTERS.contains(&c),
            };
            if !ok {
                return Err(CodiceFiscaleError::Character(i + 1));
            }
        }
        let cf = CodiceFiscale(s);
        cf.decode()?;
        let expected = check_character(&cf.0.as_bytes()[..15]);
        let found = cf.0.as_bytes()[15] as char;
        if expected != found {
            return Err(CodiceFiscaleError::CheckCharacter { expected, found });
        }
        Ok(cf)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The base form: omocode letters in the digit positions turned back into digits.
    pub fn base_form(&self) -> String {
        let mut b = self.0.as_bytes()[..15].to_vec();
        for p in DIGIT_POSITIONS {
            if let Some(d) = OMOCODE_LETTERS.iter().position(|&l| l == b[p]) {
                b[p] = b'0' + d as u8;
            }
        }
        let check = check_character(&b);
        let mut s = String::from_utf8(b).expect("ASCII");
        s.push(check);
        s
    }

    pub fn is_omocode(&self) -> bool {
        DIGIT_POSITIONS
            .iter()
            .any(|&p| !self.0.as_bytes()[p].is_ascii_digit())
    }

    pub fn decode(&self) -> Result<Decoded, CodiceFiscaleError> {
        let base = self.base_form();
        let b = base.as_bytes();
        let num = |r: std::ops::Range<usize>| -> u32 {
            std::str::from_utf8(&b[r])
                .expect("ASCII")
                .parse()
                .expect("digits")
        };
        let month = MONTHS
            .iter()
            .position(|&m| m == b[8])
            .ok_or(CodiceFiscaleError::Month(b[8] as char))? as u32
            + 1;
        let raw_day = num(9..11);
        let (day, sesso) = match raw_day {
            1..=31 => (raw_day, Sesso::M),
            41..=71 => (raw_day - 40, Sesso::F),
            _ => return Err(CodiceFiscaleError::Day(raw_day)),
        };
        let year = num(6..8);
        // The century is unknown: the date must exist in at least one of them (29 February).
        if NaiveDate::from_ymd_opt(2000 + year as i32, month, day).is_none()
            && NaiveDate::from_ymd_opt(1900 + year as i32, month, day).is_none()
        {
            return Err(CodiceFiscaleError::Date);
        }
        Ok(Decoded {
            surname_code: base[0..3].to_string(),
            name_code: base[3..6].to_string(),
            year,
            month,
            day,
            sesso,
            place_code: base[11..15].to_string(),
        })
    }

    /// Checks that the code agrees with the person's data (omocodes included).
    pub fn matches(
        &self,
        cognome: &str,
        nome: &str,
        sesso: Sesso,
        birth_date: NaiveDate,
        place_code: &str,
    ) -> Result<(), MismatchError> {
        let d = self.decode().map_err(|_| MismatchError::BirthDate)?;
        if d.surname_code != surname_code(cognome) {
            return Err(MismatchError::Surname);
        }
        if d.name_code != name_code(nome) {
            return Err(MismatchError::Name);
        }
        if d.sesso != sesso {
            return Err(MismatchError::Sex);
        }
        if d.year != birth_date.year().rem_euclid(100) as u32
            || d.month != birth_date.month()
            || d.day != birth_date.day()
        {
            return Err(MismatchError::BirthDate);
        }
        if !d.place_code.eq_ignore_ascii_case(place_code) {
            return Err(MismatchError::BirthPlace);
        }
        Ok(())
    }

    /// Computes the (base form) codice fiscale from the data.
    pub fn compute(
        cognome: &str,
        nome: &str,
        sesso: Sesso,
        birth_date: NaiveDate,
        place_code: &str,
    ) -> Self {
        let mut s = String::with_capacity(16);
        s.push_str(&surname_code(cognome));
        s.push_str(&name_code(nome));
        s.push_str(&format!("{:02}", birth_date.year().rem_euclid(100)));
        s.push(MONTHS[birth_date.month0() as usize] as char);
        let day = birth_date.day() + if sesso == Sesso::F { 40 } else { 0 };
        s.push_str(&format!("{day:02}"));
        s.push_str(&place_code.to_ascii_uppercase());
        let check = check_character(s.as_bytes());
        s.push(check);
        CodiceFiscale(s)
    }

    /// The omocode variant with the last `level` digit positions substituted (1..=7),
    /// as the Agenzia delle Entrate assigns them.
    pub fn omocode(&self, level: usize) -> Self {
        let mut b = self.base_form().into_bytes();
        for &p in DIGIT_POSITIONS.iter().rev().take(level.min(7)) {
            b[p] = OMOCODE_LETTERS[(b[p] - b'0') as usize];
        }
        let check = check_character(&b[..15]);
        b[15] = check as u8;
        CodiceFiscale(String::from_utf8(b).expect("ASCII"))
    }
}

impl fmt::Display for CodiceFiscale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Upper-case ASCII letters of a name, accents removed (À -> A), other characters dropped.
fn letters(s: &str) -> Vec<u8> {
    s.nfd()
        .filter(|c| c.is_ascii_alphabetic())
        .map(|c| c.to_ascii_uppercase() as u8)
        .collect()
}

fn is_vowel(c: &u8) -> bool {
    b"AEIOU".contains(c)
}

fn pad3(mut v: Vec<u8>) -> String {
    v.resize(3, b'X');
    String::from_utf8(v).expect("ASCII")
}

pub fn surname_code(cognome: &str) -> String {
    let l = letters(cognome);
    let (cons, vow): (Vec<u8>, Vec<u8>) = l.into_iter().partition(|c| !is_vowel(c));
    pad3(cons.into_iter().chain(vow).take(3).collect())
}

pub fn name_code(nome: &str) -> String {
    let l = letters(nome);
    let (cons, vow): (Vec<u8>, Vec<u8>) = l.into_iter().partition(|c| !is_vowel(c));
    if cons.len() >= 4 {
        return pad3(vec![cons[0], cons[2], cons[3]]);
    }
    pad3(cons.into_iter().chain(vow).take(3).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, dd: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, dd).unwrap()
    }

    #[test]
    fn computes_known_codes() {
        // Textbook example: Mario Rossi, born in Rome on 1 January 1980.
        let cf = CodiceFiscale::compute("Rossi", "Mario", Sesso::M, d(1980, 1, 1), "H501");
        assert_eq!(cf.as_str(), "RSSMRA80A01H501U");
        // Female: day + 40; a name with four consonants takes the 1st, 3rd and 4th.
        let cf = CodiceFiscale::compute("Bianchi", "Francesca", Sesso::F, d(1975, 12, 3), "F205");
        assert_eq!(&cf.as_str()[..15], "BNCFNC75T43F205");
        // Short surname padded with X, accents and apostrophes ignored.
        assert_eq!(surname_code("Fo"), "FOX");
        assert_eq!(surname_code("D'Angelò"), "DNG");
        assert_eq!(name_code("Luca"), "LCU");
        assert_eq!(name_code("Gianfranco"), "GFR");
    }

    #[test]
    fn parses_valid_and_lower_case() {
        assert!(CodiceFiscale::parse("RSSMRA80A01H501U").is_ok());
        assert_eq!(
            CodiceFiscale::parse(" rssmra80a01h501u ").unwrap().as_str(),
            "RSSMRA80A01H501U"
        );
    }

    #[test]
    fn rejects_wrong_check_character() {
        assert_eq!(
            CodiceFiscale::parse("RSSMRA80A01H501X"),
            Err(CodiceFiscaleError::CheckCharacter {
                expected: 'U',
                found: 'X'
            })
        );
    }

    #[test]
    fn rejects_bad_shapes() {
        assert_eq!(
            CodiceFiscale::parse("RSSMRA80A01H501"),
            Err(CodiceFiscaleError::Length(15))
        );
        assert_eq!(
            CodiceFiscale::parse("RSSMRA80Z01H501U"),
            Err(CodiceFiscaleError::Month('Z'))
        );
        assert_eq!(
            CodiceFiscale::parse("RSSMRA80A35H501U"),
            Err(CodiceFiscaleError::Day(35))
        );
        assert_eq!(
            CodiceFiscale::parse("RSSMRA80B31H501U"),
            Err(CodiceFiscaleError::Date)
        );
        assert_eq!(
            CodiceFiscale::parse("RSSMR180A01H501U"),
            Err(CodiceFiscaleError::Character(6))
        );
        // 'A' is not an omocode letter.
        assert_eq!(
            CodiceFiscale::parse("RSSMRAA0A01H501U"),
            Err(CodiceFiscaleError::Character(7))
        );
    }

    #[test]
    fn omocodia_round_trips_and_matches_data() {
        let base = CodiceFiscale::compute("Rossi", "Mario", Sesso::M, d(1980, 1, 1), "H501");
        for level in 1..=7 {
            let omo = base.omocode(level);
            assert!(omo.is_omocode());
            let parsed = CodiceFiscale::parse(omo.as_str()).expect("valid omocode");
            assert_eq!(parsed.base_form(), base.as_str());
            parsed
                .matches("Rossi", "Mario", Sesso::M, d(1980, 1, 1), "H501")
                .unwrap();
        }
        // Last position substituted first: H501 -> H50M.
        assert_eq!(&base.omocode(1).as_str()[..15], "RSSMRA80A01H50M");
    }

    #[test]
    fn detects_mismatch_with_data() {
        let cf = CodiceFiscale::parse("RSSMRA80A01H501U").unwrap();
        let born = d(1980, 1, 1);
        assert_eq!(cf.matches("Rossi", "Mario", Sesso::M, born, "H501"), Ok(()));
        assert_eq!(
            cf.matches("Bianchi", "Mario", Sesso::M, born, "H501"),
            Err(MismatchError::Surname)
        );
        assert_eq!(
            cf.matches("Rossi", "Marco", Sesso::M, born, "H501"),
            Err(MismatchError::Name)
        );
        assert_eq!(
            cf.matches("Rossi", "Mario", Sesso::F, born, "H501"),
            Err(MismatchError::Sex)
        );
        assert_eq!(
            cf.matches("Rossi", "Mario", Sesso::M, d(1980, 1, 2), "H501"),
            Err(MismatchError::BirthDate)
        );
        assert_eq!(
            cf.matches("Rossi", "Mario", Sesso::M, born, "F205"),
            Err(MismatchError::BirthPlace)
        );
    }
}
