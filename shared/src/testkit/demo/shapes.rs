//! The household shapes of the demo: each one adds a household (or two) and its persons.

use chrono::Duration;
use rand::Rng;

use super::persons::{change_stato, die, join, marry, spouse_of};
use super::{add_years, Gen};
use crate::domain::dated::Dated;
use crate::domain::person::*;
use crate::domain::places;
use crate::services::import::Record;

impl Gen {
    pub(super) fn family_with_children(&mut self) {
        let (mut h, mut w, married) = self.couple(35, 60);
        let id = self.new_household();
        let home = [(married, self.street_address())];
        join(
            &mut h,
            &id,
            &home,
            married,
            None,
            Rapporto::IntestatarioScheda,
        );
        join(&mut w, &id, &home, married, None, Rapporto::Coniuge);
        let n = self.rng.gen_range(1..=3);
        let kids = self.children(&h.cognome, married, n);
        self.finish(h);
        self.finish(w);
        for mut k in kids {
            let born = k.nascita.data;
            join(&mut k, &id, &home, born, None, Rapporto::Figlio);
            self.finish(k);
        }
    }

    /// A person living alone, from their household's creation.
    fn alone(&mut self, mut p: Persona) {
        let joined = self.date_between(
            add_years(p.nascita.data, 19),
            self.today - Duration::days(30),
        );
        let id = self.new_household();
        let home = [(joined, self.street_address())];
        join(
            &mut p,
            &id,
            &home,
            joined,
            None,
            Rapporto::IntestatarioScheda,
        );
        self.finish(p);
    }

    pub(super) fn single(&mut self) {
        let sesso = if self.coin() { Sesso::M } else { Sesso::F };
        let p = self.italian(sesso, None, 20, 85);
        self.alone(p);
    }

