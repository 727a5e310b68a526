//! What the world provides to the use cases. Each port has a local adapter (embedded store,
//! files, software key, outbox) and a cloud one (DynamoDB, S3, KMS, SMTP).

use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// Failure of an adapter, whatever its port. `ConditionFailed` is the expected answer of a
/// conditional write whose condition does not hold (a bollo ID already used, an idempotency
/// key already taken); the others say what went wrong so the use case can answer precisely.
#[derive(Debug, thiserror::Error)]
pub enum PortError {
    #[error("condizione di scrittura non soddisfatta")]
    ConditionFailed,
    /// The backend failed or could not be reached; a retry may succeed.
    #[error("{port} unavailable: {detail}")]
    Unavailable { port: Port, detail: String },
    /// A stored value cannot be read back.
    #[error("corrupt record: {0}")]
    Corrupt(String),
    /// The message was refused or could not be handed to the relay.
    #[error("delivery failed: {0}")]
    DeliveryFailed(String),
    /// The adapter lacks what it needs to work (e.g. the seal certificate is not issued yet).
    #[error("{0} not configured")]
    NotConfigured(&'static str),
}

/// Which port failed, for the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Port {
    Store,
    Archive,
    Signer,
    Mailer,
    Timestamper,
    Payments,
    Protocollo,
    Notifier,
    RevocationLists,
}

impl std::fmt::Display for Port {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self, f)
    }
}

impl PortError {
    pub fn unavailable(port: Port, detail: impl std::fmt::Display) -> Self {
        PortError::Unavailable {
            port,
            detail: detail.to_string(),
        }
    }
}

pub type PortResult<T> = Result<T, PortError>;

/// One record of the registry store: a partition key, a sort key, an opaque JSON payload and
/// an optional expiry (Unix seconds). Expired items are invisible to every read and count as
/// absent for conditional writes, whether or not the backend has removed them yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub pk: String,
    pub sk: String,
    pub data: Vec<u8>,
    pub expires_at: Option<i64>,
}

impl Item {
    pub fn new(pk: impl Into<String>, sk: impl Into<String>, data: Vec<u8>) -> Self {
        Item {
            pk: pk.into(),
            sk: sk.into(),
            data,
            expires_at: None,
        }
    }

    /// An item at a key of the scheme (`crate::keys`).
    pub fn at(key: crate::keys::Key, data: Vec<u8>) -> Self {
        Item {
            pk: key.pk,
            sk: key.sk,
            data,
            expires_at: None,
        }
    }

    pub fn key(&self) -> crate::keys::Key {
        crate::keys::Key {
            pk: self.pk.clone(),
            sk: self.sk.clone(),
        }
    }

    pub fn expiring(mut self, at: DateTime<Utc>) -> Self {
        self.expires_at = Some(at.timestamp());
        self
    }

    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        self.expires_at.is_none_or(|t| t > now.timestamp())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Condition {
    /// Unconditional upsert.
    None,
    /// Only when no live item has this key.
    IfAbsent,
}

/// A page of a query, in sort-key order; `next` is the cursor for the following page.
#[derive(Debug, Clone, Default)]
pub struct Page {
    pub items: Vec<Item>,
    pub next: Option<String>,
}

/// The registry's records: persons, households, sessions, certificate records, bollo ledger,
/// counters, audit. Shaped after a single DynamoDB table (pk/sk, conditional writes,
/// transactions, atomic counters, TTL).
#[async_trait]
pub trait RegistryStore: Send + Sync {
    async fn get(&self, pk: &str, sk: &str) -> PortResult<Option<Item>>;

    async fn put(&self, item: Item, condition: Condition) -> PortResult<()>;

    /// All-or-nothing write of several items, each with its condition
    /// (`ConditionFailed` when any condition fails; then nothing is written).
    async fn transact(&self, items: Vec<(Item, Condition)>) -> PortResult<()>;

    /// Unconditional upserts in bulk; the adapter splits them as its backend requires, and
    /// may defer their durability until `persist_batches`.
    async fn put_batch(&self, items: Vec<Item>) -> PortResult<()>;

    /// Makes every earlier `put_batch` durable (a no-op where each batch already is).
    async fn persist_batches(&self) -> PortResult<()> {
        Ok(())
    }

    /// The live items at these keys, in their order (`None` where absent); adapters read them
    /// in bulk as their backend allows.
    async fn get_many(&self, keys: &[(String, String)]) -> PortResult<Vec<Option<Item>>> {
        let mut out = Vec::with_capacity(keys.len());
        for (pk, sk) in keys {
            out.push(self.get(pk, sk).await?);
        }
        Ok(out)
    }

