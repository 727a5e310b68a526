//! Requests that cannot be served as sent (400), and what is wrong in them.

/// A request that cannot be served as sent (400).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invalid {
    /// The body or the parameters do not decode; the detail names the field.
    Request(String),
    Parameter {
        name: &'static str,
        given: String,
        allowed: &'static str,
    },
    Date(String),
    FutureDate,
    BirthDate,
    CodiceFiscale(String),
    PersonRequired,
    PersonOrGeneralita,
    Email(String),
    Pec(String),
    EmailRequired,
    /// The citizen's text for the recipient, over its length.
    MessageTooLong {
        max: usize,
    },
    IdempotencyKey,
    Certificate(CertificateProblem),
    Declaration(DeclarationProblem),
}

/// What is wrong in a certificate request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertificateProblem {
    UnknownType(String),
    UnknownUso(String),
    UnknownFact(String),
    FactsRequired,
    BolloRequired,
    BolloNotRequired,
    BolloOnlineCitizensOnly,
    BolloId,
    BolloDateFormat,
    BolloDateFuture,
    /// Before the contrassegno telematico existed.
    BolloDateTooOld(chrono::NaiveDate),
    TypeNotAvailable(String),
    PreviewNotAllowed,
    LiberaMissing(LiberaField),
    LiberaTooLong(LiberaField),
}

/// A field of the operator's record of a certificazione libera.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiberaField {
    Motivo,
    Richiedente,
    DocumentoTipo,
    DocumentoNumero,
    DocumentoEnte,
}

impl LiberaField {
    pub const ALL: [LiberaField; 5] = [
        LiberaField::Motivo,
        LiberaField::Richiedente,
        LiberaField::DocumentoTipo,
        LiberaField::DocumentoNumero,
        LiberaField::DocumentoEnte,
    ];

    /// Its path in the request body.
    pub fn path(self) -> &'static str {
        match self {
            LiberaField::Motivo => "motivo",
            LiberaField::Richiedente => "richiedente",
            LiberaField::DocumentoTipo => "documento.tipo",
            LiberaField::DocumentoNumero => "documento.numero",
            LiberaField::DocumentoEnte => "documento.ente",
        }
    }

    fn what(self) -> &'static str {
        match self {
            LiberaField::Motivo => "il motivo della richiesta",
            LiberaField::Richiedente => "cognome e nome del richiedente",
            LiberaField::DocumentoTipo => "il tipo di documento del richiedente",
            LiberaField::DocumentoNumero => "il numero del documento del richiedente",
            LiberaField::DocumentoEnte => "l'ente che ha rilasciato il documento",
        }
    }
}

/// What is wrong in a self-declaration request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeclarationProblem {
    UnknownFact(String),
    FactsRequired,
    TextTooLong,
    DeclarantDeceased,
}

