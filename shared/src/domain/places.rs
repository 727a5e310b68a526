//! A small embedded list of real comuni and foreign states with their cadastral codes
//! (checked against the Agenzia delle Entrate tables shipped by PyPI python-codicefiscale),
//! enough for the demo population.

use super::person::Luogo;

/// (name, province, cadastral code)
pub const COMUNI: &[(&str, &str, &str)] = &[
    ("Roma", "RM", "H501"),
    ("Milano", "MI", "F205"),
    ("Napoli", "NA", "F839"),
    ("Torino", "TO", "L219"),
    ("Palermo", "PA", "G273"),
    ("Genova", "GE", "D969"),
    ("Bologna", "BO", "A944"),
    ("Firenze", "FI", "D612"),
    ("Bari", "BA", "A662"),
    ("Catania", "CT", "C351"),
    ("Venezia", "VE", "L736"),
    ("Verona", "VR", "L781"),
    ("Padova", "PD", "G224"),
    ("Trieste", "TS", "L424"),
    ("Brescia", "BS", "B157"),
    ("Parma", "PR", "G337"),
    ("Modena", "MO", "F257"),
    ("Perugia", "PG", "G478"),
    ("Cagliari", "CA", "B354"),
    ("Bergamo", "BG", "A794"),
    ("Pisa", "PI", "G702"),
    ("Siena", "SI", "I726"),
    ("Lecce", "LE", "E506"),
    ("Ancona", "AN", "A271"),
    ("Pescara", "PE", "G482"),
    ("Trento", "TN", "L378"),
    ("Udine", "UD", "L483"),
    ("Salerno", "SA", "H703"),
    ("Lucca", "LU", "E715"),
    ("Ravenna", "RA", "H199"),
];

/// (name, cadastral code, citizenship adjective is not needed: the state names it)
pub const STATI_ESTERI: &[(&str, &str)] = &[
    ("Marocco", "Z330"),
    ("Romania", "Z129"),
    ("Albania", "Z100"),
    ("Cina", "Z210"),
    ("Francia", "Z110"),
    ("Germania", "Z112"),
    ("Svizzera", "Z133"),
    ("Argentina", "Z600"),
    ("Brasile", "Z602"),
    ("Ucraina", "Z138"),
    ("India", "Z222"),
    ("Filippine", "Z216"),
    ("Senegal", "Z343"),
    ("Perù", "Z611"),
    ("Regno Unito", "Z114"),
    ("Tunisia", "Z352"),
];

pub fn comune(index: usize) -> Luogo {
    let (nome, provincia, code) = COMUNI[index % COMUNI.len()];
    Luogo::Comune {
        nome: nome.into(),
        provincia: provincia.into(),
        codice_catastale: code.into(),
    }
}

pub fn estero(index: usize) -> Luogo {
    let (stato, code) = STATI_ESTERI[index % STATI_ESTERI.len()];
    Luogo::Estero {
        stato: stato.into(),
        codice_catastale: code.into(),
        localita: None,
    }
}

/// Whether a cadastral code has the shape of one: a letter and three digits.
pub fn is_cadastral_code(code: &str) -> bool {
    let b = code.as_bytes();
    b.len() == 4 && b[0].is_ascii_uppercase() && b[1..].iter().all(u8::is_ascii_digit)
}

/// The name of an Italian province from its abbreviation (`shared/data/province.tsv`, the
/// ISTAT list of the 107 provinces and città metropolitane).
pub fn province_name(sigla: &str) -> Option<&'static str> {
    static TABLE: std::sync::OnceLock<Vec<(&'static str, &'static str)>> =
        std::sync::OnceLock::new();
    TABLE
        .get_or_init(|| {
            include_str!("../../data/province.tsv")
                .lines()
                .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
                .filter_map(|l| l.split_once('\t'))
                .collect()
        })
        .iter()
        .find(|(s, _)| s.eq_ignore_ascii_case(sigla.trim()))
        .map(|(_, name)| *name)
}

#[cfg(test)]
mod province_tests {
    #[test]
    fn every_province_has_its_name() {
        assert_eq!(super::province_name("SI"), Some("Siena"));
        assert_eq!(super::province_name("mb"), Some("Monza e della Brianza"));
        assert_eq!(super::province_name("XX"), None);
    }
}