    async fn delete(&self, pk: &str, sk: &str) -> PortResult<()>;

    /// Live items of partition `pk` whose sort key starts with `sk_prefix`, after `after`.
    async fn query(
        &self,
        pk: &str,
        sk_prefix: &str,
        after: Option<&str>,
        limit: usize,
    ) -> PortResult<Page>;

    /// Atomically adds `by` to the counter at the key and returns the new value. A missing or
    /// expired counter starts from zero and takes `expires_at`.
    async fn increment(
        &self,
        pk: &str,
        sk: &str,
        by: i64,
        expires_at: Option<DateTime<Utc>>,
    ) -> PortResult<i64>;
}

/// Every live item of a query, following the pages.
pub async fn query_all(
    store: &dyn RegistryStore,
    prefix: &crate::keys::Prefix,
) -> PortResult<Vec<Item>> {
    let mut out = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = store
            .query(&prefix.pk, &prefix.sk_prefix, after.as_deref(), 500)
            .await?;
        out.extend(page.items);
        match page.next {
            Some(n) => after = Some(n),
            None => return Ok(out),
        }
    }
}

/// Archived documents (signed certificates), kept until `expires_at`.
#[async_trait]
pub trait ArchiveStore: Send + Sync {
    /// Stores the object; storing the same key again with the same bytes is a no-op.
    async fn put(&self, key: &str, bytes: &[u8], expires_at: DateTime<Utc>) -> PortResult<()>;

    /// The object, or None when it does not exist or has expired.
    async fn get(&self, key: &str) -> PortResult<Option<Vec<u8>>>;

    async fn delete(&self, key: &str) -> PortResult<()>;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureAlgorithm {
    /// ECDSA on P-256 with SHA-256; signatures are DER `Ecdsa-Sig-Value`.
    EcdsaP256Sha256,
}

/// Signs bytes with the municipality's key. The key never leaves the signer (software key
/// locally, an HSM-backed KMS key in the cloud, a qualified remote-sealing service later).
#[async_trait]
pub trait Signer: Send + Sync {
    fn algorithm(&self) -> SignatureAlgorithm;

    /// The public key as DER SubjectPublicKeyInfo.
    async fn public_key_der(&self) -> PortResult<Vec<u8>>;

    /// The DER certificates of the key: the seal certificate first, then its issuers.
    async fn certificate_chain(&self) -> PortResult<Vec<Vec<u8>>>;

    /// Hashes `message` with the algorithm's digest and signs it.
    async fn sign(&self, message: &[u8]) -> PortResult<Vec<u8>>;
}

/// RFC 3161 time-stamping: a trusted time over a digest (the seal's signature value, for
/// PAdES B-T). Locally a TSA inside the runner; in the cloud a configured TSA over HTTPS.
#[async_trait]
pub trait Timestamper: Send + Sync {
    /// The TimeStampToken (DER CMS ContentInfo) over the SHA-256 `digest`.
    async fn timestamp(&self, digest: &[u8; 32]) -> PortResult<Vec<u8>>;
}

/// An e-mail to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub subject: String,
    pub text: String,
    pub attachments: Vec<Attachment>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub filename: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

#[async_trait]
pub trait Mailer: Send + Sync {
    async fn send(&self, mail: &Mail) -> PortResult<()>;
}

/// Where a CNS card's revocation status is learnt, at the http(s) addresses its certificate
/// (signed by a trusted CA) names: the DER of a CRL of a distribution point, or the DER answer
/// of an OCSP responder to a DER request.
#[async_trait]
pub trait RevocationSource: Send + Sync {
    async fn crl(&self, url: &str) -> PortResult<Vec<u8>>;
    async fn ocsp(&self, url: &str, request: &[u8]) -> PortResult<Vec<u8>>;
}

/// The time of the system; tests move it.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;

    /// Today's date in Italy.
    fn today(&self) -> chrono::NaiveDate {
        crate::domain::italian_date(self.now())
    }
}

/// Which way a registered document goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Received by the comune (an application, an answer).
    Entrata,
    /// Sent by the comune (a request, an outcome).
    Uscita,
}

/// What the protocol register records of a document (DPR 445/2000 art. 53: sender or
/// recipient, subject, the attachments' fingerprints).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Registration {
    /// Registering twice with the same key returns the first number (a retry is safe).
    pub key: String,
    pub direction: Direction,
    /// Codice fiscale of the correspondent.
    pub correspondent: String,
    pub subject: String,
    /// (name, SHA-256 hex) of each document registered with it.
    pub fingerprints: Vec<(String, String)>,
}

