//! What a demo person carries besides their family: identity documents, education, work,
//! pension, driving licence and car, liste elettorali; and the finishing of a record.

use chrono::{Duration, NaiveDate};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::{add_years, Gen};
use crate::domain::dated::Dated;
use crate::domain::person::*;
use crate::services::import::Record;

fn letter(r: &mut ChaCha8Rng) -> char {
    (b'A' + r.gen_range(0..26u8)) as char
}

impl Gen {
    /// Adds documents, licences, pensions, education and work suited to the age.
    pub(super) fn enrich(&mut self, p: &mut Persona, ente: &str) {
        let end = p.date_of_death().unwrap_or(self.today);
        let age = end.years_since(p.nascita.data).unwrap_or(0) as i32;
        let years = match age {
            0..=2 => 3,
            3..=17 => 5,
            _ => 10,
        };
        if age >= 12 && p.date_of_death().is_none() && self.rng.gen_bool(0.4) {
            self.paper_card(p, ente, years);
        }
        if (end - p.nascita.data).num_days() < 60 {
            return; // too young for an identity card
        }
        self.electronic_card(p, ente, end, age, years);
        if age >= 19 {
            self.education_and_work(p, end, age);
            if age < 90 && self.rng.gen_bool(0.7) {
                self.licence_and_car(p, end);
            }
        }
    }

    /// An expired paper card before the current electronic one.
    fn paper_card(&mut self, p: &mut Persona, ente: &str, years: i32) {
        let old = add_years(self.today, -years - 2);
        let old = old.max(p.nascita.data + Duration::days(30));
        p.documenti.push(Dated::new(
            old,
            Some(add_years(old, years)),
            Documento::CartaIdentita {
                formato: FormatoCarta::Cartacea,
                numero: format!("AU{:07}", self.rng.gen_range(0..10_000_000)),
                ente: ente.to_string(),
                valida_espatrio: true,
            },
        ));
    }

    fn electronic_card(
        &mut self,
        p: &mut Persona,
        ente: &str,
        end: NaiveDate,
        age: i32,
        years: i32,
    ) {
        let earliest = add_years(end, -years).max(p.nascita.data) + Duration::days(20);
        let issued = self
            .date_between(earliest, end - Duration::days(10))
            .max(p.nascita.data);
        let letters = [letter(&mut self.rng), letter(&mut self.rng)];
        let number = self.rng.gen_range(0..100_000);
        p.documenti.push(Dated::new(
            issued,
            Some(add_years(issued, years)),
            Documento::CartaIdentita {
                formato: FormatoCarta::Elettronica,
                numero: format!("CA{number:05}{}{}", letters[0], letters[1]),
                ente: ente.to_string(),
                valida_espatrio: age >= 18 || self.rng.gen_bool(0.8),
            },
        ));
    }

    fn education_and_work(&mut self, p: &mut Persona, end: NaiveDate, age: i32) {
        let names = self.names;
        let (diploma, at_age) = match self.rng.gen_range(0..3) {
            0 => (names.diplomi[0], 14),
            1 => (names.diplomi[1], 19),
            _ => (names.diplomi[2], 24),
        };
        if age >= at_age {
            let since = add_years(p.nascita.data, at_age);
            p.titolo_studio.push(Dated::new(since, None, text(diploma)));
        }
        let work_from = add_years(p.nascita.data, at_age.max(19) + 1).min(end);
        let job = text(self.pick::<&str>(&names.professioni));
        if age < 67 {
            p.professione.push(Dated::new(work_from, None, job));
            return;
        }
        let retired = add_years(p.nascita.data, 67);
        p.professione
            .push(Dated::new(work_from.min(retired), Some(retired), job));
        p.professione
            .push(Dated::new(retired, None, text("pensionato")));
        p.pensioni.push(Dated::new(
            retired,
            p.date_of_death(),
            Pensione {
                ente: "INPS".into(),
                categoria: "vecchiaia".into(),
                numero: format!("{:08}", self.rng.gen_range(0..100_000_000)),
            },
        ));
    }

    fn licence_and_car(&mut self, p: &mut Persona, end: NaiveDate) {
        let since = self
            .date_between(add_years(end, -9), end - Duration::days(1))
            .max(add_years(p.nascita.data, 18));
        let number = self.rng.gen_range(0..10_000_000);
        let l = letter(&mut self.rng);
        p.patente.push(Dated::new(
            since,
            Some(add_years(since, 10)),
            Patente {
                numero: format!("SI{number:07}{l}"),
                categorie: "B".into(),
                ente: "Motorizzazione civile".into(),
            },
        ));
        if !self.rng.gen_bool(0.6) {
            return;
        }
        let bought = self.date_between(since, end);
        let (a, b) = (letter(&mut self.rng), letter(&mut self.rng));
        let n = self.rng.gen_range(0..1000);
        let (c, d) = (letter(&mut self.rng), letter(&mut self.rng));
        let names = self.names;
        let model = *self.pick(&names.cars);
        p.veicoli.push(Dated::new(
            bought,
            p.date_of_death(),
            Veicolo {
                targa: format!("{a}{b}{n:03}{c}{d}"),
                descrizione: format!("Autovettura {model}"),
            },
        ));
    }

    /// Completes a person (posizione anagrafica, liste elettorali, documents) and emits it.
    pub(super) fn finish(&mut self, mut p: Persona) {
        p.famiglia.sort_by_key(|m| m.from);
        p.residenza.sort_by_key(|r| r.from);
        if p.posizione_anagrafica
            .iter()
            .all(|x| x.value.posizione == PosizioneAnagrafica::Deceduto)
        {
            let since = p.famiglia.first().map_or(p.nascita.data, |m| m.from);
            let residente = PosizioneFatto {
                posizione: PosizioneAnagrafica::Residente,
                luogo: None,
            };
            p.posizione_anagrafica
                .insert(0, Dated::new(since, p.date_of_death(), residente));
        }
        let italian = p.cittadinanza.iter().any(|c| c.value.stato == "Italia");
        let adult = add_years(p.nascita.data, 18);
        if italian && adult <= self.today && p.posizione_elettorale.is_empty() {
            let since = adult.max(p.posizione_anagrafica[0].from);
            let lists = format!(
                "iscritto nelle liste elettorali del Comune di {}",
                self.muni.name
            );
            p.posizione_elettorale
                .push(Dated::new(since, p.date_of_death(), text(&lists)));
        }
        if p.documenti
            .iter()
            .all(|d| !matches!(d.value, Documento::CartaIdentita { .. }))
        {
            let ente = format!("Comune di {}", self.muni.name);
            self.enrich(&mut p, &ente);
        }
        self.persons += 1;
        self.out.push(Record::Persona(Box::new(p)));
    }
}

fn text(s: &str) -> Testo {
    Testo { valore: s.into() }
}
