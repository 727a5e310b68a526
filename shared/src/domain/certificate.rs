//! What a certificate says: its wording composed from the registry data at the issue date,
//! and the identifiers of its digital stamp. No I/O and no layout (see `pdf`).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

use super::catalog::{Archive, Art40, BolloRule, CertificateType, Uso};
use super::dated::{at, entry_at};
use super::person::{
    Indirizzo, Persona, PosizioneAnagrafica, Rapporto, Sesso, StatoCivile, StatoCivileFatto,
};
use super::situation::Member;

/// The marca da bollo of a certificate: its 14-digit identifier and issue date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bollo {
    pub id: String,
    pub date: NaiveDate,
}

/// A block of the certificate body.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Paragraph(String),
    /// A table with a header row (stato di famiglia).
    Table {
        header: Vec<String>,
        rows: Vec<Vec<String>>,
    },
}

/// Everything printed on a certificate except the stamp.
#[derive(Debug, Clone, PartialEq)]
pub struct Content {
    pub municipality: String,
    pub province: String,
    pub office: String,
    pub title: String,
    pub intro: String,
    pub blocks: Vec<Block>,
    pub uso: String,
    /// Bollo paid (with the marca's ID and date) or the exemption with its legal ground.
    pub bollo: String,
    /// Whether the certificate carries the box for the physical marca.
    pub bollo_box: bool,
    pub art40: String,
    pub validity: String,
    pub place_date: String,
    pub signature: String,
}

/// The digital stamp (contrassegno): QR link, ID and PIN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    pub id: String,
    pub pin: String,
    pub url: String,
    pub verify_page: String,
}

/// The facts a contestuale may combine.
pub const CONTESTUALE_FACTS: &[&str] = &[
    "residenza",
    "cittadinanza",
    "stato_civile",
    "stato_famiglia",
    "esistenza_in_vita",
];

/// Everything the wording needs.
pub struct Subject<'a> {
    pub person: &'a Persona,
    /// Living members of the person's household at the date, intestatario first.
    pub members: &'a [Member],
    /// Denominazione of a convivenza.
    pub denominazione: Option<&'a str>,
    pub date: NaiveDate,
}

pub struct Issuer<'a> {
    pub municipality: &'a str,
    pub province: &'a str,
    pub bollo_rule: &'a BolloRule,
}

pub fn date_it(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// The letters and digits of a name, upper case, accents removed: what a recipient types
/// is compared in this form, so case, accents, apostrophes and spaces do not matter.
pub fn normalize_name(s: &str) -> String {
    s.nfd()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_uppercase)
        .collect()
}

fn gender(p: &Persona, m: &'static str, f: &'static str) -> &'static str {
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

