//! The Italian HTML pages of the public verification: plain, accessible, readable on a phone,
//! with no script and a stylesheet served by this function.

use shared::domain::certificate::{date_it, CertificateRecord};
use shared::domain::italian_date;
use shared::services::verify::{Outcome, SealStatus, LOCK_MINUTES};

pub const STYLESHEET: &str = include_str!("verifica.css");

/// Escapes text for HTML content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Whose pages they are: "Comune di …", and whether its coat of arms is configured.
pub struct Ente {
    pub name: String,
    pub arms: bool,
}

/// A page in the comune's name, with its coat of arms when there is one.
fn layout(ente: &Ente, title: &str, body: &str) -> String {
    let arms = if ente.arms {
        r#"<img class="stemma" src="/verifica/stemma.png" alt="" height="56">"#
    } else {
        ""
    };
    format!(
        r##"<!doctype html>
<html lang="it">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{title} – Verifica certificati</title>
<link rel="stylesheet" href="/verifica/stile.css">
</head>
<body>
<a class="skip" href="#contenuto">Vai al contenuto</a>
<header class="testata"><div class="wrap">{arms}<div><p class="ente">{ente}</p><p class="servizio">Servizi Demografici online – Verifica dei certificati anagrafici</p></div></div></header>
<main id="contenuto" class="wrap">
{body}
</main>
<footer class="piede"><div class="wrap"><p>La verifica è gratuita e non richiede l'accesso. I certificati sono verificabili online per sei mesi dalla data di rilascio.</p></div></footer>
</body>
</html>"##,
        title = esc(title),
        ente = esc(&ente.name),
    )
}

/// The form of the manual verification, with an optional error shown above it.
pub fn form(ente: &Ente, error: Option<&str>, values: (&str, &str, &str)) -> String {
    let alert = error
        .map(|e| {
            format!(
                r##"<div class="avviso errore" role="alert"><p>{}</p></div>"##,
                esc(e)
            )
        })
        .unwrap_or_default();
    layout(
        ente,
        "Verifica un certificato",
        &format!(
            r##"<h1>Verifica un certificato</h1>
<p>Inserisci l'<strong>ID del certificato</strong> (12 caratteri, es. 7K3M-9QXA-2B4F) oppure il <strong>PIN</strong> (10 cifre) stampati accanto al codice QR, e il cognome e il nome della persona a cui il certificato si riferisce.</p>
{alert}
<form method="post" action="/verifica" class="modulo">
<div class="campo"><label for="codice">ID del certificato o PIN</label>
<input id="codice" name="codice" required autocomplete="off" autocapitalize="characters" spellcheck="false" value="{}"></div>
<div class="campo"><label for="cognome">Cognome</label>
<input id="cognome" name="cognome" required autocomplete="off" value="{}"></div>
<div class="campo"><label for="nome">Nome</label>
<input id="nome" name="nome" required autocomplete="off" value="{}"></div>
<button type="submit">Verifica</button>
</form>
<p class="nota">Hai il certificato stampato? Inquadra il codice QR con la fotocamera del telefono: si apre direttamente questa verifica.</p>"##,
            esc(values.0),
            esc(values.1),
            esc(values.2)
        ),
    )
}

/// A certificate found: valid, or past its online verification.
fn found(
    ente: &Ente,
    r: &CertificateRecord,
    valid: bool,
    seal: Option<&SealStatus>,
    download: Option<&str>,
) -> String {
    let (badge, class, lead) = match (valid, r.unlimited_validity) {
        (true, _) => ("Certificato valido", "esito valido", "Il certificato è autentico. Puoi scaricarne l'originale informatico firmato e confrontarlo con la copia ricevuta."),
        (false, true) => ("Verifica online non più disponibile", "esito scaduto", "La verifica online non è più disponibile: sono trascorsi sei mesi dalla data di rilascio e l'originale non è più conservato per la verifica. Il certificato riguarda fatti non soggetti a modificazioni e conserva validità illimitata (art. 41, comma 1, del D.P.R. 445/2000)."),
        (false, false) => ("Certificato scaduto", "esito scaduto", "Il certificato è stato rilasciato dal Comune ma la sua validità di sei mesi è terminata e la verifica online non è più disponibile: l'originale non è più conservato. Chiedi un certificato aggiornato."),
    };
    let seal_row = seal
        .map(|s| {
            format!(
                "<dt>Firma</dt><dd class=\"{}\">{}</dd>",
                if s.valid { "ok" } else { "ko" },
                esc(&s.description)
            )
        })
        .unwrap_or_default();
    let bollo_row = bollo_row(r);
    let button = match (valid, download) {
        (true, Some(href)) => format!(
            r##"<p><a class="pulsante" href="{}" download>Scarica l'originale (PDF)</a></p>"##,
            esc(href)
        ),
        _ => String::new(),
    };
    let subject = r
        .subject
        .as_ref()
        .map(|p| {
            format!(
                "<dt>Intestatario</dt><dd>{} {}, nato/a il {}</dd>",
                esc(&p.cognome),
                esc(&p.nome),
                date_it(p.data_nascita)
            )
        })
        .unwrap_or_default();
    layout(
        ente,
        badge,
        &format!(
            r##"<h1>Verifica del certificato</h1>
<div class="{class}" role="status"><p class="badge">{badge}</p><p>{lead}</p></div>
<dl class="dati">
<dt>Certificato</dt><dd>{title}</dd>
{subject}
<dt>ID</dt><dd>{id}</dd>
<dt>Comune di rilascio</dt><dd>Comune di {comune}</dd>
<dt>Data di rilascio</dt><dd>{issued}</dd>
<dt>{until_label}</dt><dd>{until}</dd>
{seal_row}
{bollo_row}
</dl>
{button}
<p><a href="/verifica">Verifica un altro certificato</a></p>"##,
            title = esc(&r.title),
            id = esc(&r.id),
            comune = esc(&r.municipality),
            issued = date_it(italian_date(r.issued_at)),
            until_label = match (valid, r.unlimited_validity) {
                (_, true) => "Verifica online disponibile fino al",
                (true, false) => "Valido fino al",
                (false, false) => "Scaduto il",
            },
            until = date_it(italian_date(r.expires_at)),
        ),
    )
}

