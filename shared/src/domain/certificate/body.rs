//! The body of each kind of certificate: the facts the registry holds at the issue date,
//! worded as the Ufficiale d'Anagrafe or dello Stato Civile certifies them.

use chrono::NaiveDate;

use super::{date_it, Block, Subject};
use crate::domain::catalog::{BodyKind, ContestualeFact};
use crate::domain::dated::{at, entry_at};
use crate::domain::person::{
    Indirizzo, Persona, PosizioneAnagrafica, Rapporto, Sesso, StatoCivile, StatoCivileFatto,
};
use crate::domain::situation::Member;

const ANAGRAFE: &str = "L'Ufficiale d'Anagrafe, visti gli atti d'ufficio, certifica che";
const CIVILE: &str =
    "L'Ufficiale dello Stato Civile, visti i registri dello stato civile, certifica che";

pub(super) fn gender(p: &Persona, m: &'static str, f: &'static str) -> &'static str {
    if p.sesso == Sesso::F {
        f
    } else {
        m
    }
}

fn full_name(p: &Persona) -> String {
    format!("{} {}", p.cognome.to_uppercase(), p.nome.to_uppercase())
}

fn generalita(p: &Persona) -> String {
    format!(
        "{}, {} a {} il {}, codice fiscale {}",
        full_name(p),
        gender(p, "nato", "nata"),
        p.nascita.luogo.describe(),
        date_it(p.nascita.data),
        p.codice_fiscale
    )
}

fn stato_civile_text(p: &Persona, f: &StatoCivileFatto, from: NaiveDate) -> String {
    let label = f.stato.label(p.sesso);
    match (&f.coniuge, f.stato) {
        (Some(c), StatoCivile::Coniugato | StatoCivile::UnitoCivilmente) => format!(
            "{label} con {} {} dal {}",
            c.cognome.to_uppercase(),
            c.nome.to_uppercase(),
            date_it(from)
        ),
        (_, StatoCivile::Libero) => label.to_string(),
        _ => format!("{label} dal {}", date_it(from)),
    }
}

fn family_table(members: &[Member], parentela: bool, stato_civile: bool) -> Block {
    let mut header = vec![
        "Cognome e nome".to_string(),
        "Luogo e data di nascita".to_string(),
        "Codice fiscale".to_string(),
    ];
    if parentela {
        header.push("Rapporto con l'intestatario".into());
    }
    if stato_civile {
        header.push("Stato civile".into());
    }
    let rows = members
        .iter()
        .map(|m| {
            let mut row = vec![
                format!("{} {}", m.cognome.to_uppercase(), m.nome.to_uppercase()),
                format!("{}, {}", m.luogo_nascita, date_it(m.data_nascita)),
                m.codice_fiscale.clone(),
            ];
            if parentela {
                row.push(m.rapporto_parentela.to_string());
            }
            if stato_civile {
                row.push(m.stato_civile.unwrap_or("-").to_string());
            }
            row
        })
        .collect();
    Block::Table { header, rows }
}

fn residence(s: &Subject) -> Option<(NaiveDate, Indirizzo)> {
    entry_at(&s.person.residenza, s.date).map(|r| (r.from, r.value.clone()))
}

fn family_address(s: &Subject) -> String {
    residence(s)
        .map(|(_, a)| a.describe())
        .unwrap_or_else(|| "indirizzo non registrato".into())
}

/// The first marriage or union of the person, and how it ended.
fn union(p: &Persona, kind: StatoCivile) -> Option<String> {
    let idx = p.stato_civile.iter().position(|s| s.value.stato == kind)?;
    let f = &p.stato_civile[idx];
    let who = f
        .value
        .coniuge
        .as_ref()
        .map(|c| format!("{} {}", c.cognome.to_uppercase(), c.nome.to_uppercase()))
        .unwrap_or_else(|| "persona non indicata".into());
    let place = f
        .value
        .luogo_evento
        .as_ref()
        .map(|l| format!(" a {}", l.describe()))
        .unwrap_or_default();
    let mut text = format!("{who}, il {}{place}", date_it(f.from));
    if let Some(next) = p.stato_civile.get(idx + 1) {
        let why = match next.value.stato {
            StatoCivile::Divorziato => "per divorzio",
            StatoCivile::Vedovo => "per decesso del coniuge",
            StatoCivile::UnioneCivileSciolta => "per scioglimento",
            _ => "",
        };
        text.push_str(&format!(
            ". Il vincolo è cessato il {} {why}",
            date_it(next.from)
        ));
    }
    Some(text)
}

