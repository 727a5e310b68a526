//! The name tables of the demo municipality, as data files (`shared/data/demo/`): one
//! entry a line, `#` starts a comment, tab-separated columns in the `.tsv` files.

use std::sync::OnceLock;

/// A foreign family's origin: the state (index in `places::STATI_ESTERI`) and the names.
#[derive(Debug, Clone, Copy)]
pub struct Foreign {
    pub state: usize,
    pub cognome: &'static str,
    pub male: &'static str,
    pub female: &'static str,
}

/// Where an AIRE citizen lives abroad.
#[derive(Debug, Clone, Copy)]
pub struct AireCity {
    pub state: usize,
    pub city: &'static str,
    pub street: &'static str,
}

pub struct Names {
    pub male: Vec<&'static str>,
    pub female: Vec<&'static str>,
    pub surnames: Vec<&'static str>,
    pub streets: Vec<&'static str>,
    /// Diplomas in the order middle school, high school, degree.
    pub diplomi: Vec<&'static str>,
    pub professioni: Vec<&'static str>,
    pub cars: Vec<&'static str>,
    pub foreign: Vec<Foreign>,
    pub aire: Vec<AireCity>,
}

fn lines(text: &'static str) -> Vec<&'static str> {
    text.lines()
        .map(str::trim_end)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
}

fn columns(text: &'static str) -> Vec<Vec<&'static str>> {
    lines(text)
        .into_iter()
        .map(|l| l.split('\t').collect())
        .collect()
}

fn index(s: &str) -> usize {
    s.parse().expect("a state index in the demo tables")
}

/// The tables, parsed once.
pub fn names() -> &'static Names {
    static NAMES: OnceLock<Names> = OnceLock::new();
    NAMES.get_or_init(|| Names {
        male: lines(include_str!("../../../data/demo/nomi-maschili.txt")),
        female: lines(include_str!("../../../data/demo/nomi-femminili.txt")),
        surnames: lines(include_str!("../../../data/demo/cognomi.txt")),
        streets: lines(include_str!("../../../data/demo/vie.txt")),
        diplomi: lines(include_str!("../../../data/demo/titoli-di-studio.txt")),
        professioni: lines(include_str!("../../../data/demo/professioni.txt")),
        cars: lines(include_str!("../../../data/demo/modelli-auto.txt")),
        foreign: columns(include_str!("../../../data/demo/stranieri.tsv"))
            .into_iter()
            .map(|c| Foreign {
                state: index(c[0]),
                cognome: c[1],
                male: c[2],
                female: c[3],
            })
            .collect(),
        aire: columns(include_str!("../../../data/demo/citta-aire.tsv"))
            .into_iter()
            .map(|c| AireCity {
                state: index(c[0]),
                city: c[1],
                street: c[2],
            })
            .collect(),
    })
}
