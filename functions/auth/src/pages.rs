//! Italian HTML pages of the login flow. Every failure ends with a 4xx/5xx status, as SPID
//! requires; one enum names them all.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use shared::cns::Refusal;

/// A page of the login flow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Page {
    UnknownIdp,
    BadLevel,
    /// The ACS was posted without the answer's fields.
    MissingAnswer,
    /// No pending login for the RelayState (expired, or not started here).
    Expired,
    /// The answer did not pass the checks (the reason goes to the log only).
    Rejected,
    /// The identity provider answered with a SPID error code (its StatusMessage).
    IdpError(Option<String>),
    /// Authenticated, but not in the registry of the comune.
    NotInRegistry {
        municipality: String,
    },
    /// A temporary failure of the store: nothing was decided, the citizen retries.
    Busy,
    /// The SAML configuration cannot be used.
    Unavailable,
    /// The AuthnRequest could not be prepared.
    RequestFailed,
    /// Logout: the confirmation form, with the session's CSRF token.
    Logout {
        csrf_token: String,
    },
    /// Logout asked without a session.
    NotLoggedIn,
    /// The CNS login is not configured (no trust bundle).
    CnsUnavailable,
    /// The card presented at the CNS login does not open a session.
    CardRefused(Refusal),
}

/// Why a card was refused, in a citizen's words: the title and what to do.
fn card_refused(r: Refusal) -> (&'static str, &'static str) {
    match r {
        Refusal::NoCertificate => ("Nessuna carta presentata", "Il browser non ha presentato il certificato della carta. Inserisci la CNS o la TS-CNS nel lettore, controlla che il software della carta (middleware) sia installato e riprova: quando il browser lo chiede, scegli il certificato della carta e digita il PIN."),
        Refusal::Unreadable => ("Certificato illeggibile", "Il certificato presentato non è leggibile. Reinserisci la carta nel lettore e riprova, oppure accedi con SPID o CIE."),
        Refusal::Untrusted => ("Carta non riconosciuta", "La carta presentata non è stata rilasciata da un ente riconosciuto per la Carta Nazionale dei Servizi. Usa la tua CNS o TS-CNS, oppure accedi con SPID o CIE."),
        Refusal::Expired => ("Carta scaduta", "Il certificato della tua carta è scaduto. La nuova TS-CNS arriva per posta prima della scadenza; per le altre CNS rivolgiti all'ente che l'ha rilasciata. Nel frattempo puoi accedere con SPID o CIE."),
        Refusal::NotYetValid => ("Carta non ancora valida", "Il certificato della tua carta non è ancora in vigore: controlla la data e l'ora del computer o riprova più tardi."),
        Refusal::Revoked => ("Carta revocata o sospesa", "Il certificato della tua carta risulta revocato o sospeso dall'ente che l'ha rilasciata: rivolgiti a quell'ente. Puoi accedere con SPID o CIE."),
        Refusal::RevocationUnknown => ("Verifica della carta non disponibile", "In questo momento non è possibile verificare che la carta non sia stata revocata. Riprova tra qualche minuto oppure accedi con SPID o CIE."),
        Refusal::NotCns => ("Certificato non valido per l'accesso", "Il certificato scelto non è quello di autenticazione di una Carta Nazionale dei Servizi. Quando il browser chiede il certificato, scegli quello della carta, che riporta il tuo codice fiscale."),
        Refusal::WrongUsage => ("Carta non abilitata all'accesso", "Il certificato della carta non è abilitato all'accesso ai servizi online. Se hai una TS-CNS, attivala con il PIN presso uno degli sportelli indicati dalla tua Regione (di solito gli uffici dell'ASL)."),
        Refusal::NoCodiceFiscale => ("Codice fiscale non leggibile", "Il certificato della carta non riporta un codice fiscale valido: rivolgiti all'ente che ha rilasciato la carta, oppure accedi con SPID o CIE."),
    }
}

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

