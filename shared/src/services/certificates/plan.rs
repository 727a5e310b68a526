//! A certificate request checked against the catalogue and the registry: the plan of what
//! will be issued, and its fingerprint (the same request gives the same fingerprint).

use chrono::NaiveDate;
use serde::Deserialize;

use super::super::access::{self, Scope, Target};
use super::super::errors::{CertificateProblem as Problem, LiberaField};
use super::super::sessions::Session;
use super::super::ServiceResult;
use crate::app::AppState;
use crate::domain::catalog::{CertificateType, ContestualeFact, Context, Uso};
use crate::domain::certificate::{
    compose, Bollo, BolloPaid, Channel, Content, Issuer, Libera, Subject,
};
use crate::domain::sha256_hex;

/// A certificate request as the citizen (or operator) sends it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Request {
    pub person: String,
    #[serde(rename = "type")]
    pub type_id: String,
    pub uso: String,
    #[serde(default)]
    pub bollo: Option<BolloInput>,
    /// The facts of a contestuale.
    #[serde(default)]
    pub facts: Vec<String>,
}

/// The bollo of a request: the marca bought beforehand (its 14-digit ID and date), or
/// `online`, the marca da bollo digitale bought through pagoPA once the document is made.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct BolloInput {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub date: String,
    #[serde(default)]
    pub online: bool,
}

/// A validated request: everything needed to build the certificate.
pub(super) struct Plan {
    pub target: Target,
    pub kind: CertificateType,
    pub uso: Uso,
    /// The marca typed in.
    pub bollo: Option<Bollo>,
    /// The bollo is paid online with a marca da bollo digitale.
    pub digital_bollo: bool,
    /// The diritti di segreteria to pay online, in cents.
    pub diritti_cents: u64,
    pub facts: Vec<ContestualeFact>,
    pub fingerprint: String,
}

impl Plan {
    /// Whether the certificate is released only once paid through pagoPA.
    pub fn paid_online(&self) -> bool {
        self.digital_bollo || self.diritti_cents > 0
    }
}

/// How the bollo of a request is paid.
enum Duty {
    Exempt,
    Marca(Bollo),
    Digital,
}

fn parse_bollo(
    input: &BolloInput,
    today: NaiveDate,
    earliest: NaiveDate,
) -> Result<Bollo, Problem> {
    let id = input.id.trim().replace(' ', "");
    if id.len() != 14 || !id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Problem::BolloId);
    }
    let date = NaiveDate::parse_from_str(input.date.trim(), "%Y-%m-%d")
        .map_err(|_| Problem::BolloDateFormat)?;
    if date > today {
        return Err(Problem::BolloDateFuture);
    }
    if date < earliest {
        return Err(Problem::BolloDateTooOld(earliest));
    }
    Ok(Bollo { id, date })
}

/// The marca da bollo the request must carry, or must not. Only citizens buy the marca
/// digitale online (at the counter the requester brings the marca).
fn bollo_of(
    app: &AppState,
    req: &Request,
    kind: &CertificateType,
    uso: &Uso,
    channel: &Channel,
) -> Result<Duty, Problem> {
    match (&req.bollo, in_bollo(app, kind, uso)) {
        (Some(b), true) if b.online && *channel == Channel::Citizen => Ok(Duty::Digital),
        (Some(b), true) if b.online => Err(Problem::BolloOnlineCitizensOnly),
        (Some(b), true) => {
            parse_bollo(b, app.clock.today(), app.catalog.bollo.earliest).map(Duty::Marca)
        }
        (None, true) => Err(Problem::BolloRequired),
        (Some(_), false) => Err(Problem::BolloNotRequired),
        (None, false) => Ok(Duty::Exempt),
    }
}

/// Whether the type's archive is exempt from bollo and diritti (stato civile).
fn exempt_archive(app: &AppState, kind: &CertificateType) -> bool {
    app.catalog
        .archive(&kind.archive)
        .is_some_and(|a| a.exemption.is_some())
}

/// Whether the certificate pays the bollo: its uso does and its archive is not exempt.
fn in_bollo(app: &AppState, kind: &CertificateType, uso: &Uso) -> bool {
    uso.bollo && !exempt_archive(app, kind)
}

/// The diritti di segreteria a citizen pays online (none at the counter, none where the
/// archive is exempt from them).
fn diritti_of(app: &AppState, kind: &CertificateType, uso: &Uso, channel: &Channel) -> u64 {
    if exempt_archive(app, kind) || *channel != Channel::Citizen {
        return 0;
    }
    if in_bollo(app, kind, uso) {
        kind.diritti.bollo_cents
    } else {
        kind.diritti.carta_libera_cents
    }
}

