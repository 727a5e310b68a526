//! Certificates: the catalogue for a person, preview, issue (PDF, digital stamp, PAdES
//! seal, archive, record, bollo ledger) and delivery, "I miei certificati", the operators'
//! certificazione libera.
//!
//! Order of writes, so that a failure anywhere loses nothing and a retry is safe:
//! 1. reserve the certificate ID with the bollo ledger entry and the idempotency key
//!    (one conditional transaction: a marca serves one request only) — `ledger`;
//! 2. build and seal the PDF; 3. archive it under a key of this attempt — `build`;
//! 4. write the record (conditional: the first attempt to finish wins, a loser deletes its
//!    archive object); 5. deliver — `issue`. A retry finds the reservation and either
//!    returns the finished certificate or completes it under the same ID, never using a
//!    second marca.

mod build;
pub mod intent;
mod issue;
mod ledger;
mod payment;
mod plan;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

pub use issue::{issue, issue_and_deliver, preview, Delivered, Order};
pub use payment::{
    cancel as cancel_payment, message as payment_message, notice_pdf, pay, payment, settle_open,
    PaymentLine, PaymentState, PaymentView, PAYMENT_HOURS,
};
pub use plan::{BolloInput, Request};

use super::access::{self, Scope};
use super::audit::{self, AuditAction};
use super::errors::{Conflict, Forbidden, NotFound};
use super::sessions::Session;
use super::{registry, ServiceResult};
use crate::app::AppState;
use crate::domain::catalog::{Archive, Catalog, CertificateType, Context, Fact};
use crate::domain::certificate::{normalize_name, CertificateRecord};
use crate::keys;
use crate::ports::PortError;

/// Whether this request made the certificate or found one made before for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IssueOutcome {
    /// Built, sealed and archived by this request.
    New,
    /// The same request (same marca da bollo, or same idempotency key) was served before:
    /// this is that certificate again, and no second marca was used.
    AlreadyIssued,
}

/// A certificate ready to hand over: its record and its archived bytes.
#[derive(Debug, Clone)]
pub struct Issued {
    pub record: CertificateRecord,
    pub pdf: Vec<u8>,
    pub outcome: IssueOutcome,
    /// The verification link of the QR code, known only when this request built it.
    pub link: Option<String>,
}

