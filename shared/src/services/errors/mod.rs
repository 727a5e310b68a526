//! What a use case answers besides success, and every Italian message of those answers: the
//! one place where refusals are worded. Each refusal has a stable code (the `error` of the
//! JSON answer), an HTTP status and a message for the citizen.

mod form;
mod invalid;
mod refusals;

pub use form::FormRefusal;

pub use invalid::{CertificateProblem, DeclarationProblem, Invalid, LiberaField};
pub use refusals::{Conflict, Forbidden, NotFound};

use crate::ports::PortError;

/// A refusal or failure of a use case.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("{}", .0.message())]
    Invalid(Invalid),
    /// An application's answers or attachment refused, field by field.
    #[error("{}", .0.message())]
    Form(FormRefusal),
    #[error("{}", .0.message())]
    Forbidden(Forbidden),
    #[error("{}", .0.message())]
    NotFound(NotFound),
    #[error("{}", Self::UNAUTHENTICATED)]
    Unauthenticated,
    /// The session's authentication level is below what the service needs.
    #[error("Per questo servizio serve un accesso con un livello di sicurezza {required} o superiore (SPID di livello {required}, CIE): accedi di nuovo con il livello richiesto.")]
    InsufficientLevel { required: u8, idp: String },
    #[error("{}", .0.message())]
    Conflict(Conflict),
    #[error("{}", .0.message())]
    TooLarge(TooLarge),
    #[error("{}", .0.message())]
    TooMany(TooMany),
    #[error("Il contenuto della richiesta deve essere {expected}.")]
    UnsupportedMediaType { expected: &'static str },
    #[error(transparent)]
    Port(#[from] PortError),
}

pub type ServiceResult<T> = Result<T, ServiceError>;

impl ServiceError {
    const UNAUTHENTICATED: &'static str =
        "Sessione assente o scaduta: accedi di nuovo con SPID o CIE.";

    /// The code of the JSON answer.
    pub fn code(&self) -> &'static str {
        match self {
            ServiceError::Invalid(i) => i.code(),
            ServiceError::Form(f) => f.code(),
            ServiceError::Forbidden(f) => f.code(),
            ServiceError::NotFound(_) => "not_found",
            ServiceError::Unauthenticated => "unauthenticated",
            ServiceError::InsufficientLevel { .. } => "insufficient_level",
            ServiceError::Conflict(c) => c.code(),
            ServiceError::TooLarge(_) => "payload_too_large",
            ServiceError::TooMany(t) => t.code(),
            ServiceError::UnsupportedMediaType { .. } => "unsupported_media_type",
            ServiceError::Port(_) => "unavailable",
        }
    }

    pub fn status(&self) -> u16 {
        match self {
            ServiceError::Invalid(_) => 400,
            ServiceError::Form(f) => f.status(),
            ServiceError::Unauthenticated => 401,
            ServiceError::Forbidden(_) | ServiceError::InsufficientLevel { .. } => 403,
            ServiceError::NotFound(_) => 404,
            ServiceError::Conflict(_) => 409,
            ServiceError::TooLarge(_) => 413,
            ServiceError::TooMany(_) => 429,
            ServiceError::UnsupportedMediaType { .. } => 415,
            ServiceError::Port(_) => 503,
        }
    }

    /// Where to log in again, for a refusal that a new login solves.
    /// The request field a refusal is about, when it is about one.
    pub fn field(&self) -> Option<String> {
        match self {
            ServiceError::Invalid(i) => i.field().map(str::to_string),
            ServiceError::Form(f) => f.field(),
            _ => None,
        }
    }

    /// Every field to correct, when there are several.
    pub fn problems(&self) -> Option<&[crate::domain::applications::form::Problem]> {
        match self {
            ServiceError::Form(FormRefusal::Fields(p)) => Some(p),
            _ => None,
        }
    }

    pub fn login(&self) -> Option<String> {
        match self {
            ServiceError::InsufficientLevel { required, idp } => {
                Some(format!("/saml/login?idp={idp}&level={required}"))
            }
            _ => None,
        }
    }

    /// The Italian message. A port failure never shows its detail (it stays in the log).
    pub fn message(&self) -> String {
        match self {
            ServiceError::Port(PortError::NotConfigured(_)) => {
                "Il servizio non è ancora attivo: l'amministratore del servizio è stato avvisato."
                    .into()
            }
            ServiceError::Port(_) => {
                "Il servizio non è momentaneamente disponibile: riprova tra qualche minuto.".into()
            }
            other => other.to_string(),
        }
    }
}

impl From<Invalid> for ServiceError {
    fn from(i: Invalid) -> Self {
        ServiceError::Invalid(i)
    }
}

impl From<CertificateProblem> for ServiceError {
    fn from(p: CertificateProblem) -> Self {
        ServiceError::Invalid(Invalid::Certificate(p))
    }
}

impl From<DeclarationProblem> for ServiceError {
    fn from(p: DeclarationProblem) -> Self {
        ServiceError::Invalid(Invalid::Declaration(p))
    }
}

impl From<FormRefusal> for ServiceError {
    fn from(f: FormRefusal) -> Self {
        ServiceError::Form(f)
    }
}

impl From<Forbidden> for ServiceError {
    fn from(f: Forbidden) -> Self {
        ServiceError::Forbidden(f)
    }
}

impl From<NotFound> for ServiceError {
    fn from(n: NotFound) -> Self {
        ServiceError::NotFound(n)
    }
}

impl From<Conflict> for ServiceError {
    fn from(c: Conflict) -> Self {
        ServiceError::Conflict(c)
    }
}

impl From<serde_json::Error> for ServiceError {
    fn from(e: serde_json::Error) -> Self {
        ServiceError::Port(PortError::Corrupt(e.to_string()))
    }
}

/// A limit of requests reached (429).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TooMany {
    /// E-mails sent through the portal by one citizen in one day.
    MailsToday { limit: u32 },
}

impl TooMany {
    pub fn code(&self) -> &'static str {
        match self {
            TooMany::MailsToday { .. } => "mail_daily_limit",
        }
    }

    pub fn message(&self) -> String {
        match self {
            TooMany::MailsToday { limit } => format!("Hai raggiunto il limite di {limit} invii per e-mail al giorno: riprova domani oppure scarica il documento."),
        }
    }
}

impl From<TooMany> for ServiceError {
    fn from(t: TooMany) -> Self {
        ServiceError::TooMany(t)
    }
}

/// A body over the limit of its route (413).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooLarge {
    pub limit: usize,
}

impl TooLarge {
    pub fn message(&self) -> String {
        format!(
            "La richiesta è troppo grande: il limite è di {}.",
            human_size(self.limit)
        )
    }
}

/// "2 MB", "64 KB": sizes as a citizen reads them.
pub fn human_size(bytes: usize) -> String {
    if bytes >= 1024 * 1024 && bytes.is_multiple_of(1024 * 1024) {
        format!("{} MB", bytes / (1024 * 1024))
    } else if bytes >= 1024 {
        format!("{} KB", bytes / 1024)
    } else {
        format!("{bytes} byte")
    }
}
