//! The shapes of the demo that are not a family of spouses and children: a convivenza
//! anagrafica (a care home, the longest household of the demo), a civil union and two
//! conviventi di fatto.

use chrono::Duration;

use super::persons::{change_stato, coniuge, join};
use super::{add_years, Gen};
use crate::domain::person::*;
use crate::services::import::Record;

impl Gen {
    /// A care home registered as a convivenza: its head and a dozen elderly residents who
    /// came from other households of the comune over the last years.
    pub(super) fn care_home(&mut self) {
        self.next_household += 1;
        let id = format!("F{:06}", self.next_household);
        self.out.push(Record::Famiglia(Famiglia {
            id: id.clone(),
            specie: SpecieFamiglia::Convivenza,
            denominazione: Some("Residenza per anziani «Villa Serena»".into()),
        }));
        let opened = add_years(self.today, -12);
        let home = [(opened, self.street_address())];
        let sesso = if self.coin() { Sesso::M } else { Sesso::F };
        let mut head = self.italian(sesso, None, 45, 62);
        join(
            &mut head,
            &id,
            &home,
            opened,
            None,
            Rapporto::IntestatarioScheda,
        );
        self.finish(head);
        for _ in 0..12 {
            let sesso = if self.coin() { Sesso::M } else { Sesso::F };
            let mut p = self.italian(sesso, None, 78, 99);
            let before = self.date_between(add_years(p.nascita.data, 25), opened);
            let earlier = [(before, self.street_address())];
            let own = self.new_household();
            let came = self.date_between(opened, self.today - Duration::days(40));
            join(
                &mut p,
                &own,
                &earlier,
                before,
                Some(came),
                Rapporto::IntestatarioScheda,
            );
            join(&mut p, &id, &home, came, None, Rapporto::Convivente);
            self.finish(p);
        }
    }

    /// Two women in a civil union (L. 76/2016) in one household.
    pub(super) fn civil_union(&mut self) {
        let mut a = self.italian(Sesso::F, None, 30, 55);
        let mut b = self.italian(Sesso::F, None, 30, 55);
        let youngest = a.nascita.data.max(b.nascita.data);
        let earliest =
            add_years(youngest, 25).max(chrono::NaiveDate::from_ymd_opt(2016, 6, 5).unwrap());
        let united = self.date_between(earliest, self.today - Duration::days(200));
        let place = self.comune();
        let (ca, cb) = (coniuge(&b), coniuge(&a));
        change_stato(
            &mut a,
            united,
            StatoCivile::UnitoCivilmente,
            Some(ca),
            Some(place.clone()),
        );
        change_stato(
            &mut b,
            united,
            StatoCivile::UnitoCivilmente,
            Some(cb),
            Some(place),
        );
        let id = self.new_household();
        let home = [(united, self.street_address())];
        join(
            &mut a,
            &id,
            &home,
            united,
            None,
            Rapporto::IntestatarioScheda,
        );
        join(&mut b, &id, &home, united, None, Rapporto::UnitoCivilmente);
        self.finish(a);
        self.finish(b);
    }

    /// Two conviventi di fatto (L. 76/2016, c. 36) with a declared cohabitation.
    pub(super) fn de_facto_couple(&mut self) {
        let mut a = self.italian(Sesso::M, None, 28, 50);
        let mut b = self.italian(Sesso::F, None, 28, 50);
        let youngest = a.nascita.data.max(b.nascita.data);
        let since = self.date_between(add_years(youngest, 22), self.today - Duration::days(120));
        let id = self.new_household();
        let home = [(since, self.street_address())];
        join(
            &mut a,
            &id,
            &home,
            since,
            None,
            Rapporto::IntestatarioScheda,
        );
        join(&mut b, &id, &home, since, None, Rapporto::ConviventeDiFatto);
        self.finish(a);
        self.finish(b);
    }
}
