//! Certificates: the catalogue for a person, preview, issue (PDF, digital stamp, PAdES
//! seal, archive, record, bollo ledger), e-mail delivery, "I miei certificati".
//!
//! Keys: `CERT#<id>` / `A` the record; `PIN#<sha256 of PIN>` / `<id>` lookup by PIN;
//! `MIEI#<cf of requester>` / `<issued at>#<id>` the requester's list; `BOLLO#<marca id>` /
//! `A` the bollo ledger (kept 3 years); `IDEM#<cf>` / `<key>` idempotency keys (1 day).
//!
//! Order of writes, so that a failure anywhere loses nothing and a retry is safe:
//! 1. reserve the certificate ID with the bollo ledger entry and the idempotency key
//!    (one conditional transaction: a marca serves one request only);
//! 2. build and seal the PDF; 3. archive it under a key of this attempt;
//! 4. write the record (conditional: the first attempt to finish wins, a loser deletes its
//!    archive object); 5. deliver. A retry finds the reservation and either returns the
//!    finished certificate or completes it under the same ID, never using a second marca.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{audit, registry, sessions::Session, ServiceError, ServiceResult};
use crate::app::AppState;
use crate::domain::catalog::{CertificateType, Context, Uso};
use crate::domain::certificate::{
    compose, normalize_name, Bollo, CertificateRecord, Content, Issuer, Libera, Stamp, Subject,
    CONTESTUALE_FACTS,
};
use crate::domain::codice_fiscale::CodiceFiscale;
use crate::domain::person::{Persona, SpecieFamiglia};
use crate::domain::situation::{members_at, Member};
use crate::pdf;
use crate::ports::{Attachment, Condition, Item, Mail, StoreError};

/// How long the record outlives the certificate's validity, so verification can still
/// answer "scaduto" instead of "not found".
const RECORD_AFTER_EXPIRY_DAYS: i64 = 180;
const BOLLO_LEDGER_YEARS: i64 = 3;
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

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

#[derive(Debug, Clone, Default, Deserialize)]
pub struct BolloInput {
    pub id: String,
    pub date: String,
}

