//! Public verification of certificates: by the QR link (ID + secret) or by the manual form
//! (ID or PIN, plus surname and name), for the six months of validity.
//!
//! Brute-force protection applies to the manual form, the low-entropy path: a certificate ID
//! is locked for `LOCK_MINUTES` after `MAX_WRONG` wrong attempts, and each client address may
//! try `RATE_MAX` times in a sliding window of `RATE_WINDOW_MINUTES`. QR links carry a
//! 128-bit secret, so they keep working while the manual form is locked.
//!
//! Stored: wrong attempts per certificate and attempts per client minute (expiring), and a
//! short-lived download token after a manual verification (`crate::keys`).

use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use serde::Serialize;
use subtle::ConstantTimeEq;

mod seal;

pub use seal::{seal_status, SealStatus};

use super::audit::{self, AuditAction};
use super::certificates::record;
use super::{registry, ServiceResult};
use crate::app::AppState;
use crate::domain::certificate::{normalize_name, CertificateRecord, DigitalBollo};
use crate::domain::sha256_hex;
use crate::keys;
use crate::ports::{query_all, Condition};

/// Wrong manual attempts on a certificate from one client before its manual verification is
/// suspended for that client; from all clients together (a ceiling against many addresses).
pub const MAX_WRONG: i64 = 5;
pub const MAX_WRONG_TOTAL: i64 = 100;
pub const LOCK_MINUTES: i64 = 15;
pub const RATE_WINDOW_MINUTES: i64 = 10;
pub const RATE_MAX: i64 = 30;
const TOKEN_MINUTES: i64 = 15;
/// Who reads personal data through verification, in the audit.
pub const PUBLIC_ACTOR: &str = "verifica-pubblica";

#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Valid(Box<CertificateRecord>),
    Expired(Box<CertificateRecord>),
    NotFound,
    /// Too many attempts: on this certificate from this client (until when), or from this
    /// client overall.
    Locked {
        certificate: bool,
        until: Option<DateTime<Utc>>,
    },
}

/// The machine-readable answer for integrators.
#[derive(Debug, Clone, Serialize)]
pub struct Answer {
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issued_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub municipality: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// The marca da bollo digitale, and whether its receipt names this document.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digital_bollo: Option<DigitalBollo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digital_bollo_matches: Option<bool>,
    pub message: String,
}

impl Outcome {
    pub fn answer(&self) -> Answer {
        let (status, r, message) = match self {
            Outcome::Valid(r) => ("valid", Some(r), "Certificato valido.".to_string()),
            Outcome::Expired(r) if r.unlimited_validity => (
                "verification_ended",
                Some(r),
                "Verifica online non più disponibile: sono trascorsi sei mesi dalla data di rilascio. Il certificato conserva validità illimitata (art. 41, comma 1, D.P.R. 445/2000).".to_string(),
            ),
            Outcome::Expired(r) => (
                "expired",
                Some(r),
                format!(
                    "Certificato scaduto il {}: la validità di sei mesi è terminata e la verifica online non è più disponibile.",
                    crate::domain::certificate::date_it(crate::domain::italian_date(r.expires_at))
                ),
            ),
            Outcome::NotFound => (
                "not_found",
                None,
                "Nessun certificato corrisponde ai dati inseriti.".into(),
            ),
            Outcome::Locked { .. } => (
                "locked",
                None,
                "Troppi tentativi: riprova più tardi.".into(),
            ),
        };
        Answer {
            status,
            id: r.map(|r| r.id.clone()),
            title: r.map(|r| r.title.clone()),
            issued_at: r.map(|r| r.issued_at),
            expires_at: r.map(|r| r.expires_at),
            municipality: r.map(|r| r.municipality.clone()),
            sha256: r.map(|r| r.sha256.clone()),
            digital_bollo: r.and_then(|r| r.digital_bollo.clone()),
            digital_bollo_matches: r
                .filter(|r| r.digital_bollo.is_some())
                .map(|r| r.digital_bollo_matches()),
            message,
        }
    }
}

