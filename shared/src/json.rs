//! JSON decoding with errors worded in Italian and naming the offending field.

use serde::de::DeserializeOwned;

/// Italian wording of a JSON decoding error, with the path of the offending field.
pub fn describe_error(e: serde_path_to_error::Error<serde_json::Error>) -> String {
    let path = e.path().to_string();
    let inner = e.inner();
    let msg = inner.to_string();
    let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
    let text = if let Some(rest) = msg.strip_prefix("missing field ") {
        format!("campo obbligatorio mancante: {}", rest.trim_matches('`'))
    } else if let Some(rest) = msg.strip_prefix("unknown variant ") {
        let (value, allowed) = rest.split_once(", expected").unwrap_or((rest, ""));
        let allowed = allowed
            .trim_start_matches(" one of ")
            .trim_start_matches(' ')
            .replace('`', "");
        format!(
            "valore non ammesso {} (ammessi: {allowed})",
            value.replace('`', "\"")
        )
    } else if msg.starts_with("invalid type") || msg.starts_with("invalid value") {
        format!("valore di tipo o formato errato ({msg})")
    } else if msg.starts_with("premature end")
        || msg.starts_with("EOF")
        || msg.starts_with("expected")
        || msg.starts_with("key must")
        || msg.starts_with("trailing")
    {
        format!("JSON non valido ({msg})")
    } else if msg.starts_with("input contains invalid characters") || msg.contains("premature") {
        format!("data non valida ({msg})")
    } else {
        format!("contenuto non valido ({msg})")
    };
    if path.is_empty() || path == "." {
        text
    } else {
        format!("{path}: {text}")
    }
}

/// Decodes `bytes` as `T`, or says in Italian what is wrong and where.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(describe_error)
}
