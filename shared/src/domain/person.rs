//! Persons and households of the anagrafe, with their dated history.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::dated::{at, Dated};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Sesso {
    M,
    F,
}

/// A place of birth, marriage or death: an Italian comune or a foreign state, each with its
/// cadastral (Belfiore) code — the one the codice fiscale carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "tipo", rename_all = "snake_case")]
pub enum Luogo {
    Comune {
        nome: String,
        provincia: String,
        codice_catastale: String,
    },
    Estero {
        stato: String,
        codice_catastale: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        localita: Option<String>,
    },
}

impl Luogo {
    pub fn codice_catastale(&self) -> &str {
        match self {
            Luogo::Comune {
                codice_catastale, ..
            }
            | Luogo::Estero {
                codice_catastale, ..
            } => codice_catastale,
        }
    }

    /// "Roma (RM)" or "Marocco".
    pub fn describe(&self) -> String {
        match self {
            Luogo::Comune {
                nome, provincia, ..
            } => format!("{nome} ({provincia})"),
            Luogo::Estero {
                stato,
                localita: Some(l),
                ..
            } => format!("{l} ({stato})"),
            Luogo::Estero { stato, .. } => stato.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Nascita {
    pub data: NaiveDate,
    pub luogo: Luogo,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cittadinanza {
    /// The state of citizenship, e.g. "Italia", "Marocco".
    pub stato: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatoCivile {
    /// Celibe (M) / nubile (F).
    Libero,
    Coniugato,
    Vedovo,
    Divorziato,
    UnitoCivilmente,
    /// Stato libero after the end of a civil union (death or dissolution).
    UnioneCivileSciolta,
}

impl StatoCivile {
    /// The wording used on certificates, agreed with the sex.
    pub fn label(self, sesso: Sesso) -> &'static str {
        use StatoCivile::*;
        match (self, sesso) {
            (Libero, Sesso::M) => "celibe",
            (Libero, Sesso::F) => "nubile",
            (Coniugato, Sesso::M) => "coniugato",
            (Coniugato, Sesso::F) => "coniugata",
            (Vedovo, Sesso::M) => "vedovo",
            (Vedovo, Sesso::F) => "vedova",
            (Divorziato, Sesso::M) => "divorziato",
            (Divorziato, Sesso::F) => "divorziata",
            (UnitoCivilmente, Sesso::M) => "unito civilmente",
            (UnitoCivilmente, Sesso::F) => "unita civilmente",
            (UnioneCivileSciolta, _) => "stato libero a seguito di scioglimento dell'unione civile",
        }
    }
}

/// The other party of a marriage or civil union.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coniuge {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub codice_fiscale: Option<String>,
    pub cognome: String,
    pub nome: String,
}

/// Stato civile from the event (`from` is the date of marriage, divorce, ...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatoCivileFatto {
    pub stato: StatoCivile,
    /// Spouse or partner (for coniugato, unito civilmente; the former one for vedovo/divorziato).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coniuge: Option<Coniuge>,
    /// Where the event (marriage, union) was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub luogo_evento: Option<Luogo>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PosizioneAnagrafica {
    Residente,
    /// Anagrafe degli italiani residenti all'estero.
    Aire,
    Emigrato,
    Deceduto,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PosizioneFatto {
    pub posizione: PosizioneAnagrafica,
    /// Place of death, or the state of emigration / AIRE residence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub luogo: Option<Luogo>,
}

/// Rapporto di parentela with the intestatario of the scheda di famiglia (ANPR coding).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rapporto {
    IntestatarioScheda,
    Coniuge,
    UnitoCivilmente,
    ConviventeDiFatto,
    Figlio,
    FiglioDelConiuge,
    Genitore,
    GenitoreDelConiuge,
    FratelloSorella,
    Nipote,
    NonnoNonna,
    GeneroNuora,
    Suocero,
    CognatoCognata,
    ZioZia,
    Cugino,
    AltroParente,
    Affidato,
    Convivente,
}

impl Rapporto {
    pub fn label(self, sesso: Sesso) -> &'static str {
        use Rapporto::*;
        let f = sesso == Sesso::F;
        match self {
            IntestatarioScheda => "intestatario scheda",
            Coniuge if f => "moglie",
            Coniuge => "marito",
            UnitoCivilmente if f => "unita civilmente",
            UnitoCivilmente => "unito civilmente",
            ConviventeDiFatto => "convivente di fatto",
            Figlio if f => "figlia",
            Figlio => "figlio",
            FiglioDelConiuge if f => "figlia del coniuge",
            FiglioDelConiuge => "figlio del coniuge",
            Genitore if f => "madre",
            Genitore => "padre",
            GenitoreDelConiuge if f => "madre del coniuge",
            GenitoreDelConiuge => "padre del coniuge",
            FratelloSorella if f => "sorella",
            FratelloSorella => "fratello",
            Nipote if f => "nipote",
            Nipote => "nipote",
            NonnoNonna if f => "nonna",
            NonnoNonna => "nonno",
            GeneroNuora if f => "nuora",
            GeneroNuora => "genero",
            Suocero if f => "suocera",
            Suocero => "suocero",
            CognatoCognata if f => "cognata",
            CognatoCognata => "cognato",
            ZioZia if f => "zia",
            ZioZia => "zio",
            Cugino if f => "cugina",
            Cugino => "cugino",
            AltroParente => "altro parente",
            Affidato if f => "affidata",
            Affidato => "affidato",
            Convivente => "convivente",
        }
    }
}

/// Membership of a famiglia anagrafica (or convivenza).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Appartenenza {
    pub famiglia: String,
    pub rapporto: Rapporto,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Indirizzo {
    /// Toponimo and street name, e.g. "Via Roma".
    pub via: String,
    pub civico: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interno: Option<String>,
    pub cap: String,
    pub comune: String,
    pub provincia: String,
}

impl Indirizzo {
    pub fn describe(&self) -> String {
        let interno = self
            .interno
            .as_deref()
            .map(|i| format!(", interno {i}"))
            .unwrap_or_default();
        format!(
            "{} {}{} - {} {} ({})",
            self.via, self.civico, interno, self.cap, self.comune, self.provincia
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FormatoCarta {
    Cartacea,
    Elettronica,
}

/// An identity document; its validity interval runs from rilascio to scadenza.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "tipo", rename_all = "snake_case")]
pub enum Documento {
    CartaIdentita {
        formato: FormatoCarta,
        numero: String,
        ente: String,
        valida_espatrio: bool,
    },
    PermessoSoggiorno {
        numero: String,
        questura: String,
        motivo: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Patente {
    pub numero: String,
    pub categorie: String,
    pub ente: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Veicolo {
    pub targa: String,
    pub descrizione: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pensione {
    pub ente: String,
    pub categoria: String,
    pub numero: String,
}

/// A titolo di studio, professione or posizione elettorale: free text with its validity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Testo {
    pub valore: String,
}

/// A person of the registry with the whole history of their facts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Persona {
    pub codice_fiscale: String,
    pub cognome: String,
    pub nome: String,
    pub sesso: Sesso,
    pub nascita: Nascita,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paternita: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maternita: Option<String>,
    pub cittadinanza: Vec<Dated<Cittadinanza>>,
    pub stato_civile: Vec<Dated<StatoCivileFatto>>,
    pub posizione_anagrafica: Vec<Dated<PosizioneFatto>>,
    pub famiglia: Vec<Dated<Appartenenza>>,
    pub residenza: Vec<Dated<Indirizzo>>,
    #[serde(default)]
    pub titolo_studio: Vec<Dated<Testo>>,
    #[serde(default)]
    pub professione: Vec<Dated<Testo>>,
    #[serde(default)]
    pub posizione_elettorale: Vec<Dated<Testo>>,
    #[serde(default)]
    pub documenti: Vec<Dated<Documento>>,
    #[serde(default)]
    pub patente: Vec<Dated<Patente>>,
    #[serde(default)]
    pub veicoli: Vec<Dated<Veicolo>>,
    #[serde(default)]
    pub pensioni: Vec<Dated<Pensione>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpecieFamiglia {
    Famiglia,
    /// Convivenza anagrafica (religious community, care home, barracks, ...).
    Convivenza,
}

/// A famiglia anagrafica or convivenza. Its members and their rapporto are dated facts of
/// each person (`Persona::famiglia`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Famiglia {
    pub id: String,
    pub specie: SpecieFamiglia,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub denominazione: Option<String>,
}

impl Persona {
    pub fn date_of_death(&self) -> Option<NaiveDate> {
        self.posizione_anagrafica
            .iter()
            .find(|p| p.value.posizione == PosizioneAnagrafica::Deceduto)
            .map(|p| p.from)
    }

    pub fn is_deceased_at(&self, date: NaiveDate) -> bool {
        self.date_of_death().is_some_and(|d| d <= date)
    }

    pub fn is_born_by(&self, date: NaiveDate) -> bool {
        self.nascita.data <= date
    }

    pub fn posizione_at(&self, date: NaiveDate) -> Option<PosizioneAnagrafica> {
        at(&self.posizione_anagrafica, date).map(|p| p.posizione)
    }

    pub fn membership_at(&self, date: NaiveDate) -> Option<&Appartenenza> {
        at(&self.famiglia, date)
    }

    /// The last household the person belonged to before `date` (for deceased members).
    pub fn last_membership_before(&self, date: NaiveDate) -> Option<&Dated<Appartenenza>> {
        self.famiglia
            .iter()
            .filter(|m| m.from <= date)
            .max_by_key(|m| m.from)
    }

    /// Every household id the person ever belonged to.
    pub fn household_ids(&self) -> impl Iterator<Item = &str> {
        self.famiglia.iter().map(|m| m.value.famiglia.as_str())
    }

    pub fn stato_civile_at(&self, date: NaiveDate) -> Option<&StatoCivileFatto> {
        at(&self.stato_civile, date)
    }
}
