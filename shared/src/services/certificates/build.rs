//! Making the certificate of a plan: the PDF with its digital stamp, the PAdES seal, the
//! archived original and the record that points at it.

use chrono::{Datelike, Duration};
use rand::RngCore;

use super::super::sessions::Session;
use super::super::{registry, ServiceResult};
use super::ledger::crockford;
use super::plan::{content, Plan};
use super::{six_months_after, Summary, RECORD_AFTER_EXPIRY_DAYS};
use crate::app::AppState;
use crate::domain::certificate::{
    normalize_name, CertificateRecord, CertificateSubject, Channel, Stamp,
};
use crate::domain::sha256_hex;
use crate::keys;
use crate::pdf;
use crate::ports::{Condition, Item, PortError};

/// A sealed certificate, not yet archived.
pub(super) struct Sealed {
    pub pdf: Vec<u8>,
    pub record: CertificateRecord,
    /// The verification link of its QR code.
    pub link: String,
}

fn new_pin() -> String {
    let mut b = [0u8; 8];
    rand::rngs::OsRng.fill_bytes(&mut b);
    format!("{:010}", u64::from_le_bytes(b) % 10_000_000_000)
}

/// Builds and seals the PDF of `plan` under `id`, with a fresh secret and PIN; `notice` is
/// the payment notice of its marca da bollo digitale.
pub(super) async fn build(
    app: &AppState,
    actor: &Session,
    plan: &Plan,
    id: &str,
    channel: &Channel,
    notice: Option<&str>,
) -> ServiceResult<Sealed> {
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
    let field = pdf::SignatureField {
        name: format!("Comune di {}", app.config.municipality.name),
        reason: "Certificato anagrafico rilasciato online".into(),
        signed_at: now,
        reserved: 0,
    };
    let text = content(app, plan, app.clock.today(), notice);
    let arms = app.arms.as_deref();
    let render = |reserved| {
        let field = pdf::SignatureField {
            reserved,
            ..field.clone()
        };
        pdf::render(&text, Some(&stamp), now, arms, Some(&field))
    };
    let signed = pdf::pades::seal(render, app.signer.as_ref(), app.timestamper.as_deref()).await?;
    let p = &plan.target.person;
    let record = CertificateRecord {
        id: id.to_string(),
        type_id: plan.kind.id.clone(),
        title: plan.kind.title.clone(),
        archive: plan.kind.archive.clone(),
        uso: plan.uso.id.clone(),
        bollo: plan.bollo.clone(),
        digital_bollo: None,
        person: p.codice_fiscale.clone(),
        cognome_norm: normalize_name(&p.cognome),
        nome_norm: normalize_name(&p.nome),
        subject: Some(CertificateSubject {
            cognome: p.cognome.clone(),
            nome: p.nome.clone(),
            data_nascita: p.nascita.data,
        }),
        requested_by: actor.identity.codice_fiscale.clone(),
        issued_at: now,
        expires_at: six_months_after(now),
        sha256: sha256_hex(&signed),
        size: signed.len(),
        secret_hash: sha256_hex(secret.as_bytes()),
        pin_hash: keys::pin_hash(&pin),
        archive_key: keys::certificate_file(now.year(), id, &crockford(6)),
        municipality: app.config.municipality.name.clone(),
        libera: channel.libera().cloned(),
        unlimited_validity: plan.kind.validity == crate::domain::catalog::Validity::Illimitata,
    };
    Ok(Sealed {
        pdf: signed,
        record,
        link: stamp.url,
    })
}

/// How storing a sealed certificate ended.
pub(super) enum Stored {
    /// This attempt's record is written.
    Written,
    /// A concurrent attempt of the same request wrote its record first.
    Lost,
}

/// The writes that make a certificate exist: its record (only if absent: the first attempt
/// wins), its PIN lookup, the requester's list entry, and the `extra` writes.
pub(super) fn record_items(
    r: &CertificateRecord,
    extra: Vec<(Item, Condition)>,
) -> ServiceResult<Vec<(Item, Condition)>> {
    let keep_until = r.expires_at + Duration::days(RECORD_AFTER_EXPIRY_DAYS);
    let mine = keys::mine(&r.requested_by, r.issued_at, &r.id);
    let mut items = vec![
        (
            registry::json_item(keys::certificate(&r.id), r)?.expiring(keep_until),
            Condition::IfAbsent,
        ),
        (
            registry::marker(keys::pin(&r.pin_hash, &r.id)).expiring(keep_until),
            Condition::None,
        ),
        (
            registry::json_item(mine, &Summary::of(r))?.expiring(r.expires_at),
            Condition::None,
        ),
    ];
    items.extend(extra);
    Ok(items)
}

/// Archives the original under this attempt's key, then writes the record and the `extra`
/// writes (the completed ledger entry of the marca, the audit record) in one conditional
/// transaction. When the transaction fails, no record points at this attempt's file, which
/// is removed.
pub(super) async fn store(
    app: &AppState,
    s: &Sealed,
    extra: Vec<(Item, Condition)>,
) -> ServiceResult<Stored> {
    let r = &s.record;
    super::intent::announce(app, r).await?;
    app.archive
        .put(&r.archive_key, &s.pdf, r.expires_at)
        .await?;
    let written = app.store.transact(record_items(r, extra)?).await;
    if written.is_err() {
        // A leftover file would be unreachable without a record (the sweep removes it).
        let _ = app.archive.delete(&r.archive_key).await;
    }
    super::intent::settled(app, &r.archive_key).await;
    match written {
        Ok(()) => Ok(Stored::Written),
        Err(e) => match e {
            PortError::ConditionFailed => Ok(Stored::Lost),
            e => Err(e.into()),
        },
    }
}