/// A certificate ready to hand over: its record and its archived bytes.
#[derive(Debug, Clone)]
pub struct Issued {
    pub record: CertificateRecord,
    pub pdf: Vec<u8>,
    /// True when this request found a certificate issued before (a retry).
    pub reused: bool,
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
    pub types: Vec<TypeView>,
    pub usi: Vec<UsoView>,
    pub contestuale_facts: Vec<crate::domain::catalog::Fact>,
    /// Archives whose certificates never need a bollo, with the reason.
    pub exempt_archives: Vec<crate::domain::catalog::Archive>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Summary {
    pub id: String,
    pub title: String,
    pub person: String,
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Reservation {
    certificate: String,
    fingerprint: String,
    reserved_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    bollo_date: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sha256: Option<String>,
}

fn cert_pk(id: &str) -> String {
    format!("CERT#{id}")
}

fn bollo_pk(id: &str) -> String {
    format!("BOLLO#{id}")
}

fn idem_pk(actor: &str) -> String {
    format!("IDEM#{actor}")
}

pub fn pin_pk(pin: &str) -> String {
    format!("PIN#{}", sha256_hex(format!("pin:{pin}").as_bytes()))
}

fn mine_pk(actor: &str) -> String {
    format!("MIEI#{actor}")
}

pub fn sha256_hex(b: &[u8]) -> String {
    hex::encode(Sha256::digest(b))
}

fn crockford(n: usize) -> String {
    let mut b = vec![0u8; n];
    rand::rngs::OsRng.fill_bytes(&mut b);
    b.iter()
        .map(|x| CROCKFORD[(x & 31) as usize] as char)
        .collect()
}

/// A new certificate ID: 12 Crockford base-32 characters in groups of four.
fn new_id() -> String {
    let s = crockford(12);
    format!("{}-{}-{}", &s[0..4], &s[4..8], &s[8..12])
}

fn new_pin() -> String {
    let mut b = [0u8; 8];
    rand::rngs::OsRng.fill_bytes(&mut b);
    format!("{:010}", u64::from_le_bytes(b) % 10_000_000_000)
}

/// Six months after `t` (the validity of art. 41 DPR 445/2000).
pub fn six_months_after(t: DateTime<Utc>) -> DateTime<Utc> {
    t.checked_add_months(chrono::Months::new(6))
        .unwrap_or(t + Duration::days(183))
}

fn forbidden_scope() -> ServiceError {
    ServiceError::Forbidden(
        "Online puoi richiedere certificati soltanto per te e per i componenti della tua famiglia anagrafica.".into(),
    )
}

/// The person a certificate is about, with the household context of the rules.
pub(crate) struct Target {
    pub person: Persona,
    pub members: Vec<Member>,
    pub specie: Option<SpecieFamiglia>,
    pub denominazione: Option<String>,
}

async fn household_context(
    app: &AppState,
    p: &Persona,
    date: NaiveDate,
) -> ServiceResult<(Vec<Member>, Option<SpecieFamiglia>, Option<String>)> {
    let store = app.store.as_ref();
    let Some(m) = p.membership_at(date) else {
        return Ok((Vec::new(), None, None));
    };
    let f = registry::household(store, &m.famiglia).await?;
    let persons = registry::household_persons(store, &m.famiglia).await?;
    Ok((
        members_at(&persons, &m.famiglia, date, false),
        f.as_ref().map(|f| f.specie),
        f.and_then(|f| f.denominazione),
    ))
}

/// Loads the person and checks the requester may have certificates about them: online, a
/// citizen only for themselves and their household (deceased members included); an
/// operator (certificazione libera) for anyone in the registry.
pub(crate) async fn target(
    app: &AppState,
    actor: &Session,
    cf: &str,
    libera: bool,
) -> ServiceResult<Target> {
    let cf = CodiceFiscale::parse(cf).map_err(|e| {
        ServiceError::invalid(
            "invalid_codice_fiscale",
            format!("Codice fiscale non valido: {e}."),
        )
    })?;
    let store = app.store.as_ref();
    let today = app.clock.today();
    if libera {
        if !actor.operator {
            return Err(ServiceError::Forbidden(
                "La certificazione libera è riservata agli operatori dell'Ufficio Anagrafe.".into(),
            ));
        }
    } else if cf.as_str() != actor.identity.codice_fiscale {
        let me = registry::person(store, &actor.identity.codice_fiscale)
            .await?
            .ok_or_else(forbidden_scope)?;
        let id = me
            .membership_at(today)
            .map(|m| m.famiglia.clone())
            .ok_or_else(forbidden_scope)?;
        let persons = registry::household_persons(store, &id).await?;
        if !members_at(&persons, &id, today, true)
            .iter()
            .any(|m| m.codice_fiscale == cf.as_str())
        {
            return Err(forbidden_scope());
        }
    }
    let person = registry::person(store, cf.as_str()).await?.ok_or_else(|| {
        ServiceError::NotFound("La persona indicata non risulta nell'anagrafe del Comune.".into())
    })?;
    let (members, specie, denominazione) = household_context(app, &person, today).await?;
    Ok(Target {
        person,
        members,
        specie,
        denominazione,
    })
}

fn admitted<'a>(app: &'a AppState, t: &Target, today: NaiveDate) -> Vec<&'a CertificateType> {
    let ctx = Context {
        date: today,
        person: &t.person,
        specie: t.specie,
        members: &t.members,
    };
    app.catalog.types_for(&ctx)
}

/// What can be issued for `person`, and the usi.
pub async fn catalog_for(
    app: &AppState,
    actor: &Session,
    person: &str,
    libera: bool,
) -> ServiceResult<CatalogView> {
    let today = app.clock.today();
    let t = target(app, actor, person, libera).await?;
    let types = admitted(app, &t, today)
        .into_iter()
        .map(|ty| TypeView {
            id: ty.id.clone(),
            archive: ty.archive.clone(),
            archive_title: app
                .catalog
                .archive(&ty.archive)
                .map(|a| a.title.clone())
                .unwrap_or_default(),
            title: ty.title.clone(),
        })
        .collect();
    audit::record(
        app.store.as_ref(),
        app.clock.as_ref(),
        &actor.identity.codice_fiscale,
        vec![t.person.codice_fiscale.clone()],
        "certificate_catalog",
    )
    .await?;
    Ok(CatalogView {
        person: t.person.codice_fiscale.clone(),
        types,
        usi: app
            .catalog
            .usi
            .iter()
            .map(|u| UsoView {
                id: u.id.clone(),
                title: u.title.clone(),
                bollo: u.bollo,
                exemption: u.exemption.clone(),
            })
            .collect(),
        contestuale_facts: app.catalog.contestuale_facts.clone(),
        exempt_archives: app
            .catalog
            .archives
            .iter()
            .filter(|a| a.exemption.is_some())
            .cloned()
            .collect(),
    })
}