/// A certificate ID as people type it: any case, spaces, with or without hyphens, and the
/// Crockford look-alikes (O for 0, I or L for 1).
pub fn normalize_id(raw: &str) -> Option<String> {
    let chars: String = raw
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        })
        .collect();
    (chars.len() == 12
        && chars
            .bytes()
            .all(|b| b"0123456789ABCDEFGHJKMNPQRSTVWXYZ".contains(&b)))
    .then(|| format!("{}-{}-{}", &chars[0..4], &chars[4..8], &chars[8..12]))
}

fn by_date(app: &AppState, r: CertificateRecord) -> Outcome {
    if app.clock.now() >= r.expires_at {
        Outcome::Expired(Box::new(r))
    } else {
        Outcome::Valid(Box::new(r))
    }
}

/// A verification that found the certificate: the person it concerns sees it in their
/// access log (without the verifier's address).
async fn verified(app: &AppState, r: CertificateRecord) -> ServiceResult<Outcome> {
    let outcome = by_date(app, r);
    if let Outcome::Valid(r) = &outcome {
        let access = audit::Access::new(
            PUBLIC_ACTOR,
            vec![r.person.clone()],
            AuditAction::Verification,
        )
        .detail(r.id.clone());
        audit::record_access(app, access).await?;
    }
    Ok(outcome)
}

