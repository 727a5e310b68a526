//! The end of a day: its chains' heads (count and last hash of each) signed through the
//! `Signer` and kept; and the check of a day or a range, which reports the first broken
//! link — a record changed, missing or added, a chain dropped, a seal that does not match.

use chrono::{NaiveDate, Utc};
use p256::ecdsa::signature::Verifier;
use p256::pkcs8::DecodePublicKey;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use super::chain::{genesis, hash};
use super::AuditRecord;
use crate::app::AppState;
use crate::keys;
use crate::ports::{query_all, Condition, Item};
use crate::services::{registry, ServiceResult};

/// A chain as the seal saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainHead {
    pub chain: String,
    pub records: u64,
    pub last: String,
}

/// What is signed: the day and its chains' heads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub day: NaiveDate,
    pub chains: Vec<ChainHead>,
}

/// The seal kept for a day: the manifest's JSON text and the signature over it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DaySeal {
    pub manifest: String,
    /// Hex DER signature (the `Signer`'s algorithm) over the manifest's bytes.
    pub signature: String,
    pub sealed_at: chrono::DateTime<Utc>,
}

/// A day's check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayReport {
    pub day: NaiveDate,
    pub records: usize,
    pub chains: usize,
    pub sealed: bool,
    /// The first broken link, in Italian, naming the record (`chain#seq`).
    pub broken: Option<String>,
}

/// The day's chains as stored: chain id → records by sequence (raw bytes).
async fn chains_of(
    app: &AppState,
    day: NaiveDate,
) -> ServiceResult<BTreeMap<String, BTreeMap<u64, Vec<u8>>>> {
    let mut out: BTreeMap<String, BTreeMap<u64, Vec<u8>>> = BTreeMap::new();
    for item in query_all(app.store.as_ref(), &keys::audit_day(day)).await? {
        let (chain, seq) = item.sk.rsplit_once('#').unwrap_or((&item.sk, ""));
        let seq = seq.parse().unwrap_or(u64::MAX);
        out.entry(chain.to_string())
            .or_default()
            .insert(seq, item.data);
    }
    Ok(out)
}

/// Walks one chain; the heads it reaches, or the first broken link.
fn walk(
    day: NaiveDate,
    chain: &str,
    records: &BTreeMap<u64, Vec<u8>>,
) -> Result<ChainHead, String> {
    let mut expected = genesis(day, chain);
    for (i, (seq, bytes)) in records.iter().enumerate() {
        let at = format!("{chain}#{seq}");
        if *seq != i as u64 {
            return Err(format!(
                "record {chain}#{i} mancante (la catena prosegue con {at})"
            ));
        }
        let rec: AuditRecord =
            serde_json::from_slice(bytes).map_err(|_| format!("record {at} illeggibile"))?;
        if rec.chain != chain || rec.seq != *seq || rec.at.date_naive() != day {
            return Err(format!("record {at} fuori posto"));
        }
        if rec.prev != expected {
            let before = seq
                .checked_sub(1)
                .map_or(at.clone(), |p| format!("{chain}#{p}"));
            return Err(format!(
                "record {before} modificato (non corrisponde al collegamento di {at})"
            ));
        }
        expected = hash(bytes);
    }
    Ok(ChainHead {
        chain: chain.to_string(),
        records: records.len() as u64,
        last: expected,
    })
}

/// Seals a day that has ended (idempotent: a sealed day keeps its seal).
pub async fn seal_day(app: &AppState, day: NaiveDate) -> ServiceResult<DaySeal> {
    let key = keys::audit_seal(day);
    if let Some(existing) = registry::get_json::<DaySeal>(app.store.as_ref(), &key).await? {
        return Ok(existing);
    }
    let mut chains = Vec::new();
    for (chain, records) in chains_of(app, day).await? {
        // A broken chain is sealed as found: the check reports it against the seal.
        chains.push(walk(day, &chain, &records).unwrap_or_else(|_| ChainHead {
            chain: chain.clone(),
            records: records.len() as u64,
            last: records.values().last().map(|b| hash(b)).unwrap_or_default(),
        }));
    }
    let manifest = serde_json::to_string(&Manifest { day, chains })?;
    let signature = hex::encode(app.signer.sign(manifest.as_bytes()).await?);
    let seal = DaySeal {
        manifest,
        signature,
        sealed_at: app.clock.now(),
    };
    let until = app.clock.now() + chrono::Duration::days(app.config.audit_retention_days);
    let item = Item::at(key.clone(), serde_json::to_vec(&seal)?).expiring(until);
    match app.store.put(item, Condition::IfAbsent).await {
        Err(crate::ports::PortError::ConditionFailed) => {
            Ok(registry::get_json(app.store.as_ref(), &key)
                .await?
                .unwrap_or(seal))
        }
        other => other.map(|()| seal).map_err(Into::into),
    }
}