/// A validated request: everything needed to build the certificate.
struct Plan {
    target: Target,
    kind: CertificateType,
    uso: Uso,
    bollo: Option<Bollo>,
    facts: Vec<String>,
    fingerprint: String,
}

fn parse_bollo(input: &BolloInput, today: NaiveDate) -> ServiceResult<Bollo> {
    let id = input.id.trim().replace(' ', "");
    if id.len() != 14 || !id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ServiceError::invalid(
            "invalid_bollo_id",
            "L'identificativo della marca da bollo deve essere composto da 14 cifre.",
        ));
    }
    let date = NaiveDate::parse_from_str(input.date.trim(), "%Y-%m-%d").map_err(|_| {
        ServiceError::invalid(
            "invalid_bollo_date",
            "Data della marca da bollo non valida: usa il formato AAAA-MM-GG.",
        )
    })?;
    if date > today {
        return Err(ServiceError::invalid(
            "invalid_bollo_date",
            "La data di emissione della marca da bollo non può essere successiva a oggi.",
        ));
    }
    Ok(Bollo { id, date })
}

async fn plan(
    app: &AppState,
    actor: &Session,
    req: &Request,
    libera: Option<&Libera>,
) -> ServiceResult<Plan> {
    let today = app.clock.today();
    let kind = app
        .catalog
        .certificate_type(req.type_id.trim())
        .cloned()
        .ok_or_else(|| {
            ServiceError::invalid(
                "unknown_type",
                format!("Tipo di certificato sconosciuto: \"{}\".", req.type_id),
            )
        })?;
    let uso = app.catalog.uso(req.uso.trim()).cloned().ok_or_else(|| {
        ServiceError::invalid(
            "unknown_uso",
            format!(
                "Uso sconosciuto: \"{}\". Scegli un uso dall'elenco.",
                req.uso
            ),
        )
    })?;
    let archive = app
        .catalog
        .archive(&kind.archive)
        .ok_or_else(|| ServiceError::invalid("unknown_type", "Archivio sconosciuto."))?;
    let needs_bollo = uso.bollo && archive.exemption.is_none();
    let bollo = match (&req.bollo, needs_bollo) {
        (Some(b), true) => Some(parse_bollo(b, today)?),
        (None, true) => {
            return Err(ServiceError::invalid(
                "bollo_required",
                "Per l'uso scelto il certificato è soggetto a imposta di bollo (€ 16,00): indica l'identificativo di 14 cifre e la data di emissione della marca da bollo.",
            ))
        }
        (Some(_), false) => {
            return Err(ServiceError::invalid("bollo_not_required", "Per l'uso scelto il certificato è esente da bollo: non indicare la marca da bollo."))
        }
        (None, false) => None,
    };
    let mut facts: Vec<String> = Vec::new();
    if kind.body == "contestuale" {
        for f in &req.facts {
            if !CONTESTUALE_FACTS.contains(&f.as_str()) {
                return Err(ServiceError::invalid(
                    "unknown_fact",
                    format!("Dato non certificabile nel contestuale: \"{f}\"."),
                ));
            }
            if !facts.contains(f) {
                facts.push(f.clone());
            }
        }
        if facts.is_empty() {
            return Err(ServiceError::invalid(
                "facts_required",
                "Scegli almeno un dato da certificare nel certificato contestuale.",
            ));
        }
        facts.sort_by_key(|f| CONTESTUALE_FACTS.iter().position(|x| x == f));
    }
    let target = target(app, actor, &req.person, libera.is_some()).await?;
    if !admitted(app, &target, today)
        .iter()
        .any(|t| t.id == kind.id)
    {
        return Err(ServiceError::invalid(
            "type_not_available",
            format!("Il {} non può essere rilasciato per la persona indicata in base ai dati anagrafici.", kind.title.to_lowercase()),
        ));
    }
    let fingerprint = sha256_hex(
        serde_json::to_string(&(
            &actor.identity.codice_fiscale,
            &target.person.codice_fiscale,
            &kind.id,
            &uso.id,
            &bollo,
            &facts,
            libera.map(|l| (&l.motivo, &l.documento_numero)),
        ))?
        .as_bytes(),
    );
    Ok(Plan {
        target,
        kind,
        uso,
        bollo,
        facts,
        fingerprint,
    })
}

