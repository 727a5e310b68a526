//! The demo municipality: a seeded, deterministic generator of a registry export in the
//! import format, with every shape the portal must handle — single person, couple with
//! children, a household with a deceased member, a foreign citizen with a permesso di
//! soggiorno, a move within the town, a marriage and later divorce, an AIRE citizen, a
//! newborn minor — then a realistic mix up to the requested size.

use std::collections::HashSet;
use std::io::Write;

use chrono::{Datelike, Duration, NaiveDate};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::config::Municipality;
use crate::domain::codice_fiscale::CodiceFiscale;
use crate::domain::dated::Dated;
use crate::domain::person::*;
use crate::domain::places;
use crate::services::import::Record;

pub const DEFAULT_SEED: u64 = 20_261_123;

const MALE: &[&str] = &[
    "Marco",
    "Giuseppe",
    "Luca",
    "Andrea",
    "Francesco",
    "Alessandro",
    "Matteo",
    "Lorenzo",
    "Davide",
    "Simone",
    "Stefano",
    "Paolo",
    "Roberto",
    "Antonio",
    "Giovanni",
    "Salvatore",
    "Nicola",
    "Fabio",
    "Riccardo",
    "Pietro",
    "Gianfranco",
    "Niccolò",
    "Mattia",
    "Emanuele",
];
const FEMALE: &[&str] = &[
    "Giulia",
    "Francesca",
    "Chiara",
    "Sara",
    "Martina",
    "Anna",
    "Maria",
    "Laura",
    "Elena",
    "Alessia",
    "Valentina",
    "Federica",
    "Silvia",
    "Paola",
    "Giorgia",
    "Elisa",
    "Rosa",
    "Caterina",
    "Lucia",
    "Ilaria",
    "Beatrice",
    "Noemi",
    "Aurora",
];
const SURNAMES: &[&str] = &[
    "Rossi",
    "Russo",
    "Ferrari",
    "Esposito",
    "Bianchi",
    "Romano",
    "Colombo",
    "Ricci",
    "Marino",
    "Greco",
    "Bruno",
    "Gallo",
    "Conti",
    "De Luca",
    "Mancini",
    "Costa",
    "Giordano",
    "Rizzo",
    "Lombardi",
    "Moretti",
    "Barbieri",
    "Fontana",
    "Santoro",
    "Mariani",
    "Rinaldi",
    "Caruso",
    "Ferrara",
    "Galli",
    "Martini",
    "Leone",
    "Longo",
    "Gentile",
    "Martinelli",
    "Vitale",
    "Serra",
    "Coppola",
    "De Santis",
    "D'Angelo",
    "Marchetti",
    "Parisi",
    "Villa",
    "Conte",
    "Fabbri",
    "Bianco",
    "Marini",
    "Grasso",
    "Valentini",
    "Sala",
    "Gatti",
    "Pellegrini",
    "Palumbo",
    "Sanna",
    "Farina",
    "Monti",
    "Cattaneo",
    "Morelli",
    "Amato",
    "Silvestri",
    "Testa",
    "Carbone",
    "Giuliani",
    "Barone",
    "Caputo",
    "Guerra",
    "Palmieri",
    "Fiore",
    "Bellini",
    "Basile",
    "Donati",
    "Piras",
    "Neri",
    "Pagano",
    "Sorrentino",
    "D'Amico",
    "Orlando",
];
/// (state index in `places::STATI_ESTERI`, surname, male name, female name)
const FOREIGN: &[(usize, &str, &str, &str)] = &[
    (0, "El Amrani", "Mohamed", "Fatima"),
    (1, "Popescu", "Ion", "Ioana"),
    (2, "Hoxha", "Arben", "Elira"),
    (3, "Chen", "Wei", "Mei"),
    (9, "Kovalenko", "Oleksandr", "Olena"),
    (12, "Diop", "Mamadou", "Awa"),
    (11, "Santos", "Jose", "Maricel"),
    (10, "Singh", "Gurpreet", "Harpreet"),
];
const STREETS: &[&str] = &[
    "Via Roma",
    "Via Garibaldi",
    "Via Mazzini",
    "Corso Vittorio Emanuele II",
    "Piazza del Popolo",
    "Via Dante Alighieri",
    "Via Cavour",
    "Via XX Settembre",
    "Via Giuseppe Verdi",
    "Viale della Repubblica",
    "Via dei Mille",
    "Via San Francesco",
    "Vicolo del Pozzo",
    "Via delle Vigne",
    "Via Matteotti",
    "Via Antonio Gramsci",
];
const DIPLOMI: &[&str] = &[
    "licenza di scuola media inferiore",
    "diploma di scuola secondaria superiore",
    "laurea",
];
const PROFESSIONI: &[&str] = &[
    "impiegato",
    "insegnante",
    "operaio",
    "commerciante",
    "infermiere",
    "libero professionista",
    "artigiano",
    "agricoltore",
    "medico",
    "ingegnere",
    "casalinga",
    "studente",
];

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
        let via = self.pick(STREETS).to_string();
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

    /// A person with a unique codice fiscale (an omocode when the base form is taken).
    fn person(
        &mut self,
        sesso: Sesso,
        cognome: &str,
        nome: &str,
        born: NaiveDate,
        luogo: Luogo,
    ) -> Persona {
        let base = CodiceFiscale::compute(cognome, nome, sesso, born, luogo.codice_catastale());
        let cf = (0..=7)
            .map(|level| {
                if level == 0 {
                    base.clone()
                } else {
                    base.omocode(level)
                }
            })
            .find(|cf| !self.used.contains(cf.as_str()))
            .expect("fewer than 8 homonyms");
        self.used.insert(cf.as_str().to_string());
        let stato = match &luogo {
            Luogo::Estero { stato, .. } => stato.clone(),
            Luogo::Comune { .. } => "Italia".to_string(),
        };
        let father = self.pick(MALE).to_string();
        let mother = self.pick(FEMALE).to_string();
        Persona {
            codice_fiscale: cf.as_str().to_string(),
            cognome: cognome.into(),
            nome: nome.into(),
            sesso,
            nascita: Nascita { data: born, luogo },
            paternita: Some(format!("{father} {cognome}")),
            maternita: Some(mother),
            cittadinanza: vec![Dated::new(born, None, Cittadinanza { stato })],
            stato_civile: vec![Dated::new(
                born,
                None,
                StatoCivileFatto {
                    stato: StatoCivile::Libero,
                    coniuge: None,
                    luogo_evento: None,
                },
            )],
            posizione_anagrafica: vec![],
            famiglia: vec![],
            residenza: vec![],
            titolo_studio: vec![],
            professione: vec![],
            posizione_elettorale: vec![],
            documenti: vec![],
            patente: vec![],
            veicoli: vec![],
            pensioni: vec![],
        }
    }

    fn italian(
        &mut self,
        sesso: Sesso,
        cognome: Option<&str>,
        min_age: i32,
        max_age: i32,
    ) -> Persona {
        let cognome = cognome
            .map(str::to_string)
            .unwrap_or_else(|| self.pick(SURNAMES).to_string());
        let nome = if sesso == Sesso::M {
            self.pick(MALE)
        } else {
            self.pick(FEMALE)
        }
        .to_string();
        let born = self.birth(min_age, max_age);
        let luogo = places::comune(self.rng.gen_range(0..places::COMUNI.len()));
        self.person(sesso, &cognome, &nome, born, luogo)
    }

    fn child_of(
        &mut self,
        cognome: &str,
        luogo: Luogo,
        earliest: NaiveDate,
        latest: NaiveDate,
    ) -> Persona {
        let sesso = if self.rng.gen_bool(0.5) {
            Sesso::M
        } else {
            Sesso::F
        };
        let nome = if sesso == Sesso::M {
            self.pick(MALE)
        } else {
            self.pick(FEMALE)
        }
        .to_string();
        let born = self.date_between(earliest, latest.min(self.today));
        self.person(sesso, cognome, &nome, born, luogo)
    }

    /// Sets two persons married on `date` (each names the other).
    fn marry(a: &mut Persona, b: &mut Persona, date: NaiveDate, luogo: Luogo) {
        let ca = Coniuge {
            codice_fiscale: Some(b.codice_fiscale.clone()),
            cognome: b.cognome.clone(),
            nome: b.nome.clone(),
        };
        let cb = Coniuge {
            codice_fiscale: Some(a.codice_fiscale.clone()),
            cognome: a.cognome.clone(),
            nome: a.nome.clone(),
        };
        Self::change_stato(
            a,
            date,
            StatoCivile::Coniugato,
            Some(ca),
            Some(luogo.clone()),
        );
        Self::change_stato(b, date, StatoCivile::Coniugato, Some(cb), Some(luogo));
    }

    fn change_stato(
        p: &mut Persona,
        date: NaiveDate,
        stato: StatoCivile,
        coniuge: Option<Coniuge>,
        luogo: Option<Luogo>,
    ) {
        if let Some(last) = p.stato_civile.last_mut() {
            last.to = Some(date);
        }
        p.stato_civile.push(Dated::new(
            date,
            None,
            StatoCivileFatto {
                stato,
                coniuge,
                luogo_evento: luogo,
            },
        ));
    }

    fn spouse_of(p: &Persona) -> Option<Coniuge> {
        p.stato_civile.last().and_then(|s| s.value.coniuge.clone())
    }

    fn die(p: &mut Persona, date: NaiveDate, luogo: Luogo) {
        p.posizione_anagrafica.push(Dated::new(
            date,
            None,
            PosizioneFatto {
                posizione: PosizioneAnagrafica::Deceduto,
                luogo: Some(luogo),
            },
        ));
    }

    /// Adds documents, licences, pensions, education and work suited to the age.
    fn enrich(&mut self, p: &mut Persona, ente: &str) {
        let end = p.date_of_death().unwrap_or(self.today);
        let age = end.years_since(p.nascita.data).unwrap_or(0) as i32;
        let years = match age {
            0..=2 => 3,
            3..=17 => 5,
            _ => 10,
        };
        if age >= 12 && p.date_of_death().is_none() && self.rng.gen_bool(0.4) {
            // An expired paper card before the current electronic one.
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
        if (end - p.nascita.data).num_days() < 60 {
            return; // too young for an identity card
        }
        let earliest = add_years(end, -years).max(p.nascita.data) + Duration::days(20);
        let issued = self
            .date_between(earliest, end - Duration::days(10))
            .max(p.nascita.data);
        let letters = [
            b'A' + self.rng.gen_range(0..26u8),
            b'A' + self.rng.gen_range(0..26u8),
        ];
        p.documenti.push(Dated::new(
            issued,
            Some(add_years(issued, years)),
            Documento::CartaIdentita {
                formato: FormatoCarta::Elettronica,
                numero: format!(
                    "CA{:05}{}",
                    self.rng.gen_range(0..100_000),
                    String::from_utf8_lossy(&letters)
                ),
                ente: ente.to_string(),
                valida_espatrio: age >= 18 || self.rng.gen_bool(0.8),
            },
        ));
        if age >= 19 {
            let (diploma, at_age) = match self.rng.gen_range(0..3) {
                0 => (DIPLOMI[0], 14),
                1 => (DIPLOMI[1], 19),
                _ => (DIPLOMI[2], 24),
            };
            if age >= at_age {
                p.titolo_studio.push(Dated::new(
                    add_years(p.nascita.data, at_age),
                    None,
                    Testo {
                        valore: diploma.into(),
                    },
                ));
            }
            let work_from = add_years(p.nascita.data, at_age.max(19) + 1).min(end);
            if age >= 67 {
                let retired = add_years(p.nascita.data, 67);
                p.professione.push(Dated::new(
                    work_from.min(retired),
                    Some(retired),
                    Testo {
                        valore: self.pick(PROFESSIONI).to_string(),
                    },
                ));
                p.professione.push(Dated::new(
                    retired,
                    None,
                    Testo {
                        valore: "pensionato".into(),
                    },
                ));
                p.pensioni.push(Dated::new(
                    retired,
                    p.date_of_death(),
                    Pensione {
                        ente: "INPS".into(),
                        categoria: "vecchiaia".into(),
                        numero: format!("{:08}", self.rng.gen_range(0..100_000_000)),
                    },
                ));
            } else {
                p.professione.push(Dated::new(
                    work_from,
                    None,
                    Testo {
                        valore: self.pick(PROFESSIONI).to_string(),
                    },
                ));
            }
            if age < 90 && self.rng.gen_bool(0.7) {
                let since = self
                    .date_between(add_years(end, -9), end - Duration::days(1))
                    .max(add_years(p.nascita.data, 18));
                p.patente.push(Dated::new(
                    since,
                    Some(add_years(since, 10)),
                    Patente {
                        numero: format!(
                            "SI{:07}{}",
                            self.rng.gen_range(0..10_000_000),
                            (b'A' + self.rng.gen_range(0..26u8)) as char
                        ),
                        categorie: "B".into(),
                        ente: "Motorizzazione civile".into(),
                    },
                ));
                if self.rng.gen_bool(0.6) {
                    let bought = self.date_between(since, end);
                    let l = |r: &mut ChaCha8Rng| (b'A' + r.gen_range(0..26u8)) as char;
                    let targa = format!(
                        "{}{}{:03}{}{}",
                        l(&mut self.rng),
                        l(&mut self.rng),
                        self.rng.gen_range(0..1000),
                        l(&mut self.rng),
                        l(&mut self.rng)
                    );
                    let model = *self.pick(&[
                        "Fiat Panda",
                        "Volkswagen Golf",
                        "Renault Clio",
                        "Toyota Yaris",
                        "Fiat 500",
                    ]);
                    p.veicoli.push(Dated::new(
                        bought,
                        p.date_of_death(),
                        Veicolo {
                            targa,
                            descrizione: format!("Autovettura {model}"),
                        },
                    ));
                }
            }
        }
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

    /// `p` belongs to household `id` from `from` until `to` (or death) with `rapporto`, and
    /// lives at the household's `addresses` — (from, address) in order, the last one open.
    fn join(
        p: &mut Persona,
        id: &str,
        addresses: &[(NaiveDate, Indirizzo)],
        from: NaiveDate,
        to: Option<NaiveDate>,
        rapporto: Rapporto,
    ) {
        let to = to.or(p.date_of_death());
        p.famiglia.push(Dated::new(
            from,
            to,
            Appartenenza {
                famiglia: id.to_string(),
                rapporto,
            },
        ));
        for (i, (a_from, addr)) in addresses.iter().enumerate() {
            let a_to = addresses.get(i + 1).map(|a| a.0);
            let start = (*a_from).max(from);
            let end = match (a_to, to) {
                (Some(x), Some(y)) => Some(x.min(y)),
                (x, y) => x.or(y),
            };
            if end.is_none_or(|e| e > start) {
                match p.residenza.last_mut() {
                    // The same address continued under another rapporto: one period.
                    Some(last) if last.to == Some(start) && last.value == *addr => last.to = end,
                    _ => p.residenza.push(Dated::new(start, end, addr.clone())),
                }
            }
        }
    }

    /// Completes a person (posizione anagrafica, liste elettorali, documents) and emits it.
    fn finish(&mut self, mut p: Persona) {
        p.famiglia.sort_by_key(|m| m.from);
        p.residenza.sort_by_key(|r| r.from);
        if p.posizione_anagrafica
            .iter()
            .all(|x| x.value.posizione == PosizioneAnagrafica::Deceduto)
        {
            let since = p.famiglia.first().map_or(p.nascita.data, |m| m.from);
            p.posizione_anagrafica.insert(
                0,
                Dated::new(
                    since,
                    p.date_of_death(),
                    PosizioneFatto {
                        posizione: PosizioneAnagrafica::Residente,
                        luogo: None,
                    },
                ),
            );
        }
        let italian = p.cittadinanza.iter().any(|c| c.value.stato == "Italia");
        let adult = add_years(p.nascita.data, 18);
        if italian && adult <= self.today && p.posizione_elettorale.is_empty() {
            let since = adult.max(p.posizione_anagrafica[0].from);
            p.posizione_elettorale.push(Dated::new(
                since,
                p.date_of_death(),
                Testo {
                    valore: format!(
                        "iscritto nelle liste elettorali del Comune di {}",
                        self.muni.name
                    ),
                },
            ));
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

    fn comune(&mut self) -> Luogo {
        places::comune(self.rng.gen_range(0..places::COMUNI.len()))
    }

    fn couple(&mut self, min_age: i32, max_age: i32) -> (Persona, Persona, NaiveDate) {
        let mut husband = self.italian(Sesso::M, None, min_age, max_age);
        let mut wife = self.italian(Sesso::F, None, min_age, max_age);
        // Spouses within a few years of each other.
        let gap = Duration::days(self.rng.gen_range(-5 * 365..=3 * 365));
        let wife_born = (husband.nascita.data + gap).min(add_years(self.today, -min_age));
        let luogo = wife.nascita.luogo.clone();
        let (cognome, nome) = (wife.cognome.clone(), wife.nome.clone());
        self.used.remove(&wife.codice_fiscale);
        wife = self.person(Sesso::F, &cognome, &nome, wife_born, luogo);
        let youngest = husband.nascita.data.max(wife.nascita.data);
        let married = self.date_between(
            add_years(youngest, 22),
            add_years(youngest, 32).min(self.today - Duration::days(400)),
        );
        let place = self.comune();
        Self::marry(&mut husband, &mut wife, married, place);
        (husband, wife, married)
    }

    /// Children born between `from` (plus some months) and 15 years later or today.
    fn children(&mut self, cognome: &str, from: NaiveDate, n: usize) -> Vec<Persona> {
        let latest = add_years(from, 15).min(self.today);
        (0..n)
            .map(|_| {
                let luogo = self.comune();
                self.child_of(cognome, luogo, from + Duration::days(300), latest)
            })
            .collect()
    }

    fn family_with_children(&mut self) {
        let (mut h, mut w, married) = self.couple(35, 60);
        let id = self.new_household();
        let home = [(married, self.street_address())];
        Self::join(
            &mut h,
            &id,
            &home,
            married,
            None,
            Rapporto::IntestatarioScheda,
        );
        Self::join(&mut w, &id, &home, married, None, Rapporto::Coniuge);
        let n = self.rng.gen_range(1..=3);
        let kids = self.children(&h.cognome, married, n);
        self.finish(h);
        self.finish(w);
        for mut k in kids {
            let born = k.nascita.data;
            Self::join(&mut k, &id, &home, born, None, Rapporto::Figlio);
            self.finish(k);
        }
    }

    fn single(&mut self) {
        let sesso = if self.rng.gen_bool(0.5) {
            Sesso::M
        } else {
            Sesso::F
        };
        let mut p = self.italian(sesso, None, 20, 85);
        let joined = self.date_between(
            add_years(p.nascita.data, 19),
            self.today - Duration::days(30),
        );
        let id = self.new_household();
        let home = [(joined, self.street_address())];
        Self::join(
            &mut p,
            &id,
            &home,
            joined,
            None,
            Rapporto::IntestatarioScheda,
        );
        self.finish(p);
    }

    /// A couple where the husband has died: the widow stays and becomes intestataria.
    fn with_deceased_member(&mut self) {
        let (mut h, mut w, married) = self.couple(65, 90);
        let death = self
            .date_between(add_years(self.today, -6), self.today - Duration::days(60))
            .max(married + Duration::days(365));
        let place = self.comune();
        Self::die(&mut h, death, place);
        let ex = Self::spouse_of(&w);
        Self::change_stato(&mut w, death, StatoCivile::Vedovo, ex, None);
        let id = self.new_household();
        let home = [(married, self.street_address())];
        Self::join(
            &mut h,
            &id,
            &home,
            married,
            None,
            Rapporto::IntestatarioScheda,
        );
        Self::join(&mut w, &id, &home, married, Some(death), Rapporto::Coniuge);
        Self::join(
            &mut w,
            &id,
            &home,
            death,
            None,
            Rapporto::IntestatarioScheda,
        );
        self.finish(h);
        self.finish(w);
    }

    fn foreign_family(&mut self) {
        let (state_idx, cognome, m_name, f_name) = *self.pick(FOREIGN);
        let luogo = places::estero(state_idx);
        let stato = places::STATI_ESTERI[state_idx].0;
        let born_m = self.birth(28, 55);
        let born_f = self.birth(25, 50);
        let mut man = self.person(Sesso::M, cognome, m_name, born_m, luogo.clone());
        let mut woman = self.person(Sesso::F, cognome, f_name, born_f, luogo.clone());
        let older = born_m.max(born_f);
        let married = self.date_between(add_years(older, 20), add_years(older, 24));
        Self::marry(&mut man, &mut woman, married, luogo);
        let arrived = self.date_between(
            married.max(add_years(self.today, -12)),
            self.today - Duration::days(200),
        );
        let id = self.new_household();
        let home = [(arrived, self.street_address())];
        for (mut p, rapporto) in [
            (man, Rapporto::IntestatarioScheda),
            (woman, Rapporto::Coniuge),
        ] {
            let issued =
                self.date_between(add_years(self.today, -1), self.today - Duration::days(15));
            let motivo = if rapporto == Rapporto::Coniuge {
                "motivi familiari"
            } else {
                "lavoro subordinato"
            };
            p.documenti.push(Dated::new(
                issued,
                Some(add_years(issued, 2)),
                Documento::PermessoSoggiorno {
                    numero: format!("I{:08}", self.rng.gen_range(0..100_000_000)),
                    questura: format!("Questura di {}", self.muni.name),
                    motivo: motivo.into(),
                },
            ));
            let ente = format!("Comune di {}", self.muni.name);
            self.enrich(&mut p, &ente);
            Self::join(&mut p, &id, &home, arrived, None, rapporto);
            self.finish(p);
        }
        // A child born in Italy keeps the parents' citizenship.
        if self.rng.gen_bool(0.6) {
            let luogo = self.comune();
            let mut c = self.child_of(cognome, luogo, arrived + Duration::days(200), self.today);
            c.cittadinanza = vec![Dated::new(
                c.nascita.data,
                None,
                Cittadinanza {
                    stato: stato.into(),
                },
            )];
            let born = c.nascita.data;
            Self::join(&mut c, &id, &home, born, None, Rapporto::Figlio);
            self.finish(c);
        }
    }

    /// A couple that moved within the town: two addresses in the residence history.
    fn mover(&mut self) {
        let (mut h, mut w, married) = self.couple(30, 70);
        let moved = self.date_between(
            married + Duration::days(200),
            self.today - Duration::days(60),
        );
        let first = self.street_address();
        let mut second = self.street_address();
        while second.via == first.via {
            second = self.street_address();
        }
        let id = self.new_household();
        let homes = [(married, first), (moved, second)];
        Self::join(
            &mut h,
            &id,
            &homes,
            married,
            None,
            Rapporto::IntestatarioScheda,
        );
        Self::join(&mut w, &id, &homes, married, None, Rapporto::Coniuge);
        self.finish(h);
        self.finish(w);
    }

    /// Married, then divorced: the wife keeps the household with the child, the husband
    /// leaves on the divorce date for a household of his own.
    fn divorced(&mut self) {
        let (mut h, mut w, married) = self.couple(40, 60);
        let divorce = self.date_between(
            married + Duration::days(3 * 365),
            self.today - Duration::days(90),
        );
        let (ch, cw) = (Self::spouse_of(&h), Self::spouse_of(&w));
        Self::change_stato(&mut h, divorce, StatoCivile::Divorziato, ch, None);
        Self::change_stato(&mut w, divorce, StatoCivile::Divorziato, cw, None);
        let family = self.new_household();
        let home = [(married, self.street_address())];
        Self::join(
            &mut h,
            &family,
            &home,
            married,
            Some(divorce),
            Rapporto::IntestatarioScheda,
        );
        Self::join(
            &mut w,
            &family,
            &home,
            married,
            Some(divorce),
            Rapporto::Coniuge,
        );
        Self::join(
            &mut w,
            &family,
            &home,
            divorce,
            None,
            Rapporto::IntestatarioScheda,
        );
        let alone = self.new_household();
        let new_home = [(divorce, self.street_address())];
        Self::join(
            &mut h,
            &alone,
            &new_home,
            divorce,
            None,
            Rapporto::IntestatarioScheda,
        );
        let mut kid = self
            .children(&h.cognome, married, 1)
            .pop()
            .expect("one child");
        let born = kid.nascita.data;
        if born < divorce {
            Self::join(
                &mut kid,
                &family,
                &home,
                born,
                Some(divorce),
                Rapporto::Figlio,
            );
            Self::join(&mut kid, &family, &home, divorce, None, Rapporto::Figlio);
        } else {
            Self::join(&mut kid, &family, &home, born, None, Rapporto::Figlio);
        }
        self.finish(h);
        self.finish(w);
        self.finish(kid);
    }

    /// An Italian citizen who emigrated and is registered in AIRE.
    fn aire(&mut self) {
        let sesso = if self.rng.gen_bool(0.5) {
            Sesso::M
        } else {
            Sesso::F
        };
        let mut p = self.italian(sesso, None, 25, 60);
        let arrived = add_years(p.nascita.data, 20);
        let emigrated = self.date_between(
            add_years(p.nascita.data, 23),
            self.today - Duration::days(100),
        );
        let local = self.new_household();
        let abroad = self.new_household();
        let (state_idx, city, street) = *self.pick(&[
            (4usize, "Parigi", "Rue de la Paix"),
            (5, "Berlino", "Friedrichstraße"),
            (6, "Zurigo", "Bahnhofstrasse"),
            (14, "Londra", "Baker Street"),
        ]);
        let home = [(arrived, self.street_address())];
        let foreign_home = [(
            emigrated,
            Indirizzo {
                via: street.into(),
                civico: self.rng.gen_range(1..80).to_string(),
                interno: None,
                cap: "-".into(),
                comune: format!("{city} ({})", places::STATI_ESTERI[state_idx].0),
                provincia: "EE".into(),
            },
        )];
        Self::join(
            &mut p,
            &local,
            &home,
            arrived,
            Some(emigrated),
            Rapporto::IntestatarioScheda,
        );
        Self::join(
            &mut p,
            &abroad,
            &foreign_home,
            emigrated,
            None,
            Rapporto::IntestatarioScheda,
        );
        p.posizione_anagrafica = vec![
            Dated::new(
                arrived,
                Some(emigrated),
                PosizioneFatto {
                    posizione: PosizioneAnagrafica::Residente,
                    luogo: None,
                },
            ),
            Dated::new(
                emigrated,
                None,
                PosizioneFatto {
                    posizione: PosizioneAnagrafica::Aire,
                    luogo: Some(places::estero(state_idx)),
                },
            ),
        ];
        self.finish(p);
    }

    /// A namesake of the first person of the demo, born the same day in the same place:
    /// the Agenzia delle Entrate gives them an omocode.
    fn homonym(&mut self) {
        let Some(first) = self.out.iter().find_map(|r| match r {
            Record::Persona(p) => Some(p.clone()),
            _ => None,
        }) else {
            return;
        };
        let mut p = self.person(
            first.sesso,
            &first.cognome,
            &first.nome,
            first.nascita.data,
            first.nascita.luogo.clone(),
        );
        let joined = self.date_between(
            add_years(p.nascita.data, 19),
            self.today - Duration::days(30),
        );
        let id = self.new_household();
        let home = [(joined, self.street_address())];
        Self::join(
            &mut p,
            &id,
            &home,
            joined,
            None,
            Rapporto::IntestatarioScheda,
        );
        self.finish(p);
    }

    /// A couple with a baby born in the last months.
    fn newborn_family(&mut self) {
        let (mut h, mut w, married) = self.couple(28, 40);
        let luogo = self.comune();
        let earliest = (self.today - Duration::days(200)).max(married);
        let mut baby = self.child_of(&h.cognome, luogo, earliest, self.today - Duration::days(7));
        let id = self.new_household();
        let home = [(married, self.street_address())];
        Self::join(
            &mut h,
            &id,
            &home,
            married,
            None,
            Rapporto::IntestatarioScheda,
        );
        Self::join(&mut w, &id, &home, married, None, Rapporto::Coniuge);
        let born = baby.nascita.data;
        Self::join(&mut baby, &id, &home, born, None, Rapporto::Figlio);
        self.finish(h);
        self.finish(w);
        self.finish(baby);
    }
}

/// Generates the population; the same spec always gives the same records.
pub fn generate(spec: &DemoSpec) -> Vec<Record> {
    let mut g = Gen {
        rng: ChaCha8Rng::seed_from_u64(spec.seed),
        today: spec.today,
        muni: spec.municipality.clone(),
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
    }
    g.out
}

/// Writes records as JSON Lines (the import format).
pub fn write_jsonl(records: &[Record], mut out: impl Write) -> std::io::Result<()> {
    for r in records {
        serde_json::to_writer(&mut out, r)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}
