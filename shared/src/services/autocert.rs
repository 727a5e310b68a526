//! Autocertificazioni and atti notori (DPR 445/2000), pre-filled with the registry data of a
//! member of the citizen's household as of today. They are the citizen's own statements:
//! not signed by the municipality, no digital stamp, no archive.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::certificates::{send_pdf, target, Target};
use super::sessions::Session;
use super::{audit, ServiceError, ServiceResult};
use crate::app::AppState;
use crate::domain::certificate::date_it;
use crate::domain::dated::at;
use crate::domain::person::{Persona, PosizioneAnagrafica, Sesso, StatoCivile};
use crate::pdf::{render_doc, Doc, Footer, Part};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Autocertificazione cumulativa (art. 46): the facts the citizen ticks.
    Cumulativa,
    /// Autocertificazione di nascita (art. 46, a).
    Nascita,
    /// Dichiarazione sostitutiva dell'atto di notorietà for a public administration (art. 47).
    NotorioPa,
    /// Atto notorio for private parties: signed before an official, with bollo and diritti.
    NotorioPrivati,
}

impl Kind {
    pub fn title(self) -> &'static str {
        match self {
            Kind::Cumulativa => "Autocertificazione cumulativa",
            Kind::Nascita => "Autocertificazione di nascita",
            Kind::NotorioPa => "Atto notorio per la Pubblica Amministrazione",
            Kind::NotorioPrivati => "Atto notorio per privati",
        }
    }

    fn art47(self) -> bool {
        matches!(self, Kind::NotorioPa | Kind::NotorioPrivati)
    }
}

pub const KINDS: [Kind; 4] = [
    Kind::Cumulativa,
    Kind::Nascita,
    Kind::NotorioPa,
    Kind::NotorioPrivati,
];

/// What the page says of declarations, shown beside the choice.
pub const NOTICE: &str = "Le autocertificazioni e le dichiarazioni sostitutive dell'atto di notorietà sono dichiarazioni tue: il Comune le precompila con i dati anagrafici ma non le firma e non vi appone il timbro digitale. Vanno firmate da chi dichiara. Verso le pubbliche amministrazioni e i gestori di pubblici servizi sostituiscono i certificati (art. 40 D.P.R. 445/2000).";

const ART76: &str = "consapevole delle sanzioni penali, nel caso di dichiarazioni non veritiere, di formazione o uso di atti falsi, richiamate dall'art. 76 del D.P.R. 28 dicembre 2000, n. 445, nonché della decadenza dai benefici eventualmente conseguenti al provvedimento emanato sulla base della dichiarazione non veritiera (art. 75 del medesimo decreto),";
const PRIVACY: &str = "Informativa ai sensi dell'art. 13 del Regolamento (UE) 2016/679: i dati personali raccolti saranno trattati, anche con strumenti informatici, esclusivamente nell'ambito del procedimento per il quale la presente dichiarazione viene resa.";