fn content(app: &AppState, plan: &Plan, date: NaiveDate) -> Content {
    let archive = app
        .catalog
        .archive(&plan.kind.archive)
        .expect("checked in plan");
    let issuer = Issuer {
        municipality: &app.config.municipality.name,
        province: &app.config.municipality.province,
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
        plan.bollo.as_ref(),
        &subject,
        &plan.facts,
    )
}

/// The preview: the same PDF with the ANTEPRIMA watermark, not sealed, not archived, without
/// verification data. Refused for certificates in bollo.
pub async fn preview(app: &AppState, actor: &Session, req: &Request) -> ServiceResult<Vec<u8>> {
    if req.bollo.is_some() || app.catalog.uso(req.uso.trim()).is_some_and(|u| u.bollo) {
        let exempt_archive = app
            .catalog
            .certificate_type(req.type_id.trim())
            .and_then(|t| app.catalog.archive(&t.archive))
            .is_some_and(|a| a.exemption.is_some());
        if !exempt_archive {
            return Err(ServiceError::invalid(
                "preview_not_allowed",
                "L'anteprima non è disponibile per i certificati in bollo.",
            ));
        }
    }
    let plan = plan(app, actor, req, None).await?;
    let now = app.clock.now();
    let pdf = pdf::render(&content(app, &plan, app.clock.today()), None, now);
    audit::record_with(
        app.store.as_ref(),
        app.clock.as_ref(),
        &actor.identity.codice_fiscale,
        vec![plan.target.person.codice_fiscale.clone()],
        "certificate_preview",
        Some(plan.kind.id.clone()),
    )
    .await?;
    Ok(pdf)
}

/// Reserves the certificate ID for this request: a new one, or the one a previous attempt
/// of the same request reserved (same idempotency key, or same marca da bollo).
async fn reserve(
    app: &AppState,
    actor: &Session,
    plan: &Plan,
    idempotency_key: Option<&str>,
) -> ServiceResult<String> {
    let store = app.store.as_ref();
    let now = app.clock.now();
    let res = Reservation {
        certificate: new_id(),
        fingerprint: plan.fingerprint.clone(),
        reserved_at: now,
        bollo_date: plan.bollo.as_ref().map(|b| b.date),
        sha256: None,
    };
    let data = serde_json::to_vec(&res)?;
    let mut items = Vec::new();
    if let Some(key) = idempotency_key {
        items.push((
            Item::new(idem_pk(&actor.identity.codice_fiscale), key, data.clone())
                .expiring(now + Duration::days(1)),
            Condition::IfAbsent,
        ));
    }
    if let Some(b) = &plan.bollo {
        items.push((
            Item::new(bollo_pk(&b.id), "A", data)
                .expiring(now + Duration::days(365 * BOLLO_LEDGER_YEARS + 1)),
            Condition::IfAbsent,
        ));
    }
    if items.is_empty() {
        return Ok(res.certificate);
    }
    match store.transact(items.clone()).await {
        Ok(()) => Ok(res.certificate),
        Err(StoreError::ConditionFailed) => {
            // Someone reserved before: the same request retried, or another one.
            for (item, _) in &items {
                let Some(existing) = store.get(&item.pk, &item.sk).await? else {
                    continue;
                };
                let existing: Reservation = serde_json::from_slice(&existing.data)?;
                if existing.fingerprint == plan.fingerprint {
                    return Ok(existing.certificate);
                }
                if item.pk.starts_with("BOLLO#") {
                    return Err(ServiceError::Conflict {
                        code: "bollo_already_used",
                        message: format!(
                            "La marca da bollo n. {} è già stata utilizzata per un altro certificato: ogni marca vale per un solo certificato.",
                            item.pk.trim_start_matches("BOLLO#")
                        ),
                    });
                }
                return Err(ServiceError::Conflict {
                    code: "idempotency_conflict",
                    message:
                        "La chiave di idempotenza è già stata usata per una richiesta diversa."
                            .into(),
                });
            }
            // The conflicting item expired meanwhile: try once more.
            store.transact(items).await?;
            Ok(res.certificate)
        }
        Err(e) => Err(e.into()),
    }
}

