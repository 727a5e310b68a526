//! The hash chain of audit records. Each process writes its own chain per day (its id is
//! drawn at start), so writers never race: a record carries its sequence number and the
//! SHA-256 of the previous record's stored bytes (the first of a day links to a genesis
//! value of the day and chain). The chain's head advances only when the write that holds
//! the record commits; until then the next record waits for the link.

use chrono::NaiveDate;
use std::sync::Arc;
use tokio::sync::{Mutex, OwnedMutexGuard};

#[derive(Debug, Default)]
struct Head {
    day: Option<NaiveDate>,
    seq: u64,
    hash: String,
}

/// This process's chain.
#[derive(Debug, Clone)]
pub struct AuditChain {
    id: String,
    head: Arc<Mutex<Head>>,
}

impl Default for AuditChain {
    fn default() -> Self {
        AuditChain {
            id: uuid::Uuid::new_v4().simple().to_string()[..16].to_string(),
            head: Arc::default(),
        }
    }
}

/// The value the first record of a day's chain links to.
pub fn genesis(day: NaiveDate, chain: &str) -> String {
    hash(format!("anagrafe-audit|{day}|{chain}").as_bytes())
}

/// The hex SHA-256 of a record's stored bytes.
pub fn hash(bytes: &[u8]) -> String {
    crate::domain::sha256_hex(bytes)
}

/// The exclusive right to append the chain's next record.
pub struct Link {
    guard: OwnedMutexGuard<Head>,
    chain: String,
    pending: Option<(NaiveDate, u64, String)>,
}

/// Where the next record goes and what it links to.
pub struct Position {
    pub chain: String,
    pub seq: u64,
    pub prev: String,
}

impl AuditChain {
    pub async fn link(&self) -> Link {
        Link {
            guard: self.head.clone().lock_owned().await,
            chain: self.id.clone(),
            pending: None,
        }
    }
}

impl Link {
    /// The next position on `day`.
    pub fn position(&self, day: NaiveDate) -> Position {
        let h = &self.guard;
        let (seq, prev) = match h.day {
            Some(d) if d == day => (h.seq + 1, h.hash.clone()),
            _ => (0, genesis(day, &self.chain)),
        };
        Position {
            chain: self.chain.clone(),
            seq,
            prev,
        }
    }

    /// Remembers the record written at `seq` on `day` (its stored bytes), to advance the
    /// head on `commit`.
    pub fn prepare(&mut self, day: NaiveDate, seq: u64, bytes: &[u8]) {
        self.pending = Some((day, seq, hash(bytes)));
    }

    /// The write holding the record committed: the head advances.
    pub fn commit(mut self) {
        if let Some((day, seq, hash)) = self.pending.take() {
            *self.guard = Head {
                day: Some(day),
                seq,
                hash,
            };
        }
    }
}
