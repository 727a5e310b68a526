//! Persons of the demo and the events of their lives: birth, marriage, change of civil
//! status, death, membership of a household with its addresses.

use chrono::{Duration, NaiveDate};
use rand::Rng;

use super::{add_years, Gen};
use crate::domain::codice_fiscale::CodiceFiscale;
use crate::domain::dated::Dated;
use crate::domain::person::*;
use crate::domain::places;

impl Gen {
    /// A person with a unique codice fiscale (an omocode when the base form is taken).
    pub(super) fn person(
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
        let names = self.names;
        let father = self.pick(&names.male).to_string();
        let mother = self.pick(&names.female).to_string();
        newborn(
            &cf,
            cognome,
            nome,
            sesso,
            Nascita { data: born, luogo },
            stato,
            (father, mother),
        )
    }

    pub(super) fn italian(
        &mut self,
        sesso: Sesso,
        cognome: Option<&str>,
        min_age: i32,
        max_age: i32,
    ) -> Persona {
        let names = self.names;
        let cognome = cognome
            .map(str::to_string)
            .unwrap_or_else(|| self.pick(&names.surnames).to_string());
        let nome = self.first_name(sesso);
        let born = self.birth(min_age, max_age);
        let luogo = places::comune(self.rng.gen_range(0..places::COMUNI.len()));
        self.person(sesso, &cognome, &nome, born, luogo)
    }

    fn first_name(&mut self, sesso: Sesso) -> String {
        let names = self.names;
        if sesso == Sesso::M {
            self.pick(&names.male)
        } else {
            self.pick(&names.female)
        }
        .to_string()
    }

    pub(super) fn child_of(
        &mut self,
        cognome: &str,
        luogo: Luogo,
        earliest: NaiveDate,
        latest: NaiveDate,
    ) -> Persona {
        let sesso = if self.coin() { Sesso::M } else { Sesso::F };
        let nome = self.first_name(sesso);
        let born = self.date_between(earliest, latest.min(self.today));
        self.person(sesso, cognome, &nome, born, luogo)
    }

    pub(super) fn couple(&mut self, min_age: i32, max_age: i32) -> (Persona, Persona, NaiveDate) {
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
        marry(&mut husband, &mut wife, married, place);
        (husband, wife, married)
    }

    /// Children born between `from` (plus some months) and 15 years later or today.
    pub(super) fn children(&mut self, cognome: &str, from: NaiveDate, n: usize) -> Vec<Persona> {
        let latest = add_years(from, 15).min(self.today);
        (0..n)
            .map(|_| {
                let luogo = self.comune();
                self.child_of(cognome, luogo, from + Duration::days(300), latest)
            })
            .collect()
    }
}

/// A person as born: free, with only birth, parents and citizenship.
fn newborn(
    cf: &CodiceFiscale,
    cognome: &str,
    nome: &str,
    sesso: Sesso,
    nascita: Nascita,
    stato: String,
    (father, mother): (String, String),
) -> Persona {
    let born = nascita.data;
    Persona {
        codice_fiscale: cf.as_str().to_string(),
        cognome: cognome.into(),
        nome: nome.into(),
        sesso,
        nascita,
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

pub(super) fn coniuge(p: &Persona) -> Coniuge {
    Coniuge {
        codice_fiscale: Some(p.codice_fiscale.clone()),
        cognome: p.cognome.clone(),
        nome: p.nome.clone(),
    }
}

/// Sets two persons married on `date` (each names the other).
pub(super) fn marry(a: &mut Persona, b: &mut Persona, date: NaiveDate, luogo: Luogo) {
    let (ca, cb) = (coniuge(b), coniuge(a));
    change_stato(
        a,
        date,
        StatoCivile::Coniugato,
        Some(ca),
        Some(luogo.clone()),
    );
    change_stato(b, date, StatoCivile::Coniugato, Some(cb), Some(luogo));
}

pub(super) fn change_stato(
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

pub(super) fn spouse_of(p: &Persona) -> Option<Coniuge> {
    p.stato_civile.last().and_then(|s| s.value.coniuge.clone())
}

pub(super) fn die(p: &mut Persona, date: NaiveDate, luogo: Luogo) {
    p.posizione_anagrafica.push(Dated::new(
        date,
        None,
        PosizioneFatto {
            posizione: PosizioneAnagrafica::Deceduto,
            luogo: Some(luogo),
        },
    ));
}

/// `p` belongs to household `id` from `from` until `to` (or death) with `rapporto`, and
/// lives at the household's `addresses` — (from, address) in order, the last one open.
pub(super) fn join(
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