/// The seal's manifest when its signature verifies with the signer's public key.
async fn verified(app: &AppState, seal: &DaySeal) -> Result<Manifest, String> {
    let spki = app
        .signer
        .public_key_der()
        .await
        .map_err(|e| e.to_string())?;
    let key = p256::ecdsa::VerifyingKey::from_public_key_der(&spki).map_err(|e| e.to_string())?;
    let sig = hex::decode(&seal.signature)
        .ok()
        .and_then(|d| p256::ecdsa::Signature::from_der(&d).ok())
        .ok_or("firma del sigillo illeggibile")?;
    key.verify(seal.manifest.as_bytes(), &sig)
        .map_err(|_| "firma del sigillo non valida".to_string())?;
    serde_json::from_str(&seal.manifest).map_err(|_| "sigillo illeggibile".to_string())
}

/// Checks one day: every chain walks, and a sealed day matches its seal.
pub async fn verify_day(app: &AppState, day: NaiveDate) -> ServiceResult<DayReport> {
    let chains = chains_of(app, day).await?;
    let seal = registry::get_json::<DaySeal>(app.store.as_ref(), &keys::audit_seal(day)).await?;
    let mut report = DayReport {
        day,
        records: chains.values().map(BTreeMap::len).sum(),
        chains: chains.len(),
        sealed: seal.is_some(),
        broken: None,
    };
    let mut heads = BTreeMap::new();
    for (chain, records) in &chains {
        match walk(day, chain, records) {
            Ok(head) => heads.insert(chain.clone(), head),
            Err(broken) => {
                report.broken = Some(broken);
                return Ok(report);
            }
        };
    }
    if let Some(seal) = seal {
        report.broken = match verified(app, &seal).await {
            Err(e) => Some(e),
            Ok(m) if m.day != day => Some("sigillo di un altro giorno".into()),
            Ok(m) => against_seal(&m, &heads),
        };
    }
    Ok(report)
}

/// Where the chains differ from what the seal saw.
fn against_seal(m: &Manifest, heads: &BTreeMap<String, ChainHead>) -> Option<String> {
    for sealed in &m.chains {
        match heads.get(&sealed.chain) {
            None => return Some(format!("catena {} sigillata ma assente", sealed.chain)),
            Some(h) if h.records < sealed.records => {
                return Some(format!("record {}#{} mancante", sealed.chain, h.records))
            }
            Some(h) if h.records > sealed.records => {
                return Some(format!(
                    "record {}#{} aggiunto dopo il sigillo",
                    sealed.chain, sealed.records
                ))
            }
            Some(h) if h.last != sealed.last => {
                return Some(format!(
                    "record {}#{} modificato",
                    sealed.chain,
                    sealed.records - 1
                ))
            }
            Some(_) => {}
        }
    }
    heads
        .keys()
        .find(|c| !m.chains.iter().any(|s| &s.chain == *c))
        .map(|c| format!("catena {c} aggiunta dopo il sigillo"))
}

/// Checks the days from `from` to `to` (inclusive), stopping at the first broken one.
pub async fn verify_range(
    app: &AppState,
    from: NaiveDate,
    to: NaiveDate,
) -> ServiceResult<Vec<DayReport>> {
    let mut out = Vec::new();
    for day in from.iter_days().take_while(|d| *d <= to) {
        let report = verify_day(app, day).await?;
        let broken = report.broken.is_some();
        out.push(report);
        if broken {
            break;
        }
    }
    Ok(out)
}
