//! What a certificate says: its wording composed from the registry data at the issue date,
//! and the identifiers of its digital stamp. No I/O and no layout (see `pdf`).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

mod body;

pub use body::body;

use super::catalog::{Archive, Art40, BolloRule, CertificateType, ContestualeFact, Uso, Validity};
use super::person::Persona;
use super::situation::Member;

/// The marca da bollo of a certificate: its 14-digit identifier and issue date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bollo {
    pub id: String,
    pub date: NaiveDate,
}

/// How the bollo of a certificate is paid: a marca bought beforehand (its number typed in),
/// or the marca da bollo digitale (@e.bollo) bought through pagoPA for this very document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BolloPaid<'a> {
    Marca(&'a Bollo),
    /// The notice number of the payment the marca is bought with.
    Digital {
        notice: &'a str,
    },
}

/// The marca da bollo digitale of a released certificate, as its receipt says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DigitalBollo {
    /// The notice number it was paid with.
    pub notice: String,
    /// Identificativo univoco del bollo digitale.
    pub iubd: String,
    /// The PSP that sold it.
    pub psp: String,
    pub bought_at: DateTime<Utc>,
    /// The document's base64 SHA-256 the marca names; equal to the archived original's.
    pub document_sha256_b64: String,
}

/// A block of the certificate body.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Paragraph(String),
    /// A table with a header row (stato di famiglia).
    Table {
        header: Vec<String>,
        rows: Vec<Vec<String>>,
    },
}

/// Everything printed on a certificate except the stamp.
#[derive(Debug, Clone, PartialEq)]
pub struct Content {
    pub municipality: String,
    pub province: String,
    pub office: String,
    pub title: String,
    pub intro: String,
    pub blocks: Vec<Block>,
    pub uso: String,
    /// Bollo paid (with the marca's ID and date) or the exemption with its legal ground.
    pub bollo: String,
    /// Whether the certificate carries the box for the physical marca.
    pub bollo_box: bool,
    pub art40: String,
    pub validity: String,
    pub place_date: String,
    pub signature: String,
}

/// The digital stamp (contrassegno): QR link, ID and PIN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    pub id: String,
    pub pin: String,
    pub url: String,
    pub verify_page: String,
}

/// Everything the wording needs.
pub struct Subject<'a> {
    pub person: &'a Persona,
    /// Living members of the person's household at the date, intestatario first.
    pub members: &'a [Member],
    /// Denominazione of a convivenza.
    pub denominazione: Option<&'a str>,
    pub date: NaiveDate,
}

pub struct Issuer<'a> {
    pub municipality: &'a str,
    /// "Provincia di Siena".
    pub province_label: &'a str,
    pub bollo_rule: &'a BolloRule,
}

pub fn date_it(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// The letters and digits of a name, upper case, accents removed: what a recipient types
/// is compared in this form, so case, accents, apostrophes and spaces do not matter.
pub fn normalize_name(s: &str) -> String {
    s.nfd()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_uppercase)
        .collect()
}