fn fact_paragraphs(fact: ContestualeFact, s: &Subject) -> Vec<Block> {
    let p = s.person;
    let text = match fact {
        ContestualeFact::Residenza => match residence(s) {
            Some((from, a)) => format!(
                "è residente in questo Comune in {} dal {}.",
                a.describe(),
                date_it(from)
            ),
            None => "non risulta residente in questo Comune.".into(),
        },
        ContestualeFact::Cittadinanza => match at(&p.cittadinanza, s.date) {
            Some(c) if c.stato == "Italia" => format!(
                "è {}.",
                gender(p, "cittadino italiano", "cittadina italiana")
            ),
            Some(c) => format!(
                "è cittadin{} dello Stato: {}.",
                gender(p, "o", "a"),
                c.stato
            ),
            None => "cittadinanza non registrata.".into(),
        },
        ContestualeFact::EsistenzaInVita => "è in vita.".into(),
        ContestualeFact::StatoCivile => match entry_at(&p.stato_civile, s.date) {
            Some(f) => format!(
                "è di stato civile {}.",
                stato_civile_text(p, &f.value, f.from)
            ),
            None => "stato civile non registrato.".into(),
        },
        ContestualeFact::StatoFamiglia => {
            return vec![
                Block::Paragraph("la famiglia anagrafica di cui fa parte è così composta:".into()),
                family_table(s.members, false, false),
            ]
        }
    };
    vec![Block::Paragraph(text)]
}

fn aire(s: &Subject) -> String {
    let p = s.person;
    let since = p
        .posizione_anagrafica
        .iter()
        .find(|x| x.value.posizione == PosizioneAnagrafica::Aire && x.holds_at(s.date))
        .map(|x| date_it(x.from))
        .unwrap_or_default();
    let abroad = residence(s)
        .map(|(_, a)| format!(", con residenza in {}", a.describe()))
        .unwrap_or_default();
    format!(
        "è {} nell'Anagrafe degli Italiani Residenti all'Estero (AIRE) di questo Comune dal {since}{abroad}.",
        gender(p, "iscritto", "iscritta")
    )
}

fn marriage_or_union(p: &Persona, kind: BodyKind) -> String {
    let (stato, verb) = if kind == BodyKind::Matrimonio {
        (StatoCivile::Coniugato, "ha contratto matrimonio con")
    } else {
        (
            StatoCivile::UnitoCivilmente,
            "ha costituito unione civile con",
        )
    };
    union(p, stato)
        .map(|t| format!("{verb} {t}."))
        .unwrap_or_else(|| "non risultano dati.".into())
}

fn convivenza_contract(s: &Subject) -> String {
    let p = s.person;
    let is_convivente = s
        .members
        .iter()
        .any(|x| x.codice_fiscale == p.codice_fiscale && x.rapporto == Rapporto::ConviventeDiFatto);
    let other = s
        .members
        .iter()
        .find(|m| {
            m.codice_fiscale != p.codice_fiscale
                && (m.rapporto == Rapporto::ConviventeDiFatto
                    || is_convivente && m.rapporto == Rapporto::IntestatarioScheda)
        })
        .map(|m| format!("{} {}", m.cognome.to_uppercase(), m.nome.to_uppercase()))
        .unwrap_or_else(|| "persona non indicata".into());
    format!("ha registrato in anagrafe un contratto di convivenza con {other}.")
}

fn household(s: &Subject, kind: BodyKind) -> Vec<Block> {
    let aire = if kind == BodyKind::StatoFamigliaAire {
        " (AIRE)"
    } else {
        ""
    };
    vec![
        Block::Paragraph(format!(
            "la famiglia anagrafica{aire} residente in {} è così composta:",
            family_address(s)
        )),
        family_table(
            s.members,
            kind == BodyKind::StatoFamigliaParentela,
            kind == BodyKind::StatoFamigliaStatoCivile,
        ),
    ]
}

