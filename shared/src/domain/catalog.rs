//! The catalogue of certificates and usi, as data the municipality edits
//! (`shared/data/catalogo.json`, or the file named by `CATALOG_FILE`).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::person::{Persona, PosizioneAnagrafica, Rapporto, SpecieFamiglia, StatoCivile};
use super::situation::Member;

pub const DEFAULT_CATALOG: &str = include_str!("../../data/catalogo.json");

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Archive {
    pub id: String,
    pub title: String,
    /// Printed on every certificate of the archive, whatever the uso (e.g. stato civile).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exemption: Option<String>,
}

/// Which persons a certificate type can be issued for.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rules {
    /// Posizioni anagrafiche admitted at the issue date (empty: any).
    #[serde(default)]
    pub posizione: Vec<PosizioneAnagrafica>,
    /// Stati civili admitted at the issue date (empty: any).
    #[serde(default)]
    pub stato_civile: Vec<StatoCivile>,
    /// Stati civili the person must have had at some time (e.g. married once).
    #[serde(default)]
    pub ever: Vec<StatoCivile>,
    #[serde(default)]
    pub italian: bool,
    #[serde(default)]
    pub household: Option<SpecieFamiglia>,
    #[serde(default)]
    pub min_members: usize,
    #[serde(default)]
    pub conviventi_di_fatto: bool,
}

/// Which body a certificate prints (the wording of `domain::certificate::body`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BodyKind {
    Nascita,
    Matrimonio,
    Cittadinanza,
    EsistenzaInVita,
    Residenza,
    ResidenzaAire,
    StatoCivile,
    StatoFamiglia,
    StatoFamigliaStatoCivile,
    ResidenzaConvivenza,
    StatoFamigliaAire,
    StatoFamigliaParentela,
    StatoLibero,
    UnioneCivile,
    ContrattoConvivenza,
    Contestuale,
    EstrattoNascita,
    EstrattoMatrimonio,
    EstrattoMorte,
}

/// The facts a certificato contestuale may combine, in the order it prints them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContestualeFact {
    Residenza,
    Cittadinanza,
    StatoCivile,
    StatoFamiglia,
    EsistenzaInVita,
}

impl ContestualeFact {
    pub const ALL: [ContestualeFact; 5] = [
        ContestualeFact::Residenza,
        ContestualeFact::Cittadinanza,
        ContestualeFact::StatoCivile,
        ContestualeFact::StatoFamiglia,
        ContestualeFact::EsistenzaInVita,
    ];

    /// The fact of an identifier as requests carry it.
    pub fn parse(id: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(id.to_string())).ok()
    }
}

/// How long a certificate is valid (art. 41 DPR 445/2000).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Validity {
    /// Six months from issue.
    #[default]
    SeiMesi,
    /// Facts that cannot change (birth, death, the estratti): without limit (art. 41 c. 1).
    Illimitata,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CertificateType {
    pub id: String,
    pub archive: String,
    pub title: String,
    /// Which body the certificate prints.
    pub body: BodyKind,
    #[serde(default)]
    pub validity: Validity,
    #[serde(default)]
    pub rules: Rules,
    /// The diritti di segreteria the comune charges for it online (default none).
    #[serde(default)]
    pub diritti: Diritti,
}

/// Diritti di segreteria of a certificate type, in cents: in carta libera and in bollo
/// (often € 0,26 and € 0,52 where a comune charges them).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Diritti {
    #[serde(default)]
    pub carta_libera_cents: u64,
    #[serde(default)]
    pub bollo_cents: u64,
}

