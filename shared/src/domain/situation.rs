//! The situation at a date: views of a household and of a person computed from history.

use chrono::NaiveDate;
use serde::Serialize;

use super::codice_fiscale::CodiceFiscale;
use super::dated::{at, entry_at, until, Dated};
use super::person::{
    Coniuge, Documento, Indirizzo, Luogo, Patente, Pensione, Persona, PosizioneAnagrafica,
    Rapporto, Sesso, SpecieFamiglia, Testo, Veicolo,
};

/// Whether the codice fiscale is valid and agrees with the person's data.
pub fn codice_fiscale_validated(p: &Persona) -> bool {
    CodiceFiscale::parse(&p.codice_fiscale).is_ok_and(|cf| {
        cf.matches(
            &p.cognome,
            &p.nome,
            p.sesso,
            p.nascita.data,
            p.nascita.luogo.codice_catastale(),
        )
        .is_ok()
    })
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Member {
    pub codice_fiscale: String,
    pub codice_fiscale_validato: bool,
    pub cognome: String,
    pub nome: String,
    pub sesso: Sesso,
    pub rapporto: Rapporto,
    pub rapporto_parentela: &'static str,
    pub stato_civile: Option<&'static str>,
    pub data_nascita: NaiveDate,
    pub luogo_nascita: String,
    pub deceased: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_decesso: Option<NaiveDate>,
}

fn member(p: &Persona, rapporto: Rapporto, date: NaiveDate) -> Member {
    Member {
        codice_fiscale: p.codice_fiscale.clone(),
        codice_fiscale_validato: codice_fiscale_validated(p),
        cognome: p.cognome.clone(),
        nome: p.nome.clone(),
        sesso: p.sesso,
        rapporto,
        rapporto_parentela: rapporto.label(p.sesso),
        stato_civile: p.stato_civile_at(date).map(|s| s.stato.label(p.sesso)),
        data_nascita: p.nascita.data,
        luogo_nascita: p.nascita.luogo.describe(),
        deceased: p.is_deceased_at(date),
        data_decesso: p.date_of_death().filter(|&d| d <= date),
    }
}

/// The members of household `id` at `date`, from every person who ever belonged to it.
/// Deceased members (whose last household was this one) are listed only when asked.
pub fn members_at(
    persons: &[Persona],
    id: &str,
    date: NaiveDate,
    include_deceased: bool,
) -> Vec<Member> {
    let mut out: Vec<Member> = persons
        .iter()
        .filter_map(|p| {
            if p.is_deceased_at(date) {
                let death = p.date_of_death()?;
                let last = p.last_membership_before(death)?;
                (include_deceased && last.value.famiglia == id)
                    .then(|| member(p, last.value.rapporto, date))
            } else {
                let m = p.membership_at(date)?;
                (m.famiglia == id).then(|| member(p, m.rapporto, date))
            }
        })
        .collect();
    out.sort_by_key(|m| {
        (
            m.deceased,
            m.rapporto != Rapporto::IntestatarioScheda,
            m.data_nascita,
        )
    });
    out
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct StatoCivileView {
    pub stato: &'static str,
    pub dal: NaiveDate,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub coniuge: Option<Coniuge>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub luogo_evento: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Detail {
    pub date: NaiveDate,
    pub codice_fiscale: String,
    pub codice_fiscale_validato: bool,
    pub cognome: String,
    pub nome: String,
    pub sesso: Sesso,
    pub data_nascita: NaiveDate,
    pub luogo_nascita: Luogo,
    pub paternita: Option<String>,
    pub maternita: Option<String>,
    pub cittadinanza: Option<String>,
    pub stato_civile: Option<StatoCivileView>,
    pub posizione_anagrafica: Option<PosizioneAnagrafica>,
    pub deceased: bool,
    pub data_decesso: Option<NaiveDate>,
    pub famiglia: Option<String>,
    pub rapporto_parentela: Option<&'static str>,
    pub residenza: Option<Indirizzo>,
    pub titolo_studio: Option<String>,
    pub professione: Option<String>,
    pub posizione_elettorale: Option<String>,
    /// Residences and transfers up to the date, oldest first.
    pub storico_residenze: Vec<Dated<Indirizzo>>,
    pub storico_stato_civile: Vec<StatoCivileView>,
    /// Identity documents issued by the date, with `valido` telling whether in force then.
    pub documenti: Vec<DocumentView>,
    pub patente: Vec<Dated<Patente>>,
    pub veicoli: Vec<Dated<Veicolo>>,
    pub pensioni: Vec<Dated<Pensione>>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DocumentView {
    #[serde(flatten)]
    pub documento: Documento,
    pub rilascio: NaiveDate,
    pub scadenza: Option<NaiveDate>,
    pub valido: bool,
}

fn text_at(h: &[Dated<Testo>], date: NaiveDate) -> Option<String> {
    at(h, date).map(|t| t.valore.clone())
}

fn active<T: Clone>(h: &[Dated<T>], date: NaiveDate) -> Vec<Dated<T>> {
    h.iter().filter(|f| f.holds_at(date)).cloned().collect()
}

fn stato_civile_view(p: &Persona, f: &Dated<super::person::StatoCivileFatto>) -> StatoCivileView {
    StatoCivileView {
        stato: f.value.stato.label(p.sesso),
        dal: f.from,
        coniuge: f.value.coniuge.clone(),
        luogo_evento: f.value.luogo_evento.as_ref().map(Luogo::describe),
    }
}

/// Everything the registry says of a person at `date`, with the history up to it.
pub fn detail_at(p: &Persona, date: NaiveDate) -> Detail {
    let membership = entry_at(&p.famiglia, date).or_else(|| {
        p.date_of_death()
            .filter(|&d| d <= date)
            .and_then(|d| p.last_membership_before(d))
    });
    Detail {
        date,
        codice_fiscale: p.codice_fiscale.clone(),
        codice_fiscale_validato: codice_fiscale_validated(p),
        cognome: p.cognome.clone(),
        nome: p.nome.clone(),
        sesso: p.sesso,
        data_nascita: p.nascita.data,
        luogo_nascita: p.nascita.luogo.clone(),
        paternita: p.paternita.clone(),
        maternita: p.maternita.clone(),
        cittadinanza: at(&p.cittadinanza, date).map(|c| c.stato.clone()),
        stato_civile: entry_at(&p.stato_civile, date).map(|f| stato_civile_view(p, f)),
        posizione_anagrafica: p.posizione_at(date),
        deceased: p.is_deceased_at(date),
        data_decesso: p.date_of_death().filter(|&d| d <= date),
        famiglia: membership.map(|m| m.value.famiglia.clone()),
        rapporto_parentela: membership.map(|m| m.value.rapporto.label(p.sesso)),
        residenza: at(&p.residenza, date)
            .filter(|_| p.posizione_at(date) == Some(PosizioneAnagrafica::Residente))
            .cloned(),
        titolo_studio: text_at(&p.titolo_studio, date),
        professione: text_at(&p.professione, date),
        posizione_elettorale: text_at(&p.posizione_elettorale, date),
        storico_residenze: until(&p.residenza, date),
        storico_stato_civile: until(&p.stato_civile, date)
            .iter()
            .map(|f| stato_civile_view(p, f))
            .collect(),
        documenti: p
            .documenti
            .iter()
            .filter(|d| d.from <= date)
            .map(|d| DocumentView {
                documento: d.value.clone(),
                rilascio: d.from,
                scadenza: d.to,
                valido: d.holds_at(date),
            })
            .collect(),
        patente: active(&p.patente, date),
        veicoli: active(&p.veicoli, date),
        pensioni: active(&p.pensioni, date),
    }
}

/// The specie label for views.
pub fn specie_label(s: SpecieFamiglia) -> &'static str {
    match s {
        SpecieFamiglia::Famiglia => "famiglia anagrafica",
        SpecieFamiglia::Convivenza => "convivenza anagrafica",
    }
}