fn death(p: &Persona) -> String {
    let place = p
        .posizione_anagrafica
        .iter()
        .find(|x| x.value.posizione == PosizioneAnagrafica::Deceduto)
        .and_then(|x| x.value.luogo.as_ref())
        .map(|l| format!(" a {}", l.describe()))
        .unwrap_or_default();
    let when = p.date_of_death().map(date_it).unwrap_or_default();
    format!(
        "dai registri degli atti di morte risulta che {} è {}{place} il {when}.",
        generalita(p),
        gender(p, "deceduto", "deceduta")
    )
}

/// The wording of the stato civile extracts.
fn estratto(p: &Persona, kind: BodyKind) -> String {
    match kind {
        BodyKind::EstrattoNascita => format!(
            "dai registri degli atti di nascita risulta che {} ({}) è {} a {} il {}, di sesso {}.",
            full_name(p),
            p.codice_fiscale,
            gender(p, "nato", "nata"),
            p.nascita.luogo.describe(),
            date_it(p.nascita.data),
            gender(p, "maschile", "femminile")
        ),
        BodyKind::EstrattoMatrimonio => union(p, StatoCivile::Coniugato)
            .map(|t| format!("dai registri degli atti di matrimonio risulta che {} ha contratto matrimonio con {t}.", full_name(p)))
            .unwrap_or_else(|| "dai registri degli atti di matrimonio non risultano atti.".into()),
        _ => death(p),
    }
}

/// The single fact of a one-fact certificate of the Anagrafe.
fn anagrafe_fact(kind: BodyKind, s: &Subject) -> String {
    let p = s.person;
    match kind {
        BodyKind::Nascita => format!(
            "è {} a {} il {}.",
            gender(p, "nato", "nata"),
            p.nascita.luogo.describe(),
            date_it(p.nascita.data)
        ),
        BodyKind::ResidenzaAire => aire(s),
        BodyKind::ResidenzaConvivenza => format!(
            "è residente in questo Comune in {} presso la convivenza anagrafica «{}».",
            family_address(s),
            s.denominazione.unwrap_or("convivenza anagrafica")
        ),
        BodyKind::StatoLibero => {
            let label = p
                .stato_civile_at(s.date)
                .map(|f| f.stato.label(p.sesso))
                .unwrap_or("libero");
            format!("è di stato libero ({label}).")
        }
        BodyKind::ContrattoConvivenza => convivenza_contract(s),
        _ => marriage_or_union(p, kind),
    }
}

/// The body of a certificate of `kind`, and its intro line.
pub fn body(kind: BodyKind, s: &Subject, facts: &[ContestualeFact]) -> (String, Vec<Block>) {
    use BodyKind::*;
    let who = Block::Paragraph(generalita(s.person));
    let with_who = |rest: Vec<Block>| std::iter::once(who.clone()).chain(rest).collect();
    let blocks = match kind {
        Residenza => with_who(fact_paragraphs(ContestualeFact::Residenza, s)),
        Cittadinanza => with_who(fact_paragraphs(ContestualeFact::Cittadinanza, s)),
        EsistenzaInVita => with_who(fact_paragraphs(ContestualeFact::EsistenzaInVita, s)),
        StatoCivile => with_who(fact_paragraphs(ContestualeFact::StatoCivile, s)),
        StatoFamiglia | StatoFamigliaParentela | StatoFamigliaStatoCivile | StatoFamigliaAire => {
            household(s, kind)
        }
        Contestuale => with_who(
            ContestualeFact::ALL
                .iter()
                .filter(|f| facts.contains(f))
                .flat_map(|f| fact_paragraphs(*f, s))
                .collect(),
        ),
        EstrattoNascita | EstrattoMatrimonio | EstrattoMorte => {
            return (
                CIVILE.into(),
                vec![Block::Paragraph(estratto(s.person, kind))],
            )
        }
        Nascita | ResidenzaAire | ResidenzaConvivenza | StatoLibero | Matrimonio | UnioneCivile
        | ContrattoConvivenza => with_who(vec![Block::Paragraph(anagrafe_fact(kind, s))]),
    };
    (ANAGRAFE.into(), blocks)
}
