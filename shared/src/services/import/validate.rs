//! Checks of a person that need nothing but the record itself.

use crate::domain::codice_fiscale::CodiceFiscale;
use crate::domain::dated::{first_overlap, Dated};
use crate::domain::person::Persona;
use crate::domain::places::is_cadastral_code;

fn check_intervals<T>(field: &str, h: &[Dated<T>], single_valued: bool) -> Result<(), String> {
    if let Some(f) = h.iter().find(|f| !f.is_well_formed()) {
        return Err(format!(
            "{field}: il periodo termina ({}) prima di iniziare ({})",
            f.to.map(|d| d.to_string()).unwrap_or_default(),
            f.from
        ));
    }
    if single_valued {
        if let Some((a, b)) = first_overlap(h) {
            return Err(format!(
                "{field}: periodi sovrapposti (dal {} e dal {})",
                h[a].from, h[b].from
            ));
        }
    }
    Ok(())
}

/// Checks of a person that need nothing but the record itself.
pub fn validate_person(p: &Persona) -> Result<(), String> {
    if p.cognome.trim().is_empty() || p.nome.trim().is_empty() {
        return Err("cognome e nome sono obbligatori".into());
    }
    let code = p.nascita.luogo.codice_catastale();
    if !is_cadastral_code(code) {
        return Err(format!(
            "nascita.luogo: codice catastale non valido \"{code}\" (una lettera e tre cifre)"
        ));
    }
    let cf = CodiceFiscale::parse(&p.codice_fiscale)
        .map_err(|e| format!("codice fiscale non valido: {e}"))?;
    if cf.as_str() != p.codice_fiscale {
        return Err("codice fiscale non valido: va scritto in maiuscolo, senza spazi".into());
    }
    cf.matches(&p.cognome, &p.nome, p.sesso, p.nascita.data, code)
        .map_err(|e| e.to_string())?;
    check_intervals("cittadinanza", &p.cittadinanza, false)?;
    check_intervals("stato_civile", &p.stato_civile, true)?;
    check_intervals("posizione_anagrafica", &p.posizione_anagrafica, true)?;
    check_intervals("famiglia", &p.famiglia, true)?;
    check_intervals("residenza", &p.residenza, true)?;
    check_intervals("titolo_studio", &p.titolo_studio, true)?;
    check_intervals("professione", &p.professione, true)?;
    check_intervals("posizione_elettorale", &p.posizione_elettorale, true)?;
    check_intervals("documenti", &p.documenti, false)?;
    check_intervals("patente", &p.patente, false)?;
    check_intervals("veicoli", &p.veicoli, false)?;
    check_intervals("pensioni", &p.pensioni, false)?;
    if p.posizione_anagrafica.is_empty() {
        return Err("posizione_anagrafica: almeno una posizione è obbligatoria".into());
    }
    let born = p.nascita.data;
    let before_birth = [
        ("famiglia", p.famiglia.iter().map(|f| f.from).min()),
        ("residenza", p.residenza.iter().map(|f| f.from).min()),
        (
            "posizione_anagrafica",
            p.posizione_anagrafica.iter().map(|f| f.from).min(),
        ),
    ];
    for (field, first) in before_birth {
        if let Some(d) = first.filter(|&d| d < born) {
            return Err(format!(
                "{field}: il periodo dal {d} precede la nascita ({born})"
            ));
        }
    }
    if let Some(death) = p.date_of_death() {
        if p.famiglia.iter().any(|m| m.to.is_none_or(|to| to > death)) {
            return Err(format!(
                "famiglia: l'appartenenza prosegue oltre la data di decesso ({death})"
            ));
        }
    }
    Ok(())
}