/// The bollo of the certificate: the marca typed in, or the marca da bollo digitale with its
/// receipt and whether the receipt names this very document.
fn bollo_row(r: &CertificateRecord) -> String {
    if let Some(d) = &r.digital_bollo {
        let matches = r.digital_bollo_matches();
        let check = if matches {
            "<span class=\"ok\">l'impronta indicata nella ricevuta corrisponde a quella dell'originale</span>"
        } else {
            "<span class=\"ko\">l'impronta indicata nella ricevuta NON corrisponde a quella dell'originale</span>"
        };
        return format!(
            "<dt>Imposta di bollo</dt><dd>Marca da bollo digitale (@e.bollo) IUBD {}, acquistata tramite pagoPA presso {} il {} alle {} (avviso n. {}): {check}.</dd>",
            esc(&d.iubd),
            esc(&d.psp),
            date_it(italian_date(d.bought_at)),
            time_it(d.bought_at),
            esc(&d.notice),
        );
    }
    match &r.bollo {
        Some(b) => format!(
            "<dt>Imposta di bollo</dt><dd>Contrassegno telematico n. {} del {}</dd>",
            esc(&b.id),
            date_it(b.date)
        ),
        None => String::new(),
    }
}

/// The result page of a verification; `download` is the link to the original when valid.
pub fn result(
    ente: &Ente,
    outcome: &Outcome,
    seal: Option<&SealStatus>,
    download: Option<&str>,
) -> String {
    match outcome {
        Outcome::Valid(r) => found(ente, r, true, seal, download),
        Outcome::Expired(r) => found(ente, r, false, seal, download),
        Outcome::NotFound => layout(
            ente,
            "Certificato non trovato",
            r##"<h1>Certificato non trovato</h1>
<div class="esito non-trovato" role="alert"><p class="badge">Nessun certificato corrisponde ai dati inseriti</p>
<p>Controlla l'ID o il PIN e il cognome e il nome della persona a cui il certificato si riferisce, così come sono stampati sul certificato. Dopo cinque tentativi errati la verifica manuale di un certificato viene sospesa per alcuni minuti.</p></div>
<p><a class="pulsante" href="/verifica">Riprova</a></p>"##,
        ),
        Outcome::Locked { certificate, until } => locked(ente, *certificate, *until),
    }
}

/// Too many attempts: until when, and the QR route that stays open.
fn locked(ente: &Ente, certificate: bool, until: Option<chrono::DateTime<chrono::Utc>>) -> String {
    let why = match (certificate, until) {
        (true, Some(t)) => format!("Troppi tentativi errati per questo certificato da questo collegamento: la verifica manuale è sospesa fino alle {} del {}. Il codice QR stampato sul certificato resta utilizzabile: inquadralo con la fotocamera del telefono.", time_it(t), date_it(italian_date(t))),
        (true, None) => format!("Troppi tentativi errati per questo certificato: la verifica manuale è sospesa per {LOCK_MINUTES} minuti. Il codice QR stampato sul certificato resta utilizzabile."),
        (false, _) => "Troppi tentativi di verifica da questo collegamento: attendi qualche minuto e riprova.".to_string(),
    };
    layout(
        ente,
        "Troppi tentativi",
        &format!(
            r##"<h1>Troppi tentativi</h1>
<div class="esito bloccato" role="alert"><p class="badge">Verifica temporaneamente sospesa</p><p>{}</p></div>
<p><a href="/verifica">Torna al modulo di verifica</a></p>"##,
            esc(&why)
        ),
    )
}

/// The time in Italy, "14:05".
fn time_it(t: chrono::DateTime<chrono::Utc>) -> String {
    shared::domain::italian_time(t).format("%H:%M").to_string()
}