impl Invalid {
    pub fn code(&self) -> &'static str {
        match self {
            Invalid::Request(_) => "invalid_request",
            Invalid::Parameter { .. } => "invalid_parameter",
            Invalid::Date(_) | Invalid::FutureDate | Invalid::BirthDate => "invalid_date",
            Invalid::CodiceFiscale(_) => "invalid_codice_fiscale",
            Invalid::PersonRequired | Invalid::PersonOrGeneralita => "person_required",
            Invalid::Email(_) => "invalid_email",
            Invalid::Pec(_) => "invalid_pec",
            Invalid::EmailRequired => "email_required",
            Invalid::MessageTooLong { .. } => "message_too_long",
            Invalid::IdempotencyKey => "invalid_idempotency_key",
            Invalid::Certificate(p) => p.code(),
            Invalid::Declaration(p) => p.code(),
        }
    }

    /// The request field the refusal is about (its path in the body), for the form to mark it.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Invalid::CodiceFiscale(_) | Invalid::PersonRequired | Invalid::PersonOrGeneralita => {
                Some("person")
            }
            Invalid::BirthDate => Some("generalita.data_nascita"),
            Invalid::Email(_) | Invalid::EmailRequired => Some("email"),
            Invalid::Pec(_) => Some("pec"),
            Invalid::MessageTooLong { .. } => Some("message"),
            Invalid::Certificate(p) => p.field(),
            Invalid::Declaration(DeclarationProblem::FactsRequired)
            | Invalid::Declaration(DeclarationProblem::UnknownFact(_)) => Some("facts"),
            Invalid::Declaration(DeclarationProblem::TextTooLong) => Some("testo"),
            _ => None,
        }
    }

    pub fn message(&self) -> String {
        match self {
            Invalid::Request(detail) => format!("Richiesta non valida: {detail}."),
            Invalid::Parameter {
                name,
                given,
                allowed,
            } => {
                format!("Valore non valido per \"{name}\": \"{given}\" (ammessi: {allowed}).")
            }
            Invalid::Date(given) => format!(
                "Data non valida \"{given}\": usa il formato AAAA-MM-GG, ad esempio 2024-03-15."
            ),
            Invalid::FutureDate => {
                "La data richiesta è successiva a oggi: indica una data passata o quella odierna."
                    .into()
            }
            Invalid::BirthDate => "Data di nascita non valida: usa il formato AAAA-MM-GG.".into(),
            Invalid::CodiceFiscale(why) => format!("Codice fiscale non valido: {why}."),
            Invalid::PersonRequired => {
                "Indica il codice fiscale della persona (parametro person).".into()
            }
            Invalid::PersonOrGeneralita => {
                "Indica il codice fiscale oppure le generalità complete della persona.".into()
            }
            Invalid::Email(address) => format!("Indirizzo e-mail non valido: \"{address}\"."),
            Invalid::Pec(address) => format!("Indirizzo PEC non valido: \"{address}\"."),
            Invalid::EmailRequired => {
                "Indica l'indirizzo e-mail a cui inviare il documento.".into()
            }
            Invalid::MessageTooLong { max } => format!(
                "Il messaggio per il destinatario è troppo lungo: al massimo {max} caratteri."
            ),
            Invalid::IdempotencyKey => {
                "Intestazione Idempotency-Key non valida (massimo 128 caratteri stampabili).".into()
            }
            Invalid::Certificate(p) => p.message(),
            Invalid::Declaration(p) => p.message(),
        }
    }
}