/// The whole wording of a certificate.
pub fn compose(
    issuer: &Issuer,
    archive: &Archive,
    kind: &CertificateType,
    uso: &Uso,
    bollo: Option<BolloPaid>,
    subject: &Subject,
    facts: &[ContestualeFact],
) -> Content {
    let (intro, blocks) = body(kind.body, subject, facts);
    let stato_civile_archive = archive.exemption.is_some();
    let bollo_text = match (bollo, &archive.exemption, &uso.exemption) {
        (_, Some(archive_exemption), _) => archive_exemption.clone(),
        (Some(BolloPaid::Marca(b)), _, _) => format!(
            "Imposta di bollo di € {} assolta mediante contrassegno telematico (marca da bollo) n. {} del {} ({}).",
            issuer.bollo_rule.amount,
            b.id,
            date_it(b.date),
            issuer.bollo_rule.reference
        ),
        (Some(BolloPaid::Digital { notice }), _, _) => format!(
            "Imposta di bollo di € {} ({}) assolta mediante marca da bollo digitale (servizio @e.bollo dell'Agenzia delle Entrate) acquistata tramite pagoPA, avviso di pagamento n. {notice}, associata all'impronta informatica di questo documento.",
            issuer.bollo_rule.amount,
            issuer.bollo_rule.reference
        ),
        (None, _, Some(exemption)) => format!("{exemption}."),
        (None, _, None) => "Certificato in bollo.".into(),
    };
    let art40 = match uso.art40 {
        Art40::Privati => "Il presente certificato non può essere prodotto agli organi della pubblica amministrazione o ai privati gestori di pubblici servizi.".to_string(),
        Art40::Estero => "Ai sensi dell'art. 40 del D.P.R. 28 dicembre 2000, n. 445, il presente certificato è rilasciato solo per l'estero.".to_string(),
        Art40::Giudiziario => "Certificato rilasciato per cause giudiziarie (art. 40 del D.P.R. 28 dicembre 2000, n. 445). Il presente certificato non può essere prodotto agli organi della pubblica amministrazione o ai privati gestori di pubblici servizi.".to_string(),
    };
    let validity = if kind.validity == Validity::Illimitata {
        "Certificato relativo a fatti non soggetti a modificazioni: validità illimitata (art. 41, comma 1, del D.P.R. 28 dicembre 2000, n. 445). La verifica online è disponibile per sei mesi dalla data di rilascio."
    } else {
        "Il presente certificato ha validità di sei mesi dalla data di rilascio (art. 41 del D.P.R. 28 dicembre 2000, n. 445)."
    };
    let office = if stato_civile_archive {
        "Ufficio di Stato Civile"
    } else {
        "Ufficio Anagrafe"
    };
    let officer = if stato_civile_archive {
        "L'Ufficiale dello Stato Civile"
    } else {
        "L'Ufficiale d'Anagrafe"
    };
    Content {
        municipality: format!("COMUNE DI {}", issuer.municipality.to_uppercase()),
        province: issuer.province_label.to_string(),
        office: format!("Servizi Demografici – {office}"),
        title: kind.title.to_uppercase(),
        intro: format!("{intro}:"),
        blocks,
        uso: format!("Uso: {}", uso.title),
        bollo: bollo_text,
        bollo_box: matches!(bollo, Some(BolloPaid::Marca(_))) && !stato_civile_archive,
        art40,
        validity: validity.to_string(),
        place_date: format!("{}, {}", issuer.municipality, date_it(subject.date)),
        signature: format!(
            "{officer} – Documento firmato digitalmente con il sigillo elettronico del Comune di {} (D.Lgs. 7 marzo 2005, n. 82).",
            issuer.municipality
        ),
    }
}

/// Whom a certificate concerns, as the verification page shows it (whoever verifies holds
/// the certificate already: its QR secret, or its ID or PIN with the names).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateSubject {
    pub cognome: String,
    pub nome: String,
    pub data_nascita: chrono::NaiveDate,
}

/// The record of an issued certificate. The secret of the QR link and the PIN are kept
/// only as hashes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CertificateRecord {
    pub id: String,
    pub type_id: String,
    pub title: String,
    pub archive: String,
    pub uso: String,
    pub bollo: Option<Bollo>,
    /// The marca da bollo digitale, for a certificate whose bollo was paid online.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digital_bollo: Option<DigitalBollo>,
    /// Codice fiscale of the person the certificate concerns.
    pub person: String,
    pub cognome_norm: String,
    pub nome_norm: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<CertificateSubject>,
    /// Codice fiscale of who requested it.
    pub requested_by: String,
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub sha256: String,
    pub size: usize,
    pub secret_hash: String,
    pub pin_hash: String,
    pub archive_key: String,
    pub municipality: String,
    /// For certificazione libera: the reason and the requester's identity document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub libera: Option<Libera>,
    /// A certificate of facts that cannot change: valid without limit (the online
    /// verification still ends after six months).
    #[serde(default)]
    pub unlimited_validity: bool,
}

impl CertificateRecord {
    /// Whether the @e.bollo receipt of the certificate names its archived original (the
    /// SHA-256 recorded when the original was sealed).
    pub fn digital_bollo_matches(&self) -> bool {
        use base64::Engine;
        let Some(d) = &self.digital_bollo else {
            return false;
        };
        hex::decode(&self.sha256)
            .map(|h| base64::engine::general_purpose::STANDARD.encode(h) == d.document_sha256_b64)
            .unwrap_or(false)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Libera {
    pub motivo: String,
    pub richiedente: String,
    pub documento_tipo: String,
    pub documento_numero: String,
    pub documento_ente: String,
}

/// Through which door a certificate is asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Channel {
    /// The citizen online, for themselves or a member of their household.
    Citizen,
    /// An operator at the counter (certificazione libera), with the reason and the
    /// requester's identity document.
    Operator(Libera),
}

impl Channel {
    pub fn libera(&self) -> Option<&Libera> {
        match self {
            Channel::Citizen => None,
            Channel::Operator(l) => Some(l),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_normalize_for_comparison() {
        assert_eq!(normalize_name("  d'Angelò   Niccolò "), "DANGELONICCOLO");
        assert_eq!(normalize_name("D’ANGELO"), normalize_name("dangelo"));
        assert_eq!(normalize_name("DE LUCA"), normalize_name("de  luca"));
        assert_eq!(normalize_name("Dell'Acqua"), normalize_name("dell acqua"));
    }
}
