//! The layout of a declaration: heading, declarant, the art. 76 warning, what is declared,
//! the privacy notice, place, date and signature, and the closing note of its kind.

use chrono::NaiveDate;

use super::super::access::Target;
use super::facts::{g, upper_name, FactView};
use super::Kind;
use crate::app::AppState;
use crate::domain::certificate::date_it;
use crate::domain::dated::at;
use crate::pdf::{Arms, Doc, Footer, Part};

const ART76: &str = "consapevole delle sanzioni penali, nel caso di dichiarazioni non veritiere, di formazione o uso di atti falsi, richiamate dall'art. 76 del D.P.R. 28 dicembre 2000, n. 445, nonché della decadenza dai benefici eventualmente conseguenti al provvedimento emanato sulla base della dichiarazione non veritiera (art. 75 del medesimo decreto),";
/// The notice of art. 13 GDPR, with the comune's facts from configuration.
fn privacy_notice(app: &AppState) -> String {
    let m = &app.config.municipality;
    let p = &app.config.privacy;
    format!(
        "Informativa sul trattamento dei dati personali (art. 13 del Regolamento (UE) 2016/679). Titolare del trattamento dei dati usati per precompilare il modulo è il Comune di {name}, {address}, PEC {pec}; per il procedimento a cui la dichiarazione è destinata, titolare è l'amministrazione o il soggetto che la riceve. Responsabile della protezione dei dati: {dpo}. Finalità e base giuridica: i dati sono trattati, anche con strumenti informatici, soltanto per il procedimento per il quale la dichiarazione è resa, in adempimento di obblighi di legge e per compiti di interesse pubblico (art. 6, par. 1, lett. c ed e, del Regolamento; D.P.R. 28 dicembre 2000, n. 445). Conservazione: {retention}. Diritti: l'interessato può chiedere l'accesso ai dati, la rettifica, la limitazione e, nei casi previsti, la cancellazione, e opporsi al trattamento (artt. 15-22 del Regolamento), rivolgendosi al titolare o al responsabile della protezione dei dati; può proporre reclamo al Garante per la protezione dei dati personali (www.garanteprivacy.it).",
        name = m.name,
        address = m.address,
        pec = m.pec,
        dpo = p.dpo,
        retention = p.retention,
    )
}

fn centered(text: &str, bold: bool, size: f32) -> Part {
    Part::Centered {
        text: text.into(),
        bold,
        size,
    }
}

/// The heading and the declarant's generalità, up to "DICHIARA".
fn heading(app: &AppState, kind: Kind, t: &Target, today: NaiveDate) -> Vec<Part> {
    let p = &t.person;
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
    let declarant = format!(
        "{} sottoscritt{} {}, {} a {} il {}, codice fiscale {}{},",
        g(p, "Il", "La"),
        g(p, "o", "a"),
        upper_name(&p.cognome, &p.nome),
        g(p, "nato", "nata"),
        p.nascita.luogo.describe(),
        date_it(p.nascita.data),
        p.codice_fiscale,
        residence
    );
    let origin = format!(
        "Modulo precompilato dai Servizi Demografici online del Comune di {} – {}",
        app.config.municipality.name,
        kind.title()
    );
    let mut parts = Vec::new();
    if app.arms.is_some() {
        parts.extend([Part::Arms { height: 12.0 }, Part::Gap(2.0)]);
    }
    parts.extend([
        Part::para(origin, 8.5),
        Part::Gap(6.0),
        centered(title, true, 14.0),
        centered(article, false, 10.5),
        Part::Gap(8.0),
        Part::para(declarant, 11.0),
        Part::Gap(2.0),
        Part::para(ART76, 10.5),
        Part::Gap(4.0),
        centered("DICHIARA", true, 12.0),
        Part::Gap(3.0),
    ]);
    parts
}