/// A protocol number: unique and without gaps in its year.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Protocol {
    pub year: i32,
    pub number: u64,
    pub at: DateTime<Utc>,
}

impl std::fmt::Display for Protocol {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{:07}", self.year, self.number)
    }
}

/// The comune's protocol register (protocollo informatico). Locally and on DynamoDB a
/// numbered register per year in the `RegistryStore`; a real protocol system's adapter
/// implements the same call: register once per key, answer the number and the instant.
#[async_trait]
pub trait Protocollo: Send + Sync {
    async fn register(&self, r: &Registration) -> PortResult<Protocol>;
}

/// A message to a citizen about one of their applications.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// Codice fiscale of the citizen (App IO addresses citizens by it).
    pub codice_fiscale: String,
    /// The e-mail they gave, if any.
    pub email: Option<String>,
    /// The service's title and the new state only: no personal data.
    pub subject: String,
    pub text: String,
    /// The application's page in the portal.
    pub link: String,
    /// The sealed letter of the transition, when there is one.
    pub document: Option<Attachment>,
}

/// Tells citizens what happened to their applications: by e-mail through the `Mailer`
/// today; an App IO adapter implements the same call.
#[async_trait]
pub trait Notifier: Send + Sync {
    async fn notify(&self, notice: &Notice) -> PortResult<()>;
}

/// Where a transfer of a payment goes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransferKind {
    /// To the comune's account.
    Iban(String),
    /// The marca da bollo digitale (@e.bollo) bound to a document: the base64 SHA-256 of the
    /// document and the payer's province.
    Stamp {
        document_sha256_b64: String,
        province: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Transfer {
    pub amount_cents: u64,
    pub remittance: String,
    pub taxonomy: String,
    pub kind: TransferKind,
}

/// A debt position of one payer with one payment option (GPD's model).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DebtPosition {
    /// The comune's own id of the position (unique; a retry after a timeout reuses it).
    pub iupd: String,
    pub notice: crate::domain::payments::Notice,
    pub payer_fiscal_code: String,
    pub payer_name: String,
    pub description: String,
    pub amount_cents: u64,
    pub due: DateTime<Utc>,
    pub transfers: Vec<Transfer>,
}

/// Where pagoPA's checkout sends the citizen back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnUrls {
    pub ok: String,
    pub cancel: String,
    pub error: String,
}

/// One notice of a checkout cart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CartItem {
    pub nav: String,
    pub amount_cents: u64,
    pub description: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PositionState {
    /// Published and payable.
    Unpaid,
    Paid,
    /// Cancelled by the comune.
    Invalid,
    /// Past its due date.
    Expired,
}

/// The receipt of a payment (ricevuta telematica), with the @e.bollo receipt when the
/// payment carried a marca da bollo digitale.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PaymentReceipt {
    pub receipt_id: String,
    pub psp: String,
    pub paid_at: DateTime<Utc>,
    pub amount_cents: u64,
    /// The `marcaDaBollo` XML as the PSP signed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stamp_xml: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PositionStatus {
    pub state: PositionState,
    pub receipts: Vec<PaymentReceipt>,
}

/// pagoPA: the comune's debt positions (GPD) and the online checkout. Locally a stand-in
/// inside the runner; in the cloud GPD and Checkout over HTTPS.
#[async_trait]
pub trait Payments: Send + Sync {
    /// Creates and publishes the position; `ConditionFailed` when its `iupd` exists already.
    async fn create(&self, position: &DebtPosition) -> PortResult<()>;

    /// A checkout of up to five notices: the address to send the citizen to.
    async fn checkout(
        &self,
        items: &[CartItem],
        back: &ReturnUrls,
        email: Option<&str>,
    ) -> PortResult<String>;

    /// The position's state and receipts; `None` when pagoPA does not know it.
    async fn status(&self, iupd: &str) -> PortResult<Option<PositionStatus>>;

    /// Cancels an unpaid position; `ConditionFailed` when it cannot be cancelled any more.
    async fn invalidate(&self, iupd: &str) -> PortResult<()>;
}

/// A count of something the service did, for operations: a name and its dimensions, which
/// are catalogue ids, outcomes and identity providers — never personal data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metric<'a> {
    pub name: &'static str,
    pub dimensions: Vec<(&'static str, &'a str)>,
}

/// Where the counts go: CloudWatch through the Embedded Metric Format on Lambda, a file
/// locally. Best effort: counting never fails a request.
pub trait Metrics: Send + Sync {
    fn count(&self, metric: Metric<'_>);
}
