//! The store-key scheme: every partition and sort key of the `RegistryStore` is built and
//! read here, and nowhere else (the README's "Store keys" table lists them all). Keys that
//! would carry a secret (a session token, a PIN, a download token, a client address) hold
//! its SHA-256 instead.

use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::certificate::normalize_name;
use crate::domain::sha256_hex;

/// The single record of a partition.
const RECORD: &str = "A";
/// The sort-key prefix of the household index entries.
const MEMBER: &str = "M#";

/// The key of one item.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    pub pk: String,
    pub sk: String,
}

/// A query: the items of a partition whose sort key starts with a prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prefix {
    pub pk: String,
    pub sk_prefix: String,
}

fn key(pk: String, sk: impl Into<String>) -> Key {
    Key { pk, sk: sk.into() }
}

fn record(pk: String) -> Key {
    key(pk, RECORD)
}

fn all(pk: String) -> Prefix {
    Prefix {
        pk,
        sk_prefix: String::new(),
    }
}

// Registry: persons and households.

/// A person with all their history.
pub fn person(cf: &str) -> Key {
    record(format!("PERSONA#{cf}"))
}

/// A household (famiglia or convivenza).
pub fn household(id: &str) -> Key {
    record(format!("FAMIGLIA#{id}"))
}

/// Index entry: the person belonged to the household at some time.
pub fn household_member(id: &str, cf: &str) -> Key {
    key(format!("FAMIGLIA#{id}"), format!("{MEMBER}{cf}"))
}

/// Every index entry of a household.
pub fn household_members(id: &str) -> Prefix {
    Prefix {
        pk: format!("FAMIGLIA#{id}"),
        sk_prefix: MEMBER.into(),
    }
}

/// The codice fiscale of a household index entry's sort key.
pub fn member_of(sk: &str) -> Option<&str> {
    sk.strip_prefix(MEMBER)
}

/// Index by generalità (operators' certificazione libera): one entry per person, the
/// codice fiscale as sort key.
pub fn generalita(cognome: &str, nome: &str, born: NaiveDate, cf: &str) -> Key {
    let p = generalita_all(cognome, nome, born);
    key(p.pk, cf)
}

pub fn generalita_all(cognome: &str, nome: &str, born: NaiveDate) -> Prefix {
    all(format!(
        "GEN#{}#{}#{born}",
        normalize_name(cognome),
        normalize_name(nome)
    ))
}

/// The marker of a local data directory seeded with the demo population.
pub fn demo_seeded() -> Key {
    key("META".into(), "demo-seeded")
}

// Login and sessions.

/// A session, by the SHA-256 of its token.
pub fn session(token: &str) -> Key {
    record(format!("SESSIONE#{}", sha256_hex(token.as_bytes())))
}

/// A pending SAML request, by its opaque RelayState.
pub fn pending_login(relay_state: &str) -> Key {
    record(format!("SAMLREQ#{relay_state}"))
}

/// An assertion already used (replay cache).
pub fn used_assertion(assertion_id: &str) -> Key {
    record(format!("SAMLASSERTION#{assertion_id}"))
}

/// A request already answered (replay cache).
/// The card a CNS login host checked for a pending login, until the portal's host takes it.
pub fn cns_ticket(relay_state: &str) -> Key {
    record(format!("CNSTICKET#{relay_state}"))
}

pub fn used_request(request_id: &str) -> Key {
    record(format!("SAMLUSED#{request_id}"))
}

/// "Mio account": e-mail and PEC.
pub fn profile(cf: &str) -> Key {
    record(format!("PROFILO#{cf}"))
}

/// The e-mails a citizen sent through the portal on a day (a counter).
pub fn mails_of_day(cf: &str, day: NaiveDate) -> Key {
    key(format!("POSTA#{cf}"), day.to_string())
}

// Audit.

/// The audit records of a day (UTC).
pub fn audit_day(day: NaiveDate) -> Prefix {
    all(format!("AUDIT#{day}"))
}

/// One audit record: its writer's chain and its place in it.
pub fn audit_record(day: NaiveDate, chain: &str, seq: u64) -> Key {
    key(audit_day(day).pk, format!("{chain}#{seq:012}"))
}

/// The seal of a day's audit chains.
pub fn audit_seal(day: NaiveDate) -> Key {
    key("AUDITSIGILLO".into(), day.to_string())
}

