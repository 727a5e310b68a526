//! Autocertificazioni and atti notori (DPR 445/2000), pre-filled with the registry data of a
//! member of the citizen's household as of today. They are the citizen's own statements:
//! not signed by the municipality, no digital stamp, no archive.

mod document;
mod facts;

use serde::{Deserialize, Serialize};

pub use facts::FactView;

use super::access::{self, Scope, Target};
use super::audit::{self, AuditAction};
use super::delivery::{self, DeliveryRequest, Letter, Recipients};
use super::errors::{Conflict, DeclarationProblem as Problem};
use super::sessions::Session;
use super::ServiceResult;
use crate::app::AppState;
use crate::pdf::render_doc;

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

    fn slug(self) -> &'static str {
        match self {
            Kind::Cumulativa => "cumulativa",
            Kind::Nascita => "nascita",
            Kind::NotorioPa => "notorio-pa",
            Kind::NotorioPrivati => "notorio-privati",
        }
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

/// The longest text an atto notorio may carry.
const TEXT_MAX: usize = 4000;

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
pub struct KindView {
    pub id: Kind,
    pub title: &'static str,
    pub article: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct Options {
    pub person: String,
    /// "Cognome Nome" of whom the declaration would concern.
    pub person_name: String,
    pub kinds: Vec<KindView>,
    pub facts: Vec<FactView>,
    pub notice: &'static str,
}

/// A declaration as a PDF, with the name to download it under.
pub struct Declaration {
    pub filename: String,
    pub pdf: Vec<u8>,
    pub kind: Kind,
}

/// How the declaration reached the citizen.
pub enum Delivered {
    Download(Declaration),
    Emailed { to: String },
}

fn living(t: &Target) -> Result<(), Problem> {
    if t.person.date_of_death().is_some() {
        return Err(Problem::DeclarantDeceased);
    }
    Ok(())
}

/// The declarations and the pre-filled facts for a member of the citizen's household.
pub async fn options(app: &AppState, actor: &Session, person: &str) -> ServiceResult<Options> {
    let t = access::target(app, actor, person, Scope::Household).await?;
    living(&t)?;
    let subjects = vec![t.person.codice_fiscale.clone()];
    audit::record(
        app,
        &actor.identity.codice_fiscale,
        subjects,
        AuditAction::AutocertOptions,
        None,
    )
    .await?;
    Ok(Options {
        person: t.person.codice_fiscale.clone(),
        person_name: format!("{} {}", t.person.cognome, t.person.nome),
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
        facts: facts::facts(&t, app.clock.today()),
        notice: NOTICE,
    })
}

/// The facts of the request, among those the registry can fill in.
fn chosen(req: &Request, available: Vec<FactView>) -> Result<Vec<FactView>, Problem> {
    match req.kind {
        Kind::Cumulativa => {
            if let Some(f) = req
                .facts
                .iter()
                .find(|f| !available.iter().any(|a| a.id == *f))
            {
                return Err(Problem::UnknownFact(f.clone()));
            }
            let chosen: Vec<FactView> = available
                .into_iter()
                .filter(|a| req.facts.iter().any(|f| f == a.id))
                .collect();
            if chosen.is_empty() {
                return Err(Problem::FactsRequired);
            }
            Ok(chosen)
        }
        Kind::Nascita => Ok(available
            .into_iter()
            .filter(|a| a.id == "nascita")
            .collect()),
        Kind::NotorioPa | Kind::NotorioPrivati => Ok(Vec::new()),
    }
}

/// Builds the declaration for a member of the citizen's household.
pub async fn build(app: &AppState, actor: &Session, req: &Request) -> ServiceResult<Declaration> {
    let t = access::target(app, actor, &req.person, Scope::Household).await?;
    living(&t)?;
    let today = app.clock.today();
    let chosen = chosen(req, facts::facts(&t, today))?;
    if req.testo.as_deref().is_some_and(|t| t.len() > TEXT_MAX) {
        return Err(Problem::TextTooLong.into());
    }
    let doc = document::document(app, req.kind, &t, &chosen, req.testo.as_deref(), today);
    let pdf = render_doc(&doc, app.clock.now(), app.arms.as_deref(), None).bytes;
    let subjects = vec![t.person.codice_fiscale.clone()];
    let detail = Some(format!("{:?}", req.kind));
    audit::record(
        app,
        &actor.identity.codice_fiscale,
        subjects,
        AuditAction::AutocertBuild,
        detail,
    )
    .await?;
    Ok(Declaration {
        filename: format!("dichiarazione-{}.pdf", req.kind.slug()),
        pdf,
        kind: req.kind,
    })
}

/// Builds the declaration and delivers it; the e-mail addresses are checked first.
pub async fn build_and_deliver(
    app: &AppState,
    actor: &Session,
    req: &Request,
    how: &DeliveryRequest,
) -> ServiceResult<Delivered> {
    let recipients = how.recipients(actor)?;
    if recipients.is_some() {
        delivery::count_mail(app, actor).await?;
    }
    let d = build(app, actor, req).await?;
    let Some(to) = recipients else {
        return Ok(Delivered::Download(d));
    };
    send(app, &d, &to)
        .await
        .map_err(|_| Conflict::DeclarationMailFailed)?;
    Ok(Delivered::Emailed { to: to.to })
}

/// Sends a declaration by e-mail to the address the citizen typed, with their text.
async fn send(
    app: &AppState,
    d: &Declaration,
    to: &Recipients,
) -> Result<(), crate::ports::PortError> {
    let municipality = &app.config.municipality.name;
    let letter = Letter {
        subject: format!("{} – Comune di {municipality}", d.kind.title()),
        body: format!(
            "In allegato la dichiarazione «{}» precompilata dai Servizi Demografici online del Comune di {municipality}. È una dichiarazione dell'interessato: va firmata da chi dichiara.\n",
            d.kind.title()
        ),
        filename: d.filename.clone(),
        pdf: d.pdf.clone(),
    };
    delivery::send_pdf(app, to, letter).await
}
