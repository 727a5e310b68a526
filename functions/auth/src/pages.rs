//! Italian HTML pages of the login flow (errors end with a 4xx status, as SPID requires).

/// The message AgID prescribes for each SPID error code of a non-Success Response.
pub fn spid_error(message: Option<&str>) -> &'static str {
    let code = message.and_then(|m| m.split("nr").nth(1)).map(|c| {
        c.trim()
            .chars()
            .take_while(char::is_ascii_digit)
            .collect::<String>()
    });
    match code.as_deref() {
        Some("19") => "Autenticazione fallita per ripetuta sottomissione di credenziali errate: hai superato il numero di tentativi consentiti. Riprova più tardi.",
        Some("20") => "Non hai credenziali compatibili con il livello di sicurezza richiesto dal servizio. Accedi con credenziali del livello richiesto.",
        Some("21") => "Il tempo a disposizione per completare l'accesso è scaduto. Riprova.",
        Some("22") => "Hai negato il consenso all'invio dei dati al servizio: senza il consenso non è possibile accedere.",
        Some("23") => "La tua identità digitale risulta sospesa o revocata: rivolgiti al tuo gestore dell'identità.",
        Some("25") => "Hai annullato l'accesso.",
        _ => "Il gestore dell'identità non ha completato l'autenticazione. Riprova.",
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A page of the login flow.
pub fn page(title: &str, message: &str) -> String {
    format!(
        r##"<!doctype html>
<html lang="it">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{t} – Servizi Demografici online</title>
<link rel="stylesheet" href="/verifica/stile.css"></head>
<body>
<header class="testata"><div class="wrap"><p class="ente">Servizi Demografici online</p></div></header>
<main id="contenuto" class="wrap">
<h1>{t}</h1>
<div class="esito non-trovato" role="alert"><p>{m}</p></div>
<p><a class="pulsante" href="/">Torna alla pagina iniziale</a></p>
</main>
</body>
</html>"##,
        t = esc(title),
        m = esc(message)
    )
}