impl Issued {
    pub fn filename(&self) -> String {
        format!(
            "certificato-{}-{}.pdf",
            self.record.type_id.replace('_', "-"),
            self.record.id
        )
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct TypeView {
    pub id: String,
    pub archive: String,
    pub archive_title: String,
    pub title: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct UsoView {
    pub id: String,
    pub title: String,
    pub bollo: bool,
    pub exemption: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CatalogView {
    pub person: String,
    /// "Cognome Nome" of whom the certificates would concern.
    pub person_name: String,
    pub types: Vec<TypeView>,
    pub usi: Vec<UsoView>,
    pub contestuale_facts: Vec<Fact>,
    /// Archives whose certificates never need a bollo, with the reason.
    pub exempt_archives: Vec<Archive>,
}

/// Every certificate type and uso, for a form that has no person yet.
#[derive(Debug, Clone, Serialize)]
pub struct FullCatalog {
    pub types: Vec<TypeView>,
    pub usi: Vec<UsoView>,
}

/// An entry of "I miei certificati".
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Summary {
    pub id: String,
    pub title: String,
    pub person: String,
    /// "Cognome Nome" of whom it concerns.
    #[serde(default)]
    pub person_name: String,
    /// The uso's id (its title is added when listed).
    #[serde(default)]
    pub uso: String,
    /// Not stored: the catalogue's title, filled in when listed.
    #[serde(default, skip_deserializing, skip_serializing_if = "String::is_empty")]
    pub uso_title: String,
    /// In bollo (a marca was used) rather than exempt.
    #[serde(default)]
    pub bollo: bool,
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// For a certificate paid online: where its payment stands (released ones have none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment: Option<PaymentState>,
    /// Not stored: the payment state's message, filled in when listed.
    #[serde(default, skip_deserializing, skip_serializing_if = "String::is_empty")]
    pub payment_message: String,
}

impl Summary {
    fn of(r: &CertificateRecord) -> Summary {
        Summary {
            id: r.id.clone(),
            title: r.title.clone(),
            person: r.person.clone(),
            person_name: r
                .subject
                .as_ref()
                .map(|p| format!("{} {}", p.cognome, p.nome))
                .unwrap_or_default(),
            uso: r.uso.clone(),
            uso_title: String::new(),
            bollo: r.bollo.is_some() || r.digital_bollo.is_some(),
            issued_at: r.issued_at,
            expires_at: r.expires_at,
            payment: None,
            payment_message: String::new(),
        }
    }
}

/// How long the record outlives the certificate's validity, so verification can still
/// answer "scaduto" instead of "not found".
const RECORD_AFTER_EXPIRY_DAYS: i64 = 180;

/// Six months after `t` (the validity of art. 41 DPR 445/2000).
pub fn six_months_after(t: DateTime<Utc>) -> DateTime<Utc> {
    t.checked_add_months(chrono::Months::new(6))
        .unwrap_or(t + Duration::days(183))
}

pub async fn record(app: &AppState, id: &str) -> ServiceResult<Option<CertificateRecord>> {
    registry::get_json(app.store.as_ref(), &keys::certificate(id)).await
}

/// The record with its archived bytes, as found (a retry, a download).
async fn load_issued(app: &AppState, record: CertificateRecord) -> ServiceResult<Issued> {
    let pdf = app.archive.get(&record.archive_key).await?.ok_or_else(|| {
        PortError::Corrupt(format!("archived original missing for {}", record.id))
    })?;
    Ok(Issued {
        record,
        pdf,
        outcome: IssueOutcome::AlreadyIssued,
        link: None,
    })
}

/// What can be issued for `person`, and the usi.
pub async fn catalog_for(
    app: &AppState,
    actor: &Session,
    person: &str,
    scope: Scope,
) -> ServiceResult<CatalogView> {
    let t = access::target(app, actor, person, scope).await?;
    let ctx = Context {
        date: app.clock.today(),
        person: &t.person,
        specie: t.specie,
        members: &t.members,
    };
    let c = &app.catalog;
    let types = c
        .types_for(&ctx)
        .into_iter()
        .map(|ty| type_view(c, ty))
        .collect();
    let subject = t.person.codice_fiscale.clone();
    audit::record(
        app,
        &actor.identity.codice_fiscale,
        vec![subject.clone()],
        AuditAction::CertificateCatalog,
        None,
    )
    .await?;
    Ok(CatalogView {
        person: subject,
        person_name: format!("{} {}", t.person.cognome, t.person.nome),
        types,
        usi: uso_views(c),
        contestuale_facts: c.contestuale_facts.clone(),
        exempt_archives: c
            .archives
            .iter()
            .filter(|a| a.exemption.is_some())
            .cloned()
            .collect(),
    })
}

/// The whole catalogue, before a person is chosen: the operator's form lists every type
/// (whether one applies to the person is checked when the certificate is issued).
pub fn full_catalog(app: &AppState) -> FullCatalog {
    let c = &app.catalog;
    FullCatalog {
        types: c.types.iter().map(|ty| type_view(c, ty)).collect(),
        usi: uso_views(c),
    }
}

fn type_view(c: &Catalog, ty: &CertificateType) -> TypeView {
    TypeView {
        id: ty.id.clone(),
        archive: ty.archive.clone(),
        archive_title: c
            .archive(&ty.archive)
            .map(|a| a.title.clone())
            .unwrap_or_default(),
        title: ty.title.clone(),
    }
}

fn uso_views(c: &Catalog) -> Vec<UsoView> {
    c.usi
        .iter()
        .map(|u| UsoView {
            id: u.id.clone(),
            title: u.title.clone(),
            bollo: u.bollo,
            exemption: u.exemption.clone(),
        })
        .collect()
}

/// Finds the codice fiscale of a person by generalità for certificazione libera.
pub async fn find_person(
    app: &AppState,
    actor: &Session,
    cognome: &str,
    nome: &str,
    born: NaiveDate,
    place: &str,
) -> ServiceResult<String> {
    if !actor.operator {
        return Err(Forbidden::LiberaOperatorsOnly.into());
    }
    let store = app.store.as_ref();
    let place_norm = normalize_name(place);
    let mut found = Vec::new();
    for cf in registry::find_by_generalita(store, cognome, nome, born).await? {
        if let Some(p) = registry::person(store, &cf).await? {
            let luogo = normalize_name(&p.nascita.luogo.describe());
            if place_norm.is_empty()
                || luogo.contains(&place_norm)
                || normalize_name(p.nascita.luogo.codice_catastale()) == place_norm
            {
                found.push(cf);
            }
        }
    }
    match found.len() {
        0 => Err(NotFound::NoGeneralitaMatch.into()),
        1 => Ok(found.remove(0)),
        _ => Err(Conflict::AmbiguousPerson.into()),
    }
}

/// The requester's certificates that are still valid, newest first.
pub async fn mine(app: &AppState, actor: &Session) -> ServiceResult<Vec<Summary>> {
    let prefix = keys::mine_all(&actor.identity.codice_fiscale);
    let mut out: Vec<Summary> = registry::list_json(app.store.as_ref(), &prefix).await?;
    let now = app.clock.now();
    out.retain(|s| s.expires_at > now);
    out.reverse();
    for s in &mut out {
        s.uso_title = app
            .catalog
            .uso(&s.uso)
            .map(|u| u.title.clone())
            .unwrap_or_default();
        if let Some(state) = s.payment {
            s.payment_message = payment::message(state).to_string();
        }
    }
    Ok(out)
}

/// A certificate of the requester, again, while valid.
pub async fn download(app: &AppState, actor: &Session, id: &str) -> ServiceResult<Issued> {
    let record = record(app, id.trim())
        .await?
        .ok_or(NotFound::MyCertificate)?;
    if record.requested_by != actor.identity.codice_fiscale || record.expires_at <= app.clock.now()
    {
        return Err(NotFound::MyCertificate.into());
    }
    let detail = Some(record.id.clone());
    audit::record(
        app,
        &actor.identity.codice_fiscale,
        vec![record.person.clone()],
        AuditAction::CertificateDownload,
        detail,
    )
    .await?;
    load_issued(app, record).await
}