async fn load_issued(app: &AppState, record: CertificateRecord) -> ServiceResult<Issued> {
    let pdf = app.archive.get(&record.archive_key).await?.ok_or_else(|| {
        ServiceError::Store(StoreError::Backend(format!(
            "archived original missing for {}",
            record.id
        )))
    })?;
    Ok(Issued {
        record,
        pdf,
        reused: true,
        link: None,
    })
}

pub async fn record(app: &AppState, id: &str) -> ServiceResult<Option<CertificateRecord>> {
    registry::get_json(app.store.as_ref(), &cert_pk(id), "A").await
}

/// Issues a certificate: validate, reserve, build, seal, archive, record, audit.
pub async fn issue(
    app: &AppState,
    actor: &Session,
    req: &Request,
    idempotency_key: Option<&str>,
    libera: Option<Libera>,
) -> ServiceResult<Issued> {
    if let Some(l) = &libera {
        validate_libera(l)?;
    }
    let plan = plan(app, actor, req, libera.as_ref()).await?;
    let id = reserve(app, actor, &plan, idempotency_key).await?;
    if let Some(existing) = record(app, &id).await? {
        return load_issued(app, existing).await;
    }
    let (signed, record, link) = build(app, actor, &plan, &id, libera).await?;
    let store = app.store.as_ref();

    let archive_key = record.archive_key.clone();
    app.archive
        .put(&archive_key, &signed, record.expires_at)
        .await?;
    let keep_until = record.expires_at + Duration::days(RECORD_AFTER_EXPIRY_DAYS);
    let items = vec![
        (
            Item::new(cert_pk(&id), "A", serde_json::to_vec(&record)?).expiring(keep_until),
            Condition::IfAbsent,
        ),
        (
            Item::new(
                pin_pk_from_hash(&record.pin_hash),
                id.clone(),
                b"{}".to_vec(),
            )
            .expiring(keep_until),
            Condition::None,
        ),
        (
            Item::new(
                mine_pk(&actor.identity.codice_fiscale),
                format!("{}#{id}", record.issued_at.to_rfc3339()),
                serde_json::to_vec(&summary(&record))?,
            )
            .expiring(record.expires_at),
            Condition::None,
        ),
    ];
    match store.transact(items).await {
        Ok(()) => {}
        Err(e) => {
            // No record points at this attempt's file: remove it (best effort).
            let _ = app.archive.delete(&archive_key).await;
            if matches!(e, StoreError::ConditionFailed) {
                // A concurrent attempt of the same request finished first.
                if let Some(existing) = self::record(app, &id).await? {
                    return load_issued(app, existing).await;
                }
            }
            return Err(e.into());
        }
    }
    if let Some(b) = &plan.bollo {
        // Complete the ledger entry with the document's hash (the record already has it).
        if let Some(item) = store.get(&bollo_pk(&b.id), "A").await? {
            let mut res: Reservation = serde_json::from_slice(&item.data)?;
            res.sha256 = Some(record.sha256.clone());
            let updated = Item {
                data: serde_json::to_vec(&res)?,
                ..item
            };
            if let Err(e) = store.put(updated, Condition::None).await {
                tracing::warn!(error = %e, "bollo ledger hash not updated");
            }
        }
    }
    let action = if record.libera.is_some() {
        "certificate_issue_libera"
    } else {
        "certificate_issue"
    };
    audit::record_with(
        store,
        app.clock.as_ref(),
        &actor.identity.codice_fiscale,
        vec![record.person.clone()],
        action,
        Some(format!("{} {}", record.id, record.type_id)),
    )
    .await?;
    Ok(Issued {
        record,
        pdf: signed,
        reused: false,
        link: Some(link),
    })
}