/// The second-level uses of art. 40: where the certificate goes decides its wording.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Art40 {
    /// Private parties: the art. 40 c. 02 wording.
    #[default]
    Privati,
    /// Foreign authorities (Circ. Funzione Pubblica 5/2012).
    Estero,
    /// Judicial proceedings.
    Giudiziario,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Uso {
    pub id: String,
    pub title: String,
    pub bollo: bool,
    /// The exemption and its legal ground, printed on the certificate (exempt usi).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exemption: Option<String>,
    #[serde(default)]
    pub art40: Art40,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fact {
    pub id: ContestualeFact,
    pub title: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BolloRule {
    pub amount: String,
    pub reference: String,
    /// The earliest issue date a marca can have: paper stamps gave way to the contrassegno
    /// telematico (14 digits) on 1 September 2007.
    #[serde(default = "contrassegno_since")]
    pub earliest: NaiveDate,
}

fn contrassegno_since() -> NaiveDate {
    NaiveDate::from_ymd_opt(2007, 9, 1).expect("valid date")
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Catalog {
    pub archives: Vec<Archive>,
    pub types: Vec<CertificateType>,
    pub contestuale_facts: Vec<Fact>,
    pub usi: Vec<Uso>,
    pub bollo: BolloRule,
}

/// What the rules need to know of the person's household at the date.
pub struct Context<'a> {
    pub date: NaiveDate,
    pub person: &'a Persona,
    pub specie: Option<SpecieFamiglia>,
    /// Living members at the date.
    pub members: &'a [Member],
}

impl Catalog {
    /// Parses and checks a catalogue: every type in a known archive with a known body, every
    /// exempt uso with its exemption text, identifiers unique.
    pub fn parse(json: &str) -> Result<Self, String> {
        let c: Catalog = crate::json::decode(json.as_bytes())
            .map_err(|e| format!("catalogo non valido: {e}"))?;
        let mut ids = std::collections::HashSet::new();
        for t in &c.types {
            if !ids.insert(format!("type:{}", t.id)) {
                return Err(format!("catalogo: tipo ripetuto \"{}\"", t.id));
            }
            if !c.archives.iter().any(|a| a.id == t.archive) {
                return Err(format!(
                    "catalogo: archivio sconosciuto \"{}\" nel tipo \"{}\"",
                    t.archive, t.id
                ));
            }
        }
        for u in &c.usi {
            if !ids.insert(format!("uso:{}", u.id)) {
                return Err(format!("catalogo: uso ripetuto \"{}\"", u.id));
            }
            if !u.bollo && u.exemption.as_deref().is_none_or(|e| e.trim().is_empty()) {
                return Err(format!(
                    "catalogo: l'uso esente \"{}\" non indica la norma di esenzione",
                    u.id
                ));
            }
        }
        Ok(c)
    }

    pub fn default_catalog() -> Self {
        Self::parse(DEFAULT_CATALOG).expect("the embedded catalogue is valid")
    }

    pub fn certificate_type(&self, id: &str) -> Option<&CertificateType> {
        self.types.iter().find(|t| t.id == id)
    }

    pub fn uso(&self, id: &str) -> Option<&Uso> {
        self.usi.iter().find(|u| u.id == id)
    }

    pub fn archive(&self, id: &str) -> Option<&Archive> {
        self.archives.iter().find(|a| a.id == id)
    }

    /// The types that can be issued for the person in this context.
    pub fn types_for(&self, ctx: &Context) -> Vec<&CertificateType> {
        self.types.iter().filter(|t| t.rules.admit(ctx)).collect()
    }
}

impl Rules {
    pub fn admit(&self, ctx: &Context) -> bool {
        let p = ctx.person;
        let posizione = p.posizione_at(ctx.date);
        if !self.posizione.is_empty() && !posizione.is_some_and(|x| self.posizione.contains(&x)) {
            return false;
        }
        // Without an explicit rule, a deceased person gets only what admits "deceduto".
        if self.posizione.is_empty() && p.is_deceased_at(ctx.date) {
            return false;
        }
        let stato = p.stato_civile_at(ctx.date).map(|s| s.stato);
        if !self.stato_civile.is_empty() && !stato.is_some_and(|s| self.stato_civile.contains(&s)) {
            return false;
        }
        if !self.ever.iter().all(|e| {
            p.stato_civile
                .iter()
                .any(|s| s.from <= ctx.date && s.value.stato == *e)
        }) {
            return false;
        }
        if self.italian
            && super::dated::at(&p.cittadinanza, ctx.date).is_none_or(|c| c.stato != "Italia")
        {
            return false;
        }
        if self.household.is_some() && ctx.specie != self.household {
            return false;
        }
        if ctx.members.len() < self.min_members {
            return false;
        }
        if self.conviventi_di_fatto
            && !ctx
                .members
                .iter()
                .any(|m| m.rapporto == Rapporto::ConviventeDiFatto)
        {
            return false;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_catalogue_is_complete() {
        let c = Catalog::default_catalog();
        assert!(c.types.len() >= 22);
        assert!(
            c.usi.len() > 10,
            "more than 10 usi: the UI uses an autocomplete"
        );
        assert!(c.usi.iter().any(|u| u.bollo) && c.usi.iter().any(|u| !u.bollo));
        for id in [
            "residenza",
            "stato_famiglia",
            "estratto_morte",
            "contestuale",
            "stato_libero",
        ] {
            assert!(c.certificate_type(id).is_some(), "{id}");
        }
    }

    #[test]
    fn a_bad_catalogue_is_refused_with_a_reason() {
        let mut v: serde_json::Value = serde_json::from_str(DEFAULT_CATALOG).unwrap();
        v["usi"][2]["exemption"] = serde_json::Value::Null;
        let err = Catalog::parse(&v.to_string()).unwrap_err();
        assert!(err.contains("non indica la norma"), "{err}");
        let mut v: serde_json::Value = serde_json::from_str(DEFAULT_CATALOG).unwrap();
        v["types"][0]["archive"] = "boh".into();
        assert!(Catalog::parse(&v.to_string())
            .unwrap_err()
            .contains("archivio sconosciuto"));
    }
}