fn address(a: &Indirizzo) -> String {
    a.describe()
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

/// The first marriage or union of the person, and how it ended.
fn union(p: &Persona, kind: StatoCivile) -> Option<(String, String)> {
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
    Some((who, text))
}

fn fact_paragraphs(fact: &str, s: &Subject) -> Vec<Block> {
    let p = s.person;
    let text = match fact {
        "residenza" => match residence(s) {
            Some((from, a)) => format!(
                "è residente in questo Comune in {} dal {}.",
                address(&a),
                date_it(from)
            ),
            None => "non risulta residente in questo Comune.".into(),
        },
        "cittadinanza" => match at(&p.cittadinanza, s.date) {
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
        "esistenza_in_vita" => "è in vita.".into(),
        "stato_civile" => match entry_at(&p.stato_civile, s.date) {
            Some(f) => format!(
                "è di stato civile {}.",
                stato_civile_text(p, &f.value, f.from)
            ),
            None => "stato civile non registrato.".into(),
        },
        "stato_famiglia" => {
            return vec![
                Block::Paragraph("la famiglia anagrafica di cui fa parte è così composta:".into()),
                family_table(s.members, false, false),
            ]
        }
        _ => return vec![],
    };
    vec![Block::Paragraph(text)]
}

/// The body of the certificate for `body` (see the catalogue), and the intro line.
pub fn body(kind: &str, s: &Subject, facts: &[String]) -> (String, Vec<Block>) {
    let p = s.person;
    let anagrafe = "L'Ufficiale d'Anagrafe, visti gli atti d'ufficio, certifica che".to_string();
    let civile =
        "L'Ufficiale dello Stato Civile, visti i registri dello stato civile, certifica che"
            .to_string();
    let who = Block::Paragraph(generalita(p));
    let line = |t: String| vec![who.clone(), Block::Paragraph(t)];
    let family_address = residence(s)
        .map(|(_, a)| address(&a))
        .unwrap_or_else(|| "indirizzo non registrato".into());
    match kind {
        "residenza" | "cittadinanza" | "esistenza_in_vita" | "stato_civile" => {
            let mut b = vec![who];
            b.extend(fact_paragraphs(kind, s));
            (anagrafe, b)
        }
        "nascita" => (
            anagrafe,
            line(format!(
                "è {} a {} il {}.",
                gender(p, "nato", "nata"),
                p.nascita.luogo.describe(),
                date_it(p.nascita.data)
            )),
        ),
        "residenza_aire" => {
            let since = p
                .posizione_anagrafica
                .iter()
                .find(|x| x.value.posizione == PosizioneAnagrafica::Aire && x.holds_at(s.date))
                .map(|x| date_it(x.from))
                .unwrap_or_default();
            let abroad = residence(s)
                .map(|(_, a)| format!(", con residenza in {}", address(&a)))
                .unwrap_or_default();
            (anagrafe, line(format!(
                "è {} nell'Anagrafe degli Italiani Residenti all'Estero (AIRE) di questo Comune dal {since}{abroad}.",
                gender(p, "iscritto", "iscritta")
            )))
        }
        "residenza_convivenza" => {
            let den = s.denominazione.unwrap_or("convivenza anagrafica");
            (anagrafe, line(format!("è residente in questo Comune in {family_address} presso la convivenza anagrafica «{den}».")))
        }
        "stato_libero" => {
            let label = p
                .stato_civile_at(s.date)
                .map(|f| f.stato.label(p.sesso))
                .unwrap_or("libero");
            (anagrafe, line(format!("è di stato libero ({label}).")))
        }
        "matrimonio" | "unione_civile" => {
            let (stato, verb) = if kind == "matrimonio" {
                (StatoCivile::Coniugato, "ha contratto matrimonio con")
            } else {
                (
                    StatoCivile::UnitoCivilmente,
                    "ha costituito unione civile con",
                )
            };
            let text = union(p, stato)
                .map(|(_, t)| format!("{verb} {t}."))
                .unwrap_or_else(|| "non risultano dati.".into());
            (anagrafe, line(text))
        }
        "contratto_convivenza" => {
            let other = s
                .members
                .iter()
                .find(|m| {
                    m.codice_fiscale != p.codice_fiscale
                        && (m.rapporto == Rapporto::ConviventeDiFatto
                            || s.members.iter().any(|x| {
                                x.codice_fiscale == p.codice_fiscale
                                    && x.rapporto == Rapporto::ConviventeDiFatto
                            }) && m.rapporto == Rapporto::IntestatarioScheda)
                })
                .map(|m| format!("{} {}", m.cognome.to_uppercase(), m.nome.to_uppercase()))
                .unwrap_or_else(|| "persona non indicata".into());
            (
                anagrafe,
                line(format!(
                    "ha registrato in anagrafe un contratto di convivenza con {other}."
                )),
            )
        }
        "stato_famiglia"
        | "stato_famiglia_parentela"
        | "stato_famiglia_stato_civile"
        | "stato_famiglia_aire" => {
            let aire = if kind == "stato_famiglia_aire" {
                " (AIRE)"
            } else {
                ""
            };
            let mut b = vec![Block::Paragraph(format!(
                "la famiglia anagrafica{aire} residente in {family_address} è così composta:"
            ))];
            b.push(family_table(
                s.members,
                kind == "stato_famiglia_parentela",
                kind == "stato_famiglia_stato_civile",
            ));
            (anagrafe, b)
        }
        "contestuale" => {
            let mut b = vec![who];
            for f in CONTESTUALE_FACTS
                .iter()
                .filter(|f| facts.iter().any(|x| x == *f))
            {
                b.extend(fact_paragraphs(f, s));
            }
            (anagrafe, b)
        }
        "estratto_nascita" => (
            civile,
            vec![Block::Paragraph(format!(
            "dai registri degli atti di nascita risulta che {} ({}) è {} a {} il {}, di sesso {}.",
            full_name(p),
            p.codice_fiscale,
            gender(p, "nato", "nata"),
            p.nascita.luogo.describe(),
            date_it(p.nascita.data),
            gender(p, "maschile", "femminile")
        ))],
        ),
        "estratto_matrimonio" => {
            let text = union(p, StatoCivile::Coniugato)
                .map(|(_, t)| format!("dai registri degli atti di matrimonio risulta che {} ha contratto matrimonio con {t}.", full_name(p)))
                .unwrap_or_else(|| "dai registri degli atti di matrimonio non risultano atti.".into());
            (civile, vec![Block::Paragraph(text)])
        }
        "estratto_morte" => {
            let place = p
                .posizione_anagrafica
                .iter()
                .find(|x| x.value.posizione == PosizioneAnagrafica::Deceduto)
                .and_then(|x| x.value.luogo.as_ref())
                .map(|l| format!(" a {}", l.describe()))
                .unwrap_or_default();
            let when = p.date_of_death().map(date_it).unwrap_or_default();
            (
                civile,
                vec![Block::Paragraph(format!(
                    "dai registri degli atti di morte risulta che {} è {}{place} il {when}.",
                    generalita(p),
                    gender(p, "deceduto", "deceduta")
                ))],
            )
        }
        _ => (anagrafe, vec![who]),
    }
}

/// The whole wording of a certificate.
pub fn compose(
    issuer: &Issuer,
    archive: &Archive,
    kind: &CertificateType,
    uso: &Uso,
    bollo: Option<&Bollo>,
    subject: &Subject,
    facts: &[String],
) -> Content {
    let (intro, blocks) = body(&kind.body, subject, facts);
    let stato_civile_archive = archive.exemption.is_some();
    let bollo_text = match (bollo, &archive.exemption, &uso.exemption) {
        (_, Some(archive_exemption), _) => archive_exemption.clone(),
        (Some(b), _, _) => format!(
            "Imposta di bollo di € {} assolta mediante contrassegno telematico (marca da bollo) n. {} del {} ({}).",
            issuer.bollo_rule.amount,
            b.id,
            date_it(b.date),
            issuer.bollo_rule.reference
        ),
        (None, _, Some(exemption)) => format!("{exemption}."),
        (None, _, None) => "Certificato in bollo.".into(),
    };
    let art40 = match uso.art40 {
        Art40::Privati => "Il presente certificato non può essere prodotto agli organi della pubblica amministrazione o ai privati gestori di pubblici servizi.".to_string(),
        Art40::Estero => "Ai sensi dell'art. 40 del D.P.R. 28 dicembre 2000, n. 445, il presente certificato è rilasciato solo per l'estero.".to_string(),
        Art40::Giudiziario => "Certificato rilasciato per cause giudiziarie (art. 40 del D.P.R. 28 dicembre 2000, n. 445). Il presente certificato non può essere prodotto agli organi della pubblica amministrazione o ai privati gestori di pubblici servizi.".to_string(),
    };
    let unchangeable = matches!(
        kind.body.as_str(),
        "nascita" | "estratto_nascita" | "estratto_morte"
    );
    let validity = if unchangeable {
        "Certificato relativo a fatti non soggetti a modificazioni: validità illimitata (art. 41, comma 1, del D.P.R. 28 dicembre 2000, n. 445). La verifica online è disponibile per sei mesi dalla data di rilascio."
    } else {
        "Il presente certificato ha validità di sei mesi dalla data di rilascio (art. 41 del D.P.R. 28 dicembre 2000, n. 445)."
    };
    let office = if stato_civile_archive {
        "Ufficio di Stato Civile"
    } else {
        "Ufficio Anagrafe"
    };
    let officer = if stato_civile_archive {
        "L'Ufficiale dello Stato Civile"
    } else {
        "L'Ufficiale d'Anagrafe"
    };
    Content {
        municipality: format!("COMUNE DI {}", issuer.municipality.to_uppercase()),
        province: format!("Provincia di {}", issuer.province),
        office: format!("Servizi Demografici – {office}"),
        title: kind.title.to_uppercase(),
        intro: format!("{intro}:"),
        blocks,
        uso: format!("Uso: {}", uso.title),
        bollo: bollo_text,
        bollo_box: bollo.is_some() && !stato_civile_archive,
        art40,
        validity: validity.to_string(),
        place_date: format!("{}, {}", issuer.municipality, date_it(subject.date)),
        signature: format!(
            "{officer} – Documento firmato digitalmente con il sigillo elettronico del Comune di {} (D.Lgs. 7 marzo 2005, n. 82).",
            issuer.municipality
        ),
    }
}

/// The record of an issued certificate. The secret of the QR link and the PIN are kept
/// only as hashes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CertificateRecord {
    pub id: String,
    pub type_id: String,
    pub title: String,
    pub archive: String,
    pub uso: String,
    pub bollo: Option<Bollo>,
    /// Codice fiscale of the person the certificate concerns.
    pub person: String,
    pub cognome_norm: String,
    pub nome_norm: String,
    /// Codice fiscale of who requested it.
    pub requested_by: String,
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub sha256: String,
    pub size: usize,
    pub secret_hash: String,
    pub pin_hash: String,
    pub archive_key: String,
    pub municipality: String,
    /// For certificazione libera: the reason and the requester's identity document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub libera: Option<Libera>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Libera {
    pub motivo: String,
    pub richiedente: String,
    pub documento_tipo: String,
    pub documento_numero: String,
    pub documento_ente: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_normalize_for_comparison() {
        assert_eq!(normalize_name("  d'Angelò   Niccolò "), "DANGELONICCOLO");
        assert_eq!(normalize_name("D’ANGELO"), normalize_name("dangelo"));
        assert_eq!(normalize_name("DE LUCA"), normalize_name("de  luca"));
        assert_eq!(normalize_name("Dell'Acqua"), normalize_name("dell acqua"));
    }
}