#[derive(Debug, Clone, Deserialize)]
pub struct Request {
    pub person: String,
    pub kind: Kind,
    /// The facts of the cumulativa.
    #[serde(default)]
    pub facts: Vec<String>,
    /// For an atto notorio: what the declarant states (blank lines when absent).
    #[serde(default)]
    pub testo: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FactView {
    pub id: &'static str,
    pub title: &'static str,
    /// The pre-filled statement.
    pub text: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct KindView {
    pub id: Kind,
    pub title: &'static str,
    pub article: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct Options {
    pub person: String,
    pub kinds: Vec<KindView>,
    pub facts: Vec<FactView>,
    pub notice: &'static str,
}

fn g(p: &Persona, m: &'static str, f: &'static str) -> &'static str {
    if p.sesso == Sesso::F {
        f
    } else {
        m
    }
}

fn upper_name(cognome: &str, nome: &str) -> String {
    format!("{} {}", cognome.to_uppercase(), nome.to_uppercase())
}

/// The facts of the cumulativa that the registry can fill for this person today, in order.
fn facts(t: &Target, today: NaiveDate) -> Vec<FactView> {
    let p = &t.person;
    let mut out = vec![FactView {
        id: "nascita",
        title: "Nascita",
        text: format!(
            "di essere {} a {} il {}",
            g(p, "nato", "nata"),
            p.nascita.luogo.describe(),
            date_it(p.nascita.data)
        ),
    }];
    if p.posizione_at(today) == Some(PosizioneAnagrafica::Residente) {
        if let Some(r) = at(&p.residenza, today) {
            out.push(FactView {
                id: "residenza",
                title: "Residenza",
                text: format!(
                    "di essere {} a {} ({}) in {} {}",
                    g(p, "residente", "residente"),
                    r.comune,
                    r.provincia,
                    r.via,
                    r.civico
                ),
            });
        }
    }
    let italian = at(&p.cittadinanza, today).is_some_and(|c| c.stato == "Italia");
    if let Some(c) = at(&p.cittadinanza, today) {
        let text = if italian {
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
        out.push(FactView {
            id: "cittadinanza",
            title: "Cittadinanza",
            text,
        });
    }
    if italian && p.nascita.data <= today - chrono::Months::new(12 * 18) {
        out.push(FactView {
            id: "diritti_politici",
            title: "Godimento dei diritti civili e politici",
            text: "di godere dei diritti civili e politici".into(),
        });
    }
    if let Some(s) = p.stato_civile_at(today) {
        let spouse = s.coniuge.as_ref().map(|c| upper_name(&c.cognome, &c.nome));
        let label = s.stato.label(p.sesso);
        let text = match (s.stato, spouse) {
            (StatoCivile::Coniugato | StatoCivile::UnitoCivilmente, Some(who)) => {
                format!("di essere {label} con {who}")
            }
            (StatoCivile::Vedovo, Some(who)) => format!("di essere {label} di {who}"),
            _ => format!("di essere {label}"),
        };
        out.push(FactView {
            id: "stato_civile",
            title: "Stato civile",
            text,
        });
    }
    if !t.members.is_empty() {
        out.push(FactView {
            id: "stato_famiglia",
            title: "Stato di famiglia",
            text: "che la propria famiglia anagrafica è così composta:".into(),
        });
    }
    out.push(FactView {
        id: "esistenza_in_vita",
        title: "Esistenza in vita",
        text: "di essere in vita".into(),
    });
    out.push(FactView {
        id: "codice_fiscale",
        title: "Codice fiscale",
        text: format!("che il proprio codice fiscale è {}", p.codice_fiscale),
    });
    if let Some(t) = at(&p.titolo_studio, today) {
        out.push(FactView {
            id: "titolo_studio",
            title: "Titolo di studio",
            text: format!(
                "di essere in possesso del seguente titolo di studio: {}",
                t.valore
            ),
        });
    }
    if let Some(t) = at(&p.professione, today) {
        out.push(FactView {
            id: "professione",
            title: "Qualifica professionale",
            text: format!(
                "di avere la seguente qualifica o condizione professionale: {}",
                t.valore
            ),
        });
    }
    out
}

/// The declarations and the pre-filled facts for a member of the citizen's household.
pub async fn options(app: &AppState, actor: &Session, person: &str) -> ServiceResult<Options> {
    let t = target(app, actor, person, false).await?;
    living(&t)?;
    let today = app.clock.today();
    audit::record(
        app.store.as_ref(),
        app.clock.as_ref(),
        &actor.identity.codice_fiscale,
        vec![t.person.codice_fiscale.clone()],
        "autocert_options",
    )
    .await?;
    Ok(Options {
        person: t.person.codice_fiscale.clone(),
        kinds: KINDS
            .iter()
            .map(|k| KindView {
                id: *k,
                title: k.title(),
                article: if k.art47() {
                    "art. 47 D.P.R. 445/2000"
                } else {
                    "art. 46 D.P.R. 445/2000"
                },
            })
            .collect(),
        facts: facts(&t, today),
        notice: NOTICE,
    })
}

fn living(t: &Target) -> ServiceResult<()> {
    if t.person.date_of_death().is_some() {
        return Err(ServiceError::invalid("declarant_deceased", "Le dichiarazioni sostitutive sono rese dall'interessato: non possono riguardare come dichiarante una persona deceduta."));
    }
    Ok(())
}

fn document(
    app: &AppState,
    kind: Kind,
    t: &Target,
    chosen: &[FactView],
    testo: Option<&str>,
    today: NaiveDate,
) -> Doc {
    let p = &t.person;
    let muni = &app.config.municipality;
    let residence = at(&p.residenza, today)
        .map(|r| {
            format!(
                ", residente a {} ({}) in {} {}",
                r.comune, r.provincia, r.via, r.civico
            )
        })
        .unwrap_or_default();
    let (title, article) = if kind.art47() {
        (
            "DICHIARAZIONE SOSTITUTIVA DELL'ATTO DI NOTORIETÀ",
            "(art. 47 del D.P.R. 28 dicembre 2000, n. 445)",
        )
    } else {
        (
            "DICHIARAZIONE SOSTITUTIVA DI CERTIFICAZIONE",
            "(art. 46 del D.P.R. 28 dicembre 2000, n. 445)",
        )
    };
    let mut parts = vec![
        Part::para(
            format!(
                "Modulo precompilato dai Servizi Demografici online del Comune di {} – {}",
                muni.name,
                kind.title()
            ),
            8.5,
        ),
        Part::Gap(6.0),
        Part::Centered {
            text: title.into(),
            bold: true,
            size: 14.0,
        },
        Part::Centered {
            text: article.into(),
            bold: false,
            size: 10.5,
        },
        Part::Gap(8.0),
        Part::para(
            format!(
                "{} sottoscritt{} {}, {} a {} il {}, codice fiscale {}{},",
                g(p, "Il", "La"),
                g(p, "o", "a"),
                upper_name(&p.cognome, &p.nome),
                g(p, "nato", "nata"),
                p.nascita.luogo.describe(),
                date_it(p.nascita.data),
                p.codice_fiscale,
                residence
            ),
            11.0,
        ),
        Part::Gap(2.0),
        Part::para(ART76, 10.5),
        Part::Gap(4.0),
        Part::Centered {
            text: "DICHIARA".into(),
            bold: true,
            size: 12.0,
        },
        Part::Gap(3.0),
    ];
    if kind.art47() {
        match testo.map(str::trim).filter(|t| !t.is_empty()) {
            Some(t) => parts.push(Part::para(t, 11.0)),
            None => {
                parts.push(Part::para("che (indicare gli stati, le qualità personali o i fatti di cui si ha diretta conoscenza):", 10.5));
                parts.push(Part::WritingLines(8));
            }
        }
    } else {
        for f in chosen {
            parts.push(Part::Check(format!("{};", f.text)));
            if f.id == "stato_famiglia" {
                parts.push(Part::Table {
                    header: vec![
                        "Cognome e nome".into(),
                        "Luogo e data di nascita".into(),
                        "Rapporto di parentela".into(),
                    ],
                    rows: t
                        .members
                        .iter()
                        .map(|m| {
                            vec![
                                upper_name(&m.cognome, &m.nome),
                                format!("{}, {}", m.luogo_nascita, date_it(m.data_nascita)),
                                m.rapporto_parentela.to_string(),
                            ]
                        })
                        .collect(),
                });
            }
            parts.push(Part::Gap(1.5));
        }
    }
    parts.push(Part::Gap(5.0));
    parts.push(Part::para(PRIVACY, 9.0));
    parts.push(Part::Gap(8.0));
    parts.push(Part::para(
        "Luogo e data ____________________________",
        10.5,
    ));
    parts.push(Part::Gap(6.0));
    parts.push(Part::para(
        format!(
            "{} dichiarante ________________________________",
            g(p, "Il", "La")
        ),
        10.5,
    ));
    parts.push(Part::Gap(8.0));
    match kind {
        Kind::Cumulativa | Kind::Nascita => parts.push(Part::para(
            "La dichiarazione sostitutiva di certificazione non richiede l'autenticazione della firma ed è esente dall'imposta di bollo (art. 37 D.P.R. 445/2000). Ha la stessa validità temporale degli atti che sostituisce (art. 48).",
            9.0,
        )),
        Kind::NotorioPa => parts.push(Part::para(
            "La presente dichiarazione può essere sottoscritta davanti al dipendente addetto oppure sottoscritta e inviata alla Pubblica Amministrazione insieme alla copia fotostatica, anche non autenticata, di un documento di identità del dichiarante (art. 38 D.P.R. 445/2000). Esente dall'imposta di bollo (art. 37).",
            9.0,
        )),
        Kind::NotorioPrivati => {
            parts.push(Part::para(
                "Destinata a privati: la firma va apposta davanti al pubblico ufficiale che la autentica (art. 21, comma 2, D.P.R. 445/2000). L'autenticazione è soggetta all'imposta di bollo di € 16,00 e ai diritti di segreteria di € 0,52: presentati all'Ufficio Anagrafe con un documento di identità e la marca da bollo.",
                9.0,
            ));
            parts.push(Part::Gap(3.0));
            parts.push(Part::Boxed(vec![
                "AUTENTICAZIONE DELLA FIRMA (art. 21, comma 2, D.P.R. 28 dicembre 2000, n. 445)".into(),
                "Attesto che la firma che precede è stata apposta in mia presenza dal dichiarante, identificato mediante ____________________________ n. ______________.".into(),
                format!("{}, lì ______________     Il pubblico ufficiale ____________________________", muni.name),
            ]));
        }
    }
    Doc {
        title: format!("{} – {}", kind.title(), upper_name(&p.cognome, &p.nome)),
        author: format!("Servizi Demografici online – Comune di {}", muni.name),
        parts,
        footer: Footer::None,
    }
}

/// A declaration as a PDF, with the name to download it under.
pub struct Declaration {
    pub filename: String,
    pub pdf: Vec<u8>,
    pub kind: Kind,
}

/// Builds the declaration for a member of the citizen's household.
pub async fn build(app: &AppState, actor: &Session, req: &Request) -> ServiceResult<Declaration> {
    let t = target(app, actor, &req.person, false).await?;
    living(&t)?;
    let today = app.clock.today();
    let available = facts(&t, today);
    let chosen: Vec<FactView> = match req.kind {
        Kind::Cumulativa => {
            for f in &req.facts {
                if !available.iter().any(|a| a.id == f) {
                    return Err(ServiceError::invalid(
                        "unknown_fact",
                        format!("Dato non dichiarabile per questa persona: \"{f}\"."),
                    ));
                }
            }
            let chosen: Vec<FactView> = available
                .into_iter()
                .filter(|a| req.facts.iter().any(|f| f == a.id))
                .collect();
            if chosen.is_empty() {
                return Err(ServiceError::invalid(
                    "facts_required",
                    "Scegli almeno un dato da dichiarare nell'autocertificazione cumulativa.",
                ));
            }
            chosen
        }
        Kind::Nascita => available
            .into_iter()
            .filter(|a| a.id == "nascita")
            .collect(),
        Kind::NotorioPa | Kind::NotorioPrivati => Vec::new(),
    };
    if req.testo.as_deref().is_some_and(|t| t.len() > 4000) {
        return Err(ServiceError::invalid(
            "testo_too_long",
            "Il testo della dichiarazione è troppo lungo (massimo 4000 caratteri).",
        ));
    }
    let doc = document(app, req.kind, &t, &chosen, req.testo.as_deref(), today);
    let pdf = render_doc(&doc, app.clock.now());
    audit::record_with(
        app.store.as_ref(),
        app.clock.as_ref(),
        &actor.identity.codice_fiscale,
        vec![t.person.codice_fiscale.clone()],
        "autocert_build",
        Some(format!("{:?}", req.kind)),
    )
    .await?;
    let slug = serde_json::to_value(req.kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
        .replace('_', "-");
    Ok(Declaration {
        filename: format!("dichiarazione-{slug}.pdf"),
        pdf,
        kind: req.kind,
    })
}

/// Sends a declaration by e-mail to the address the citizen typed, with their text.
pub async fn send(
    app: &AppState,
    d: &Declaration,
    to: &str,
    cc: Option<&str>,
    message: Option<&str>,
) -> ServiceResult<String> {
    let municipality = &app.config.municipality.name;
    let body = format!(
        "In allegato la dichiarazione «{}» precompilata dai Servizi Demografici online del Comune di {municipality}. È una dichiarazione dell'interessato: va firmata da chi dichiara.\n",
        d.kind.title()
    );
    let subject = format!("{} – Comune di {municipality}", d.kind.title());
    send_pdf(
        app,
        (to, cc),
        message,
        subject,
        body,
        (d.filename.clone(), d.pdf.clone()),
    )
    .await
}
