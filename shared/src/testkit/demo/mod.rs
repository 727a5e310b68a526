//! The demo municipality: a seeded, deterministic generator of a registry export in the
//! import format, with every shape the portal must handle — single person, couple with
//! children, a household with a deceased member, a foreign citizen with a permesso di
//! soggiorno, a move within the town, a marriage and later divorce, an AIRE citizen, a
//! newborn minor — then a realistic mix up to the requested size. Names come from the data
//! files of `names`.

mod communities;
mod enrich;
mod names;
mod persons;
mod shapes;

use std::collections::HashSet;
use std::io::Write;

use chrono::{Datelike, Duration, NaiveDate};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::config::Municipality;
use crate::domain::person::{Famiglia, Indirizzo, Luogo, SpecieFamiglia};
use crate::domain::places;
use crate::services::import::Record;

pub const DEFAULT_SEED: u64 = 20_261_123;

/// What to generate.
#[derive(Debug, Clone)]
pub struct DemoSpec {
    /// Approximate number of persons (households are never split, so a few more may come).
    pub persons: usize,
    pub seed: u64,
    /// The "today" the population is generated for (documents valid, minors young).
    pub today: NaiveDate,
    pub municipality: Municipality,
}

fn add_years(d: NaiveDate, years: i32) -> NaiveDate {
    d.with_year(d.year() + years)
        .unwrap_or_else(|| NaiveDate::from_ymd_opt(d.year() + years, 2, 28).expect("valid date"))
}

struct Gen {
    rng: ChaCha8Rng,
    today: NaiveDate,
    muni: Municipality,
    names: &'static names::Names,
    used: HashSet<String>,
    out: Vec<Record>,
    persons: usize,
    next_household: u32,
}

impl Gen {
    fn pick<'a, T>(&mut self, list: &'a [T]) -> &'a T {
        &list[self.rng.gen_range(0..list.len())]
    }

    fn date_between(&mut self, a: NaiveDate, b: NaiveDate) -> NaiveDate {
        let days = (b - a).num_days().max(0);
        a + Duration::days(self.rng.gen_range(0..=days))
    }

    /// Born between `min_age` and `max_age` years before today.
    fn birth(&mut self, min_age: i32, max_age: i32) -> NaiveDate {
        let latest = add_years(self.today, -min_age);
        let earliest = add_years(self.today, -max_age);
        self.date_between(earliest, latest)
    }

    fn street_address(&mut self) -> Indirizzo {
        let names = self.names;
        let via = self.pick(&names.streets).to_string();
        Indirizzo {
            via,
            civico: self.rng.gen_range(1..120).to_string(),
            interno: self
                .rng
                .gen_bool(0.3)
                .then(|| self.rng.gen_range(1..12).to_string()),
            cap: self.muni.cap.clone(),
            comune: self.muni.name.clone(),
            provincia: self.muni.province.clone(),
        }
    }

    fn comune(&mut self) -> Luogo {
        places::comune(self.rng.gen_range(0..places::COMUNI.len()))
    }

    fn coin(&mut self) -> bool {
        self.rng.gen_bool(0.5)
    }

    fn new_household(&mut self) -> String {
        self.next_household += 1;
        let id = format!("F{:06}", self.next_household);
        self.out.push(Record::Famiglia(Famiglia {
            id: id.clone(),
            specie: SpecieFamiglia::Famiglia,
            denominazione: None,
        }));
        id
    }
}

/// Generates the population; the same spec always gives the same records.
pub fn generate(spec: &DemoSpec) -> Vec<Record> {
    let mut all = Vec::new();
    generate_each(spec, |r| all.push(r));
    all
}

/// Generates the population record by record, in the order of `generate`, holding only the
/// household being made (and the codici fiscali given): a city-sized export streams to a
/// file in bounded memory.
pub fn generate_each(spec: &DemoSpec, mut sink: impl FnMut(Record)) {
    let mut g = Gen {
        rng: ChaCha8Rng::seed_from_u64(spec.seed),
        today: spec.today,
        muni: spec.municipality.clone(),
        names: names::names(),
        used: HashSet::new(),
        out: Vec::new(),
        persons: 0,
        next_household: 0,
    };
    // The showcase: every shape at least once, in a fixed order.
    g.family_with_children();
    g.single();
    g.with_deceased_member();
    g.foreign_family();
    g.mover();
    g.divorced();
    g.aire();
    g.newborn_family();
    g.homonym();
    g.care_home();
    g.civil_union();
    g.de_facto_couple();
    g.out.drain(..).for_each(&mut sink);
    while g.persons < spec.persons {
        match g.rng.gen_range(0..20) {
            0..=6 => g.family_with_children(),
            7..=10 => g.single(),
            11 => g.with_deceased_member(),
            12..=13 => g.foreign_family(),
            14..=15 => g.mover(),
            16 => g.divorced(),
            17 => g.aire(),
            _ => g.newborn_family(),
        }
        g.out.drain(..).for_each(&mut sink);
    }
}

/// Writes records as JSON Lines (the import format).
pub fn write_jsonl(records: &[Record], mut out: impl Write) -> std::io::Result<()> {
    for r in records {
        serde_json::to_writer(&mut out, r)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}