fn same(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

/// A verification's outcome, counted for operations.
fn counted(app: &AppState, outcome: ServiceResult<Outcome>) -> ServiceResult<Outcome> {
    if let Ok(o) = &outcome {
        let label = match o {
            Outcome::Valid(_) => "valid",
            Outcome::Expired(_) => "expired",
            Outcome::NotFound => "not_found",
            Outcome::Locked { .. } => "locked",
        };
        app.metrics.count(crate::metrics::verification(label));
    }
    outcome
}

/// The QR link: `id` and the secret `k`, compared by hash in constant time.
pub async fn by_link(app: &AppState, id: &str, k: &str) -> ServiceResult<Outcome> {
    counted(app, link_outcome(app, id, k).await)
}

async fn link_outcome(app: &AppState, id: &str, k: &str) -> ServiceResult<Outcome> {
    let Some(id) = normalize_id(id) else {
        return Ok(Outcome::NotFound);
    };
    let Some(r) = record(app, &id).await? else {
        return Ok(Outcome::NotFound);
    };
    if !same(&sha256_hex(k.trim().as_bytes()), &r.secret_hash) {
        return Ok(Outcome::NotFound);
    }
    verified(app, r).await
}

/// Until when the manual verification of `id` is suspended for `client`, if it is: after
/// `MAX_WRONG` wrong attempts from that client, or `MAX_WRONG_TOTAL` from all together.
async fn locked(app: &AppState, id: &str, client: &str) -> ServiceResult<Option<DateTime<Utc>>> {
    for (key, max) in [
        (keys::verification_lock(id, Some(client)), MAX_WRONG),
        (keys::verification_lock(id, None), MAX_WRONG_TOTAL),
    ] {
        let Some(item) = app.store.get(&key.pk, &key.sk).await? else {
            continue;
        };
        if serde_json::from_slice::<i64>(&item.data)? >= max {
            let until = item.expires_at.and_then(|t| DateTime::from_timestamp(t, 0));
            return Ok(Some(until.unwrap_or_else(|| app.clock.now())));
        }
    }
    Ok(None)
}

/// One more wrong attempt on `id` from `client`.
async fn count_wrong(app: &AppState, id: &str, client: &str) -> ServiceResult<()> {
    let until = app.clock.now() + Duration::minutes(LOCK_MINUTES);
    for key in [
        keys::verification_lock(id, Some(client)),
        keys::verification_lock(id, None),
    ] {
        app.store
            .increment(&key.pk, &key.sk, 1, Some(until))
            .await?;
    }
    Ok(())
}

/// Counts one attempt of `client` and tells whether it is over the limit.
async fn over_rate(app: &AppState, client: &str) -> ServiceResult<bool> {
    let now = app.clock.now();
    let minute = now.timestamp() / 60;
    let expires = now + Duration::minutes(RATE_WINDOW_MINUTES + 1);
    let key = keys::verification_rate(client, minute);
    app.store
        .increment(&key.pk, &key.sk, 1, Some(expires))
        .await?;
    let since = minute - RATE_WINDOW_MINUTES + 1;
    let mut total = 0;
    for item in query_all(app.store.as_ref(), &keys::verification_rates(client)).await? {
        let m = keys::rate_minute(&item.sk).unwrap_or(0);
        if m >= since {
            total += serde_json::from_slice::<i64>(&item.data)?;
        }
    }
    Ok(total > RATE_MAX)
}

/// The manual form: the certificate ID or PIN, and the surname and name of the person the
/// certificate concerns. Any wrong field gives the same `NotFound`.
pub async fn by_form(
    app: &AppState,
    client: &str,
    id_or_pin: &str,
    cognome: &str,
    nome: &str,
) -> ServiceResult<Outcome> {
    counted(
        app,
        form_outcome(app, client, id_or_pin, cognome, nome).await,
    )
}

async fn form_outcome(
    app: &AppState,
    client: &str,
    id_or_pin: &str,
    cognome: &str,
    nome: &str,
) -> ServiceResult<Outcome> {
    if over_rate(app, client).await? {
        return Ok(Outcome::Locked {
            certificate: false,
            until: None,
        });
    }
    let key: String = id_or_pin.chars().filter(|c| !c.is_whitespace()).collect();
    let candidates: Vec<String> =
        if !key.is_empty() && key.len() == 10 && key.bytes().all(|b| b.is_ascii_digit()) {
            query_all(app.store.as_ref(), &keys::pins(&keys::pin_hash(&key)))
                .await?
                .into_iter()
                .map(|i| i.sk)
                .collect()
        } else {
            normalize_id(&key).into_iter().collect()
        };
    let (cognome, nome) = (normalize_name(cognome), normalize_name(nome));
    let mut locked_until = None;
    for id in candidates {
        let Some(r) = record(app, &id).await? else {
            continue;
        };
        if let Some(until) = locked(app, &id, client).await? {
            locked_until = Some(until);
            continue;
        }
        // Both names are always compared, in constant time.
        let ok = same(&cognome, &r.cognome_norm) & same(&nome, &r.nome_norm);
        if ok && !cognome.is_empty() {
            return verified(app, r).await;
        }
        count_wrong(app, &id, client).await?;
    }
    Ok(match locked_until {
        Some(until) => Outcome::Locked {
            certificate: true,
            until: Some(until),
        },
        None => Outcome::NotFound,
    })
}

/// A short-lived token to download the original after a manual verification.
pub async fn download_token(app: &AppState, id: &str) -> ServiceResult<String> {
    let mut b = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut b);
    let token = hex::encode(b);
    let item = registry::json_item(keys::download_token(&token), &id)?
        .expiring(app.clock.now() + Duration::minutes(TOKEN_MINUTES));
    app.store.put(item, Condition::IfAbsent).await?;
    Ok(token)
}

/// The certificate a download token was given for.
pub async fn by_token(app: &AppState, id: &str, token: &str) -> ServiceResult<Outcome> {
    let Some(id) = normalize_id(id) else {
        return Ok(Outcome::NotFound);
    };
    let key = keys::download_token(token.trim());
    let Some(granted) = registry::get_json::<String>(app.store.as_ref(), &key).await? else {
        return Ok(Outcome::NotFound);
    };
    if granted != id {
        return Ok(Outcome::NotFound);
    }
    match record(app, &id).await? {
        Some(r) => Ok(by_date(app, r)),
        None => Ok(Outcome::NotFound),
    }
}

/// The archived original of a certificate, byte for byte; the download is audited.
pub async fn download(app: &AppState, r: &CertificateRecord) -> ServiceResult<Option<Vec<u8>>> {
    let Some(bytes) = app.archive.get(&r.archive_key).await? else {
        return Ok(None);
    };
    let subjects = vec![r.person.clone()];
    audit::record(
        app,
        PUBLIC_ACTOR,
        subjects,
        AuditAction::VerifyDownload,
        Some(r.id.clone()),
    )
    .await?;
    Ok(Some(bytes))
}