/// The art. 46 facts ticked, with the household table under "stato di famiglia".
fn declared_facts(t: &Target, chosen: &[FactView]) -> Vec<Part> {
    let mut parts = Vec::new();
    for f in chosen {
        if f.id != "stato_famiglia" {
            parts.push(Part::Check(format!("{};", f.text)));
            parts.push(Part::Gap(1.5));
            continue;
        }
        parts.push(Part::Check(format!("{}:", f.text)));
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
        parts.push(Part::Gap(1.5));
    }
    parts
}

/// What an atto notorio declares: the citizen's text, or lines to write it by hand.
fn declared_text(testo: Option<&str>) -> Vec<Part> {
    match testo.map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) => vec![Part::para(t, 11.0)],
        None => vec![
            Part::para("che (indicare gli stati, le qualità personali o i fatti di cui si ha diretta conoscenza):", 10.5),
            Part::WritingLines(8),
        ],
    }
}

/// The closing note: how the declaration is used, and for private parties the box of the
/// official who authenticates the signature.
fn closing(app: &AppState, kind: Kind) -> Vec<Part> {
    let note = |t: &str| Part::para(t, 9.0);
    match kind {
        Kind::Cumulativa | Kind::Nascita => vec![note("La dichiarazione sostitutiva di certificazione non richiede l'autenticazione della firma ed è esente dall'imposta di bollo (art. 37 D.P.R. 445/2000). Ha la stessa validità temporale degli atti che sostituisce (art. 48).")],
        Kind::NotorioPa => vec![note("La presente dichiarazione può essere sottoscritta davanti al dipendente addetto oppure sottoscritta e inviata alla Pubblica Amministrazione insieme alla copia fotostatica, anche non autenticata, di un documento di identità del dichiarante (art. 38 D.P.R. 445/2000). Esente dall'imposta di bollo (art. 37).")],
        Kind::NotorioPrivati => vec![
            note("Destinata a privati: la firma va apposta davanti al pubblico ufficiale che la autentica (art. 21, comma 2, D.P.R. 445/2000). L'autenticazione è soggetta all'imposta di bollo di € 16,00 e ai diritti di segreteria di € 0,52: presentati all'Ufficio Anagrafe con un documento di identità e la marca da bollo."),
            Part::Gap(3.0),
            Part::Boxed(vec![
                "AUTENTICAZIONE DELLA FIRMA (art. 21, comma 2, D.P.R. 28 dicembre 2000, n. 445)".into(),
                "Attesto che la firma che precede è stata apposta in mia presenza dal dichiarante, identificato mediante ____________________________ n. ______________.".into(),
                format!("{}, lì ______________     Il pubblico ufficiale ____________________________", app.config.municipality.name),
            ]),
        ],
    }
}

/// The whole declaration.
pub(super) fn document(
    app: &AppState,
    kind: Kind,
    t: &Target,
    chosen: &[FactView],
    testo: Option<&str>,
    today: NaiveDate,
) -> Doc {
    let p = &t.person;
    let mut parts = heading(app, kind, t, today);
    if kind.art47() {
        parts.extend(declared_text(testo));
    } else {
        parts.extend(declared_facts(t, chosen));
    }
    parts.extend([
        Part::Gap(5.0),
        Part::para(privacy_notice(app), 8.0),
        Part::Gap(8.0),
        Part::para("Luogo e data ____________________________", 10.5),
        Part::Gap(6.0),
        Part::para(
            format!(
                "{} dichiarante ________________________________",
                g(p, "Il", "La")
            ),
            10.5,
        ),
        Part::Gap(8.0),
    ]);
    parts.extend(closing(app, kind));
    let title = format!("{} – {}", kind.title(), upper_name(&p.cognome, &p.nome));
    Doc {
        running_header: format!("Comune di {} – {title}", app.config.municipality.name),
        title,
        author: format!(
            "Servizi Demografici online – Comune di {}",
            app.config.municipality.name
        ),
        parts,
        footer: Footer::None,
        watermark: false,
        arms_ratio: app.arms.as_deref().map_or(1.0, Arms::ratio),
    }
}