impl Page {
    fn status(&self) -> StatusCode {
        match self {
            Page::UnknownIdp | Page::BadLevel | Page::MissingAnswer | Page::Expired => {
                StatusCode::BAD_REQUEST
            }
            Page::Rejected | Page::IdpError(_) => StatusCode::FORBIDDEN,
            Page::NotInRegistry { .. } | Page::Logout { .. } | Page::NotLoggedIn => StatusCode::OK,
            Page::Busy | Page::Unavailable | Page::CnsUnavailable => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            Page::CardRefused(Refusal::RevocationUnknown) => StatusCode::SERVICE_UNAVAILABLE,
            Page::CardRefused(Refusal::NoCertificate) => StatusCode::UNAUTHORIZED,
            Page::CardRefused(_) => StatusCode::FORBIDDEN,
            Page::RequestFailed => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn text(&self) -> (&'static str, String) {
        match self {
            Page::UnknownIdp => ("Gestore dell'identità sconosciuto", "Scegli il tuo gestore dell'identità digitale dall'elenco della pagina di accesso.".into()),
            Page::BadLevel => ("Livello di sicurezza non valido", "Il livello di sicurezza SPID deve essere 1, 2 o 3.".into()),
            Page::MissingAnswer => ("Richiesta non valida", "Mancano i dati della risposta del gestore dell'identità.".into()),
            Page::Expired => ("Richiesta di accesso scaduta", "La richiesta di accesso è scaduta o non è stata avviata da questo portale. Torna alla pagina di accesso e riprova.".into()),
            Page::Rejected => ("Accesso non riuscito", "La risposta del gestore dell'identità non è valida o è scaduta. Riprova ad accedere.".into()),
            Page::IdpError(m) => ("Accesso non completato", spid_error(m.as_deref()).into()),
            Page::NotInRegistry { municipality } => ("Non risulti iscritto nell'anagrafe", format!("Ti sei identificato correttamente, ma il tuo codice fiscale non risulta nell'anagrafe del Comune di {municipality}. I servizi online sono riservati ai residenti e agli iscritti AIRE del Comune: per informazioni rivolgiti all'Ufficio Anagrafe.")),
            Page::Busy => ("Accesso non disponibile", "Il servizio non è momentaneamente disponibile: riprova tra qualche minuto.".into()),
            Page::Unavailable => ("Accesso non disponibile", "L'accesso con SPID e CIE non è configurato correttamente: l'amministratore del servizio è stato avvisato.".into()),
            Page::RequestFailed => ("Accesso non disponibile", "Non è stato possibile preparare la richiesta di accesso.".into()),
            Page::Logout { .. } => ("Esci dal portale", "Vuoi uscire dai Servizi Demografici online? La sessione sarà chiusa su questo dispositivo.".into()),
            Page::NotLoggedIn => ("Non sei collegato", "Non c'è una sessione aperta su questo dispositivo.".into()),
            Page::CnsUnavailable => ("Accesso con CNS non disponibile", "L'accesso con la Carta Nazionale dei Servizi non è attivo su questo portale: accedi con SPID o CIE.".into()),
            Page::CardRefused(r) => {
                let (title, text) = card_refused(*r);
                (title, text.into())
            }
        }
    }

    /// The page's form or link below the message.
    fn action(&self) -> String {
        match self {
            Page::Logout { csrf_token } => format!(
                r#"<form method="post" action="/saml/logout"><input type="hidden" name="csrf_token" value="{}"><button type="submit" class="pulsante">Esci</button></form>"#,
                esc(csrf_token)
            ),
            Page::CardRefused(_) | Page::CnsUnavailable => r#"<p><a class="pulsante" href="/accesso.html">Torna alla pagina di accesso</a></p>"#.into(),
            _ => r#"<p><a class="pulsante" href="/">Torna alla pagina iniziale</a></p>"#.into(),
        }
    }

    pub fn html(&self) -> String {
        let (title, message) = self.text();
        let box_class = match self.status() {
            StatusCode::OK => "esito",
            _ => "esito non-trovato",
        };
        format!(
            r##"<!doctype html>
<html lang="it">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{t} – Servizi Demografici online</title>
<link rel="stylesheet" href="/verifica/stile.css"></head>
<body>
<header class="testata"><div class="wrap"><p class="ente">Servizi Demografici online</p></div></header>
<main id="contenuto" class="wrap">
<h1>{t}</h1>
<div class="{box_class}" role="alert"><p>{m}</p></div>
{a}
</main>
</body>
</html>"##,
            t = esc(title),
            m = esc(&message),
            a = self.action()
        )
    }
}

impl IntoResponse for Page {
    fn into_response(self) -> Response {
        (self.status(), Html(self.html())).into_response()
    }
}