/// The facts of a contestuale, known, without repetitions, in printing order.
fn facts_of(req: &Request, kind: &CertificateType) -> Result<Vec<ContestualeFact>, Problem> {
    if kind.body != crate::domain::catalog::BodyKind::Contestuale {
        return Ok(Vec::new());
    }
    let mut facts = Vec::new();
    for f in &req.facts {
        let fact = ContestualeFact::parse(f).ok_or_else(|| Problem::UnknownFact(f.clone()))?;
        if !facts.contains(&fact) {
            facts.push(fact);
        }
    }
    if facts.is_empty() {
        return Err(Problem::FactsRequired);
    }
    facts.sort();
    Ok(facts)
}

fn admitted(app: &AppState, t: &Target, kind: &CertificateType) -> bool {
    let ctx = Context {
        date: app.clock.today(),
        person: &t.person,
        specie: t.specie,
        members: &t.members,
    };
    app.catalog.types_for(&ctx).iter().any(|k| k.id == kind.id)
}

/// Checks the request and loads what the certificate will say.
pub(super) async fn plan(
    app: &AppState,
    actor: &Session,
    req: &Request,
    channel: &Channel,
) -> ServiceResult<Plan> {
    let c = &app.catalog;
    let kind = c
        .certificate_type(req.type_id.trim())
        .cloned()
        .ok_or_else(|| Problem::UnknownType(req.type_id.clone()))?;
    let uso = c
        .uso(req.uso.trim())
        .cloned()
        .ok_or_else(|| Problem::UnknownUso(req.uso.clone()))?;
    let duty = bollo_of(app, req, &kind, &uso, channel)?;
    let diritti_cents = diritti_of(app, &kind, &uso, channel);
    let digital_bollo = matches!(duty, Duty::Digital);
    let bollo = match duty {
        Duty::Marca(b) => Some(b),
        Duty::Exempt | Duty::Digital => None,
    };
    let facts = facts_of(req, &kind)?;
    let scope = match channel {
        Channel::Citizen => Scope::Household,
        Channel::Operator(_) => Scope::Registry,
    };
    let target = access::target(app, actor, &req.person, scope).await?;
    if !admitted(app, &target, &kind) {
        return Err(Problem::TypeNotAvailable(kind.title.clone()).into());
    }
    let libera = channel.libera().map(|l| (&l.motivo, &l.documento_numero));
    let fingerprint = sha256_hex(
        serde_json::to_string(&(
            &actor.identity.codice_fiscale,
            &target.person.codice_fiscale,
            &kind.id,
            &uso.id,
            &bollo,
            digital_bollo,
            &facts,
            libera,
        ))?
        .as_bytes(),
    );
    Ok(Plan {
        target,
        kind,
        uso,
        bollo,
        digital_bollo,
        diritti_cents,
        facts,
        fingerprint,
    })
}

/// What the certificate of `plan` says on `date`; `notice` is the number of the payment of
/// its marca da bollo digitale.
pub(super) fn content(
    app: &AppState,
    plan: &Plan,
    date: NaiveDate,
    notice: Option<&str>,
) -> Content {
    let archive = app
        .catalog
        .archive(&plan.kind.archive)
        .expect("checked in plan");
    let issuer = Issuer {
        municipality: &app.config.municipality.name,
        province_label: &app.config.municipality.province_label,
        bollo_rule: &app.catalog.bollo,
    };
    let subject = Subject {
        person: &plan.target.person,
        members: &plan.target.members,
        denominazione: plan.target.denominazione.as_deref(),
        date,
    };
    compose(
        &issuer,
        archive,
        &plan.kind,
        &plan.uso,
        bollo_paid(plan, notice),
        &subject,
        &plan.facts,
    )
}

fn bollo_paid<'a>(plan: &'a Plan, notice: Option<&'a str>) -> Option<BolloPaid<'a>> {
    match (&plan.bollo, notice) {
        (Some(b), _) => Some(BolloPaid::Marca(b)),
        (None, Some(notice)) if plan.digital_bollo => Some(BolloPaid::Digital { notice }),
        _ => None,
    }
}

/// The operator's record of a certificazione libera: every field present and short.
pub(super) fn validate_libera(l: &Libera) -> Result<(), Problem> {
    for field in LiberaField::ALL {
        let value = match field {
            LiberaField::Motivo => &l.motivo,
            LiberaField::Richiedente => &l.richiedente,
            LiberaField::DocumentoTipo => &l.documento_tipo,
            LiberaField::DocumentoNumero => &l.documento_numero,
            LiberaField::DocumentoEnte => &l.documento_ente,
        };
        if value.trim().is_empty() {
            return Err(Problem::LiberaMissing(field));
        }
        if value.len() > 256 {
            return Err(Problem::LiberaTooLong(field));
        }
    }
    Ok(())
}
