//! The facts of the autocertificazione cumulativa that the registry can fill in for a
//! person today, each worded as the declarant states it.

use chrono::NaiveDate;
use serde::Serialize;

use super::super::access::Target;
use crate::domain::certificate::date_it;
use crate::domain::dated::at;
use crate::domain::person::{Persona, PosizioneAnagrafica, Sesso, StatoCivile};

#[derive(Debug, Clone, Serialize)]
pub struct FactView {
    pub id: &'static str,
    pub title: &'static str,
    /// The pre-filled statement.
    pub text: String,
}

fn fact(id: &'static str, title: &'static str, text: String) -> FactView {
    FactView { id, title, text }
}

pub(super) fn g(p: &Persona, m: &'static str, f: &'static str) -> &'static str {
    if p.sesso == Sesso::F {
        f
    } else {
        m
    }
}

pub(super) fn upper_name(cognome: &str, nome: &str) -> String {
    format!("{} {}", cognome.to_uppercase(), nome.to_uppercase())
}

fn nascita(p: &Persona) -> FactView {
    let text = format!(
        "di essere {} a {} il {}",
        g(p, "nato", "nata"),
        p.nascita.luogo.describe(),
        date_it(p.nascita.data)
    );
    fact("nascita", "Nascita", text)
}

fn residenza(p: &Persona, today: NaiveDate) -> Option<FactView> {
    if p.posizione_at(today) != Some(PosizioneAnagrafica::Residente) {
        return None;
    }
    let r = at(&p.residenza, today)?;
    let text = format!(
        "di essere residente a {} ({}) in {} {}",
        r.comune, r.provincia, r.via, r.civico
    );
    Some(fact("residenza", "Residenza", text))
}

fn italian(p: &Persona, today: NaiveDate) -> bool {
    at(&p.cittadinanza, today).is_some_and(|c| c.stato == "Italia")
}

fn cittadinanza(p: &Persona, today: NaiveDate) -> Option<FactView> {
    let c = at(&p.cittadinanza, today)?;
    let text = if italian(p, today) {
        format!(
            "di essere {}",
            g(p, "cittadino italiano", "cittadina italiana")
        )
    } else {
        format!(
            "di essere {} dello Stato: {}",
            g(p, "cittadino", "cittadina"),
            c.stato
        )
    };
    Some(fact("cittadinanza", "Cittadinanza", text))
}

fn diritti_politici(p: &Persona, today: NaiveDate) -> Option<FactView> {
    let adult = p.nascita.data <= today - chrono::Months::new(12 * 18);
    (italian(p, today) && adult).then(|| {
        fact(
            "diritti_politici",
            "Godimento dei diritti civili e politici",
            "di godere dei diritti civili e politici".into(),
        )
    })
}

fn stato_civile(p: &Persona, today: NaiveDate) -> Option<FactView> {
    let s = p.stato_civile_at(today)?;
    let spouse = s.coniuge.as_ref().map(|c| upper_name(&c.cognome, &c.nome));
    let label = s.stato.label(p.sesso);
    let text = match (s.stato, spouse) {
        (StatoCivile::Coniugato | StatoCivile::UnitoCivilmente, Some(who)) => {
            format!("di essere {label} con {who}")
        }
        (StatoCivile::Vedovo, Some(who)) => format!("di essere {label} di {who}"),
        _ => format!("di essere {label}"),
    };
    Some(fact("stato_civile", "Stato civile", text))
}

fn studio_e_professione(p: &Persona, today: NaiveDate) -> Vec<FactView> {
    let mut out = Vec::new();
    if let Some(t) = at(&p.titolo_studio, today) {
        out.push(fact(
            "titolo_studio",
            "Titolo di studio",
            format!(
                "di essere in possesso del seguente titolo di studio: {}",
                t.valore
            ),
        ));
    }
    if let Some(t) = at(&p.professione, today) {
        out.push(fact(
            "professione",
            "Qualifica professionale",
            format!(
                "di avere la seguente qualifica o condizione professionale: {}",
                t.valore
            ),
        ));
    }
    out
}

/// The facts of the cumulativa that the registry can fill for this person today, in order.
pub(super) fn facts(t: &Target, today: NaiveDate) -> Vec<FactView> {
    let p = &t.person;
    let mut out = vec![nascita(p)];
    out.extend(residenza(p, today));
    out.extend(cittadinanza(p, today));
    out.extend(diritti_politici(p, today));
    out.extend(stato_civile(p, today));
    if !t.members.is_empty() {
        out.push(fact(
            "stato_famiglia",
            "Stato di famiglia",
            "che la propria famiglia anagrafica è così composta".into(),
        ));
    }
    out.push(fact(
        "esistenza_in_vita",
        "Esistenza in vita",
        "di essere in vita".into(),
    ));
    out.push(fact(
        "codice_fiscale",
        "Codice fiscale",
        format!("che il proprio codice fiscale è {}", p.codice_fiscale),
    ));
    out.extend(studio_e_professione(p, today));
    out
}