    /// A couple where the husband has died: the widow stays and becomes intestataria.
    pub(super) fn with_deceased_member(&mut self) {
        let (mut h, mut w, married) = self.couple(65, 90);
        let death = self
            .date_between(add_years(self.today, -6), self.today - Duration::days(60))
            .max(married + Duration::days(365));
        let place = self.comune();
        die(&mut h, death, place);
        let ex = spouse_of(&w);
        change_stato(&mut w, death, StatoCivile::Vedovo, ex, None);
        let id = self.new_household();
        let home = [(married, self.street_address())];
        join(
            &mut h,
            &id,
            &home,
            married,
            None,
            Rapporto::IntestatarioScheda,
        );
        join(&mut w, &id, &home, married, Some(death), Rapporto::Coniuge);
        join(
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

    pub(super) fn foreign_family(&mut self) {
        let names = self.names;
        let f = *self.pick(&names.foreign);
        let luogo = places::estero(f.state);
        let (born_m, born_f) = (self.birth(28, 55), self.birth(25, 50));
        let mut man = self.person(Sesso::M, f.cognome, f.male, born_m, luogo.clone());
        let mut woman = self.person(Sesso::F, f.cognome, f.female, born_f, luogo.clone());
        let older = born_m.max(born_f);
        let married = self.date_between(add_years(older, 20), add_years(older, 24));
        marry(&mut man, &mut woman, married, luogo);
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
            self.permesso(&mut p, rapporto == Rapporto::Coniuge);
            let ente = format!("Comune di {}", self.muni.name);
            self.enrich(&mut p, &ente);
            join(&mut p, &id, &home, arrived, None, rapporto);
            self.finish(p);
        }
        // A child born in Italy keeps the parents' citizenship.
        if self.rng.gen_bool(0.6) {
            let luogo = self.comune();
            let mut c = self.child_of(f.cognome, luogo, arrived + Duration::days(200), self.today);
            let stato = places::STATI_ESTERI[f.state].0.to_string();
            c.cittadinanza = vec![Dated::new(c.nascita.data, None, Cittadinanza { stato })];
            let born = c.nascita.data;
            join(&mut c, &id, &home, born, None, Rapporto::Figlio);
            self.finish(c);
        }
    }

    fn permesso(&mut self, p: &mut Persona, family_reasons: bool) {
        let issued = self.date_between(add_years(self.today, -1), self.today - Duration::days(15));
        let motivo = if family_reasons {
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
    }

    /// A couple that moved within the town: two addresses in the residence history.
    pub(super) fn mover(&mut self) {
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
        join(
            &mut h,
            &id,
            &homes,
            married,
            None,
            Rapporto::IntestatarioScheda,
        );
        join(&mut w, &id, &homes, married, None, Rapporto::Coniuge);
        self.finish(h);
        self.finish(w);
    }

    /// Married, then divorced: the wife keeps the household with the child, the husband
    /// leaves on the divorce date for a household of his own.
    pub(super) fn divorced(&mut self) {
        let (mut h, mut w, married) = self.couple(40, 60);
        let divorce = self.date_between(
            married + Duration::days(3 * 365),
            self.today - Duration::days(90),
        );
        let (ch, cw) = (spouse_of(&h), spouse_of(&w));
        change_stato(&mut h, divorce, StatoCivile::Divorziato, ch, None);
        change_stato(&mut w, divorce, StatoCivile::Divorziato, cw, None);
        let family = self.new_household();
        let home = [(married, self.street_address())];
        let (head, spouse) = (Rapporto::IntestatarioScheda, Rapporto::Coniuge);
        join(&mut h, &family, &home, married, Some(divorce), head);
        join(&mut w, &family, &home, married, Some(divorce), spouse);
        join(&mut w, &family, &home, divorce, None, head);
        let alone = self.new_household();
        let new_home = [(divorce, self.street_address())];
        join(&mut h, &alone, &new_home, divorce, None, head);
        let mut kid = self
            .children(&h.cognome, married, 1)
            .pop()
            .expect("one child");
        let born = kid.nascita.data;
        if born < divorce {
            join(
                &mut kid,
                &family,
                &home,
                born,
                Some(divorce),
                Rapporto::Figlio,
            );
            join(&mut kid, &family, &home, divorce, None, Rapporto::Figlio);
        } else {
            join(&mut kid, &family, &home, born, None, Rapporto::Figlio);
        }
        self.finish(h);
        self.finish(w);
        self.finish(kid);
    }

    /// An Italian citizen who emigrated and is registered in AIRE.
    pub(super) fn aire(&mut self) {
        let sesso = if self.coin() { Sesso::M } else { Sesso::F };
        let mut p = self.italian(sesso, None, 25, 60);
        let arrived = add_years(p.nascita.data, 20);
        let emigrated = self.date_between(
            add_years(p.nascita.data, 23),
            self.today - Duration::days(100),
        );
        let local = self.new_household();
        let abroad = self.new_household();
        let names = self.names;
        let city = *self.pick(&names.aire);
        let home = [(arrived, self.street_address())];
        let foreign_home = [(
            emigrated,
            Indirizzo {
                via: city.street.into(),
                civico: self.rng.gen_range(1..80).to_string(),
                interno: None,
                cap: "-".into(),
                comune: format!("{} ({})", city.city, places::STATI_ESTERI[city.state].0),
                provincia: "EE".into(),
            },
        )];
        let head = Rapporto::IntestatarioScheda;
        join(&mut p, &local, &home, arrived, Some(emigrated), head);
        join(&mut p, &abroad, &foreign_home, emigrated, None, head);
        let position = |posizione, luogo| PosizioneFatto { posizione, luogo };
        p.posizione_anagrafica = vec![
            Dated::new(
                arrived,
                Some(emigrated),
                position(PosizioneAnagrafica::Residente, None),
            ),
            Dated::new(
                emigrated,
                None,
                position(PosizioneAnagrafica::Aire, Some(places::estero(city.state))),
            ),
        ];
        self.finish(p);
    }

    /// A namesake of the first person of the demo, born the same day in the same place:
    /// the Agenzia delle Entrate gives them an omocode.
    pub(super) fn homonym(&mut self) {
        let Some(first) = self.out.iter().find_map(|r| match r {
            Record::Persona(p) => Some(p.clone()),
            _ => None,
        }) else {
            return;
        };
        let p = self.person(
            first.sesso,
            &first.cognome,
            &first.nome,
            first.nascita.data,
            first.nascita.luogo.clone(),
        );
        self.alone(p);
    }

    /// A couple with a baby born in the last months.
    pub(super) fn newborn_family(&mut self) {
        let (mut h, mut w, married) = self.couple(28, 40);
        let luogo = self.comune();
        let earliest = (self.today - Duration::days(200)).max(married);
        let mut baby = self.child_of(&h.cognome, luogo, earliest, self.today - Duration::days(7));
        let id = self.new_household();
        let home = [(married, self.street_address())];
        join(
            &mut h,
            &id,
            &home,
            married,
            None,
            Rapporto::IntestatarioScheda,
        );
        join(&mut w, &id, &home, married, None, Rapporto::Coniuge);
        let born = baby.nascita.data;
        join(&mut baby, &id, &home, born, None, Rapporto::Figlio);
        self.finish(h);
        self.finish(w);
        self.finish(baby);
    }
}