impl CertificateProblem {
    pub fn field(&self) -> Option<&'static str> {
        match self {
            CertificateProblem::UnknownType(_) | CertificateProblem::TypeNotAvailable(_) => {
                Some("type")
            }
            CertificateProblem::UnknownUso(_) | CertificateProblem::PreviewNotAllowed => {
                Some("uso")
            }
            CertificateProblem::UnknownFact(_) | CertificateProblem::FactsRequired => Some("facts"),
            CertificateProblem::BolloRequired
            | CertificateProblem::BolloNotRequired
            | CertificateProblem::BolloOnlineCitizensOnly
            | CertificateProblem::BolloId => Some("bollo.id"),
            CertificateProblem::BolloDateFormat
            | CertificateProblem::BolloDateFuture
            | CertificateProblem::BolloDateTooOld(_) => Some("bollo.date"),
            CertificateProblem::LiberaMissing(f) | CertificateProblem::LiberaTooLong(f) => {
                Some(f.path())
            }
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            CertificateProblem::UnknownType(_) => "unknown_type",
            CertificateProblem::UnknownUso(_) => "unknown_uso",
            CertificateProblem::UnknownFact(_) => "unknown_fact",
            CertificateProblem::FactsRequired => "facts_required",
            CertificateProblem::BolloRequired => "bollo_required",
            CertificateProblem::BolloNotRequired => "bollo_not_required",
            CertificateProblem::BolloOnlineCitizensOnly => "bollo_online_citizens_only",
            CertificateProblem::BolloId => "invalid_bollo_id",
            CertificateProblem::BolloDateFormat
            | CertificateProblem::BolloDateFuture
            | CertificateProblem::BolloDateTooOld(_) => "invalid_bollo_date",
            CertificateProblem::TypeNotAvailable(_) => "type_not_available",
            CertificateProblem::PreviewNotAllowed => "preview_not_allowed",
            CertificateProblem::LiberaMissing(_) | CertificateProblem::LiberaTooLong(_) => {
                "libera_incomplete"
            }
        }
    }

    pub fn message(&self) -> String {
        match self {
            CertificateProblem::UnknownType(given) => format!("Tipo di certificato sconosciuto: \"{given}\"."),
            CertificateProblem::UnknownUso(given) => format!("Uso sconosciuto: \"{given}\". Scegli un uso dall'elenco."),
            CertificateProblem::UnknownFact(given) => format!("Dato non certificabile nel contestuale: \"{given}\"."),
            CertificateProblem::FactsRequired => "Scegli almeno un dato da certificare nel certificato contestuale.".into(),
            CertificateProblem::BolloRequired => "Per l'uso scelto il certificato è soggetto a imposta di bollo (€ 16,00): indica l'identificativo di 14 cifre e la data di emissione della marca da bollo, oppure scegli «Paga il bollo online».".into(),
            CertificateProblem::BolloOnlineCitizensOnly => "Allo sportello il bollo si assolve con la marca da bollo portata dal richiedente: indica il suo identificativo di 14 cifre e la data di emissione.".into(),
            CertificateProblem::BolloNotRequired => "Per l'uso scelto il certificato è esente da bollo: non indicare la marca da bollo.".into(),
            CertificateProblem::BolloId => "L'identificativo della marca da bollo deve essere composto da 14 cifre.".into(),
            CertificateProblem::BolloDateFormat => "Data della marca da bollo non valida: usa il formato AAAA-MM-GG.".into(),
            CertificateProblem::BolloDateFuture => "La data di emissione della marca da bollo non può essere successiva a oggi.".into(),
            CertificateProblem::BolloDateTooOld(since) => format!("La data di emissione della marca da bollo non è plausibile: le marche da bollo con identificativo di 14 cifre esistono dal {}. Controlla la data stampata sulla marca.", since.format("%d/%m/%Y")),
            CertificateProblem::TypeNotAvailable(title) => format!("Il {} non può essere rilasciato per la persona indicata in base ai dati anagrafici.", title.to_lowercase()),
            CertificateProblem::PreviewNotAllowed => "L'anteprima non è disponibile per i certificati in bollo.".into(),
            CertificateProblem::LiberaMissing(f) => format!("Indica {}.", f.what()),
            CertificateProblem::LiberaTooLong(f) => format!("Testo troppo lungo per {} (massimo 256 caratteri).", f.what()),
        }
    }
}

impl DeclarationProblem {
    pub fn code(&self) -> &'static str {
        match self {
            DeclarationProblem::UnknownFact(_) => "unknown_fact",
            DeclarationProblem::FactsRequired => "facts_required",
            DeclarationProblem::TextTooLong => "testo_too_long",
            DeclarationProblem::DeclarantDeceased => "declarant_deceased",
        }
    }

    pub fn message(&self) -> String {
        match self {
            DeclarationProblem::UnknownFact(given) => format!("Dato non dichiarabile per questa persona: \"{given}\"."),
            DeclarationProblem::FactsRequired => "Scegli almeno un dato da dichiarare nell'autocertificazione cumulativa.".into(),
            DeclarationProblem::TextTooLong => "Il testo della dichiarazione è troppo lungo (massimo 4000 caratteri).".into(),
            DeclarationProblem::DeclarantDeceased => "Le dichiarazioni sostitutive sono rese dall'interessato: non possono riguardare come dichiarante una persona deceduta.".into(),
        }
    }
}