fn pin_pk_from_hash(hash: &str) -> String {
    format!("PIN#{hash}")
}

fn summary(r: &CertificateRecord) -> Summary {
    Summary {
        id: r.id.clone(),
        title: r.title.clone(),
        person: r.person.clone(),
        issued_at: r.issued_at,
        expires_at: r.expires_at,
    }
}

/// Builds and seals the PDF of `plan` under `id`, with a fresh secret and PIN.
async fn build(
    app: &AppState,
    actor: &Session,
    plan: &Plan,
    id: &str,
    libera: Option<Libera>,
) -> ServiceResult<(Vec<u8>, CertificateRecord, String)> {
    let now = app.clock.now();
    let secret = crockford(26);
    let pin = new_pin();
    let base = &app.config.public_base_url;
    let stamp = Stamp {
        id: id.to_string(),
        pin: pin.clone(),
        url: format!("{base}/verifica/{id}?k={secret}"),
        verify_page: format!("{base}/verifica"),
    };
    let pdf = pdf::render(&content(app, plan, app.clock.today()), Some(&stamp), now);
    let signed = pdf::pades::sign_pdf(
        &pdf,
        app.signer.as_ref(),
        now,
        &format!("Comune di {}", app.config.municipality.name),
    )
    .await?;
    let p = &plan.target.person;
    let record = CertificateRecord {
        id: id.to_string(),
        type_id: plan.kind.id.clone(),
        title: plan.kind.title.clone(),
        archive: plan.kind.archive.clone(),
        uso: plan.uso.id.clone(),
        bollo: plan.bollo.clone(),
        person: p.codice_fiscale.clone(),
        cognome_norm: normalize_name(&p.cognome),
        nome_norm: normalize_name(&p.nome),
        requested_by: actor.identity.codice_fiscale.clone(),
        issued_at: now,
        expires_at: six_months_after(now),
        sha256: sha256_hex(&signed),
        size: signed.len(),
        secret_hash: sha256_hex(secret.as_bytes()),
        pin_hash: sha256_hex(format!("pin:{pin}").as_bytes()),
        archive_key: format!("{}/{}-{}.pdf", now.year(), id, crockford(6)),
        municipality: app.config.municipality.name.clone(),
        libera,
    };
    Ok((signed, record, stamp.url))
}

fn validate_libera(l: &Libera) -> ServiceResult<()> {
    for (value, what) in [
        (&l.motivo, "il motivo della richiesta"),
        (&l.richiedente, "cognome e nome del richiedente"),
        (&l.documento_tipo, "il tipo di documento del richiedente"),
        (
            &l.documento_numero,
            "il numero del documento del richiedente",
        ),
        (&l.documento_ente, "l'ente che ha rilasciato il documento"),
    ] {
        if value.trim().is_empty() {
            return Err(ServiceError::invalid(
                "libera_incomplete",
                format!("Indica {what}."),
            ));
        }
        if value.len() > 256 {
            return Err(ServiceError::invalid(
                "libera_incomplete",
                format!("Testo troppo lungo per {what} (massimo 256 caratteri)."),
            ));
        }
    }
    Ok(())
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
        return Err(ServiceError::Forbidden(
            "La certificazione libera è riservata agli operatori dell'Ufficio Anagrafe.".into(),
        ));
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
        0 => Err(ServiceError::NotFound(
            "Nessuna persona dell'anagrafe corrisponde alle generalità indicate.".into(),
        )),
        1 => Ok(found.remove(0)),
        _ => Err(ServiceError::Conflict {
            code: "ambiguous_person",
            message:
                "Più persone corrispondono alle generalità indicate: indica il codice fiscale."
                    .into(),
        }),
    }
}