/// A person's access log: the audit records that concern them, newest first (the sort key
/// starts with the instant counted down, so the store's ascending order is newest first).
pub fn access_log(cf: &str) -> Prefix {
    all(format!("ACCESSI#{cf}"))
}

/// The sort key where a person's access log reaches back to `at` (entries after it in
/// the store's order are older).
pub fn access_log_from(at: DateTime<Utc>) -> String {
    format!("{:019}", i64::MAX - at.timestamp_micros())
}

/// Whether `sk` has the shape of an access-log sort key (a page cursor coming back from
/// outside).
pub fn is_access_entry_sk(sk: &str) -> bool {
    let parts: Vec<&str> = sk.split('#').collect();
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    matches!(parts.as_slice(), [t, chain, seq]
        if digits(t, 19) && digits(seq, 12) && chain.len() <= 32
            && chain.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// One entry of a person's access log.
pub fn access_entry(cf: &str, at: DateTime<Utc>, chain: &str, seq: u64) -> Key {
    key(
        access_log(cf).pk,
        format!("{}#{chain}#{seq:012}", access_log_from(at)),
    )
}

// Certificates.

/// A certificate record.
pub fn certificate(id: &str) -> Key {
    record(format!("CERT#{id}"))
}

/// Lookup by PIN for manual verification, from the PIN's hash (`pin_hash`).
pub fn pin(pin_hash: &str, certificate: &str) -> Key {
    key(format!("PIN#{pin_hash}"), certificate)
}

pub fn pins(pin_hash: &str) -> Prefix {
    all(format!("PIN#{pin_hash}"))
}

/// The hash a PIN is stored and looked up by.
pub fn pin_hash(pin: &str) -> String {
    sha256_hex(format!("pin:{pin}").as_bytes())
}

/// An entry of "I miei certificati".
pub fn mine(requester: &str, issued_at: DateTime<Utc>, certificate: &str) -> Key {
    key(
        mine_all(requester).pk,
        format!("{}#{certificate}", issued_at.to_rfc3339()),
    )
}

pub fn mine_all(requester: &str) -> Prefix {
    all(format!("MIEI#{requester}"))
}

/// A certificate awaiting its online payment: built and sealed, not yet released.
pub fn pending_certificate(id: &str) -> Key {
    record(format!("CERTPAY#{id}"))
}

/// What an open payment pays: a certificate, an application's fee.
pub const PAID_CERTIFICATE: &str = "certificate";
pub const PAID_APPLICATION: &str = "application";

/// A payment still open, for reconciliation: what it pays (`PAID_*`) and its id.
pub fn open_payment(what: &str, id: &str) -> Key {
    key("PAYOPEN".into(), format!("{what}#{id}"))
}

pub fn open_payments() -> Prefix {
    all("PAYOPEN".into())
}

/// What an open payment pays, and its id.
pub fn open_payment_of(sk: &str) -> Option<(&str, &str)> {
    sk.split_once('#')
}

/// The counter of the comune's notice numbers of a year.
pub fn notice_counter(year: i32) -> Key {
    record(format!("NAVSEQ#{year}"))
}

/// The marker of an original about to be archived, until a record points at it.
pub fn archiving(archive_key: &str) -> Key {
    key("ARCHIVING".into(), archive_key)
}

pub fn archivings() -> Prefix {
    all("ARCHIVING".into())
}

/// The bollo ledger entry of a marca da bollo.
pub fn bollo(marca: &str) -> Key {
    record(format!("BOLLO#{marca}"))
}

/// An idempotency key of a requester's certificate request.
pub fn idempotency(requester: &str, idempotency_key: &str) -> Key {
    key(format!("IDEM#{requester}"), idempotency_key)
}

// Verification.

/// Wrong manual attempts on a certificate from one client (by the client's hash), or from
/// all clients together (`None`).
pub fn verification_lock(certificate: &str, client: Option<&str>) -> Key {
    let sk = client.map_or_else(|| "n".to_string(), |c| sha256_hex(c.as_bytes()));
    key(format!("LOCK#{certificate}"), sk)
}

/// A client's manual attempts in one minute (sliding window), by the client's hash.
pub fn verification_rate(client: &str, minute: i64) -> Key {
    key(verification_rates(client).pk, format!("{minute:012}"))
}

pub fn verification_rates(client: &str) -> Prefix {
    all(format!("RATE#{}", sha256_hex(client.as_bytes())))
}

/// The minute of a `verification_rate` sort key.
pub fn rate_minute(sk: &str) -> Option<i64> {
    sk.parse().ok()
}

/// A short-lived token to download an original after a manual verification.
pub fn download_token(token: &str) -> Key {
    record(format!("DL#{}", sha256_hex(token.as_bytes())))
}

// Applications (istanze) and the protocol register.

/// An application with its answers, its history and its messages.
pub fn application(id: &str) -> Key {
    record(format!("ISTANZA#{id}"))
}

/// The marker of one version of an application: written only if absent, so of two
/// concurrent changes of the same version exactly one is kept.
pub fn application_version(id: &str, version: u32) -> Key {
    key(format!("ISTANZA#{id}"), format!("V#{version:06}"))
}

/// An entry of a citizen's "Le mie pratiche".
pub fn application_of(cf: &str, id: &str) -> Key {
    key(applications_of(cf).pk, id)
}

pub fn applications_of(cf: &str) -> Prefix {
    all(format!("PRATICHE#{cf}"))
}

/// An entry of the office's queue (sent applications).
pub fn queued_application(id: &str) -> Key {
    key(application_queue().pk, id)
}

pub fn application_queue() -> Prefix {
    all("CODA#ISTANZE".into())
}

/// The id of an application from its list or queue entry.
pub fn application_in(entry: &Key) -> &str {
    &entry.sk
}

/// The last number of a year's protocol register.
pub fn protocol_head(year: i32) -> Key {
    key(format!("PROTOCOLLO#{year}"), "HEAD")
}

/// One registration of a year's protocol register.
pub fn protocol_entry(year: i32, number: u64) -> Key {
    key(format!("PROTOCOLLO#{year}"), format!("N#{number:010}"))
}

pub fn protocol_entries(year: i32) -> Prefix {
    Prefix {
        pk: format!("PROTOCOLLO#{year}"),
        sk_prefix: "N#".into(),
    }
}

/// The registration made for a caller's key (what makes a retry return the same number).
pub fn protocol_request(request: &str) -> Key {
    record(format!("PROTOREQ#{}", sha256_hex(request.as_bytes())))
}

/// A registry change waiting to be applied by the municipality's registry system.
pub fn registry_change(id: &str) -> Key {
    key(registry_outbox().pk, id)
}

pub fn registry_outbox() -> Prefix {
    all("OUTBOX#ANAGRAFE".into())
}

// The local pagoPA stand-in (what pagoPA itself keeps in the cloud).

/// A debt position of the stand-in, with its state and receipts.
pub fn standin_position(iupd: &str) -> Key {
    record(format!("PAGOPA#{iupd}"))
}

/// The position a notice number belongs to.
pub fn standin_notice(nav: &str) -> Key {
    record(format!("PAGOPANAV#{nav}"))
}

/// A checkout cart of the stand-in.
pub fn standin_cart(id: &str) -> Key {
    record(format!("PAGOPACART#{id}"))
}

/// Written only if absent with a payment: a notice is never paid twice.
pub fn standin_paid(iupd: &str) -> Key {
    record(format!("PAGOPAPAID#{iupd}"))
}

/// Where a certificate's original is archived (expired by the bucket's lifecycle after six
/// months, under this prefix).
pub fn certificate_file(year: i32, id: &str, suffix: &str) -> String {
    format!("certificati/{year}/{id}-{suffix}.pdf")
}

/// Where an application's file is archived (attachments and sealed letters; never public).
pub fn application_file(year: i32, application: &str, file: &str) -> String {
    format!("istanze/{year}/{application}/{file}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_read_back_what_they_build() {
        let k = household_member("F1", "RSSMRA80A01H501U");
        assert_eq!(member_of(&k.sk), Some("RSSMRA80A01H501U"));
        assert_eq!(household_members("F1").pk, k.pk);
        assert_eq!(rate_minute(&verification_rate("x", 42).sk), Some(42));
        assert!(k.sk.starts_with(&household_members("F1").sk_prefix));
        // Secrets never appear in keys.
        assert!(!session("secret-token").pk.contains("secret"));
        assert!(!pins(&pin_hash("1234567890")).pk.contains("1234567890"));
    }
}