/// Checks the addresses a citizen typed: the recipient and an optional copy.
pub(crate) fn recipients(to: &str, cc: Option<&str>) -> ServiceResult<(String, Vec<String>)> {
    let check = |a: &str| -> ServiceResult<String> {
        let a = a.trim();
        a.parse::<lettre::Address>()
            .map(|_| a.to_string())
            .map_err(|_| {
                ServiceError::invalid(
                    "invalid_email",
                    format!("Indirizzo e-mail non valido: \"{a}\"."),
                )
            })
    };
    let to = check(to)?;
    let cc = cc
        .filter(|c| !c.trim().is_empty())
        .map(check)
        .transpose()?
        .into_iter()
        .collect();
    Ok((to, cc))
}

/// Sends an issued certificate by e-mail (PDF attached, the archived bytes).
pub async fn send_by_email(
    app: &AppState,
    issued: &Issued,
    to: &str,
    cc: Option<&str>,
    message: Option<&str>,
) -> ServiceResult<()> {
    let r = &issued.record;
    let date = |t| crate::domain::certificate::date_it(crate::domain::italian_date(t));
    let text = format!(
        "In allegato il {} n. {} rilasciato dal Comune di {} il {}.\n\nIl certificato è firmato digitalmente e riporta un codice QR, un ID e un PIN: chi lo riceve può verificarne l'autenticità e scaricarne l'originale su {}/verifica fino al {}.\n\nQuesto messaggio è stato inviato automaticamente dai Servizi Demografici online: non rispondere a questo indirizzo.\n",
        r.title.to_lowercase(),
        r.id,
        r.municipality,
        date(r.issued_at),
        app.config.public_base_url,
        date(r.expires_at),
    );
    let subject = format!("{} n. {} – Comune di {}", r.title, r.id, r.municipality);
    send_pdf(
        app,
        (to, cc),
        message,
        subject,
        text,
        (issued.filename(), issued.pdf.clone()),
    )
    .await?;
    Ok(())
}

/// Sends a PDF by e-mail to the addresses a citizen typed, their own text first; returns
/// the recipient. A mailer failure is a `Store` error: the caller tells the citizen to retry.
pub(crate) async fn send_pdf(
    app: &AppState,
    (to, cc): (&str, Option<&str>),
    message: Option<&str>,
    subject: String,
    body: String,
    (filename, pdf): (String, Vec<u8>),
) -> ServiceResult<String> {
    let (to, cc) = recipients(to, cc)?;
    let mut text = String::new();
    if let Some(m) = message.map(str::trim).filter(|m| !m.is_empty()) {
        text.push_str(m);
        text.push_str("\n\n---\n");
    }
    text.push_str(&body);
    let mail = Mail {
        to: vec![to.clone()],
        cc,
        subject,
        text,
        attachments: vec![Attachment {
            filename,
            content_type: "application/pdf".into(),
            bytes: pdf,
        }],
    };
    app.mailer.send(&mail).await.map_err(|e| {
        tracing::error!(error = %e, "e-mail not sent");
        ServiceError::Store(StoreError::Backend("mail".into()))
    })?;
    Ok(to)
}

/// The requester's certificates that are still valid, newest first.
pub async fn mine(app: &AppState, actor: &Session) -> ServiceResult<Vec<Summary>> {
    let items = crate::ports::query_all(
        app.store.as_ref(),
        &mine_pk(&actor.identity.codice_fiscale),
        "",
    )
    .await?;
    let now = app.clock.now();
    let mut out: Vec<Summary> = items
        .iter()
        .map(|i| serde_json::from_slice::<Summary>(&i.data).map_err(ServiceError::from))
        .collect::<ServiceResult<_>>()?;
    out.retain(|s| s.expires_at > now);
    out.reverse();
    Ok(out)
}

/// A certificate of the requester, again, while valid.
pub async fn download(app: &AppState, actor: &Session, id: &str) -> ServiceResult<Issued> {
    let not_found =
        || ServiceError::NotFound("Certificato non trovato tra i tuoi certificati validi.".into());
    let record = record(app, id.trim()).await?.ok_or_else(not_found)?;
    if record.requested_by != actor.identity.codice_fiscale || record.expires_at <= app.clock.now()
    {
        return Err(not_found());
    }
    audit::record_with(
        app.store.as_ref(),
        app.clock.as_ref(),
        &actor.identity.codice_fiscale,
        vec![record.person.clone()],
        "certificate_download",
        Some(record.id.clone()),
    )
    .await?;
    load_issued(app, record).await
}
