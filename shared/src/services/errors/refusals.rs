//! Refusals: what the requester may not do (403), what does not exist for them (404), what
//! clashes with what exists (409).

/// Something the requester may not do (403).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forbidden {
    /// Online, certificates only for oneself and one's household.
    CertificateScope,
    /// Only the persons of one's own household may be read.
    HouseholdScope,
    /// Certificazione libera is for the registry office's operators.
    LiberaOperatorsOnly,
    /// Loading the registry export is for operators.
    ImportOperatorsOnly,
    /// A route of the operators' desk.
    OperatorsOnly,
    /// An operator's own application, or one that moves them.
    OwnApplication,
    /// A state-changing request without the session's CSRF token.
    Csrf,
}

impl Forbidden {
    pub fn code(&self) -> &'static str {
        match self {
            Forbidden::Csrf => "csrf_token_invalid",
            _ => "forbidden",
        }
    }

    pub fn message(&self) -> &'static str {
        match self {
            Forbidden::CertificateScope => "Online puoi richiedere certificati soltanto per te e per i componenti della tua famiglia anagrafica.",
            Forbidden::HouseholdScope => "Puoi consultare soltanto i dati delle persone della tua famiglia anagrafica.",
            Forbidden::LiberaOperatorsOnly => "La certificazione libera è riservata agli operatori dell'Ufficio Anagrafe.",
            Forbidden::ImportOperatorsOnly => "L'importazione dell'anagrafe è riservata agli operatori del Comune.",
            Forbidden::OperatorsOnly => "Questa funzione è riservata agli operatori dell'Ufficio Anagrafe.",
            Forbidden::OwnApplication => "Non puoi lavorare una pratica che riguarda te o la tua famiglia: affidala a un collega.",
            Forbidden::Csrf => "Richiesta non autorizzata: ricarica la pagina e riprova.",
        }
    }
}

/// What was asked for does not exist, or is not the requester's (404).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotFound {
    Person,
    NotInRegistry,
    NoHouseholdAt(chrono::NaiveDate),
    NoGeneralitaMatch,
    MyCertificate,
    AccessLog,
    Route,
    Service,
    Application,
    ApplicationFile,
    /// A certificate payment of the requester.
    MyPayment,
    /// A payment notice of a payment no longer open.
    OpenPayment,
    /// The citizen's application asks no payment.
    ApplicationPayment,
}

impl NotFound {
    pub fn message(&self) -> String {
        match self {
            NotFound::Person => "La persona indicata non risulta nell'anagrafe del Comune.".into(),
            NotFound::NotInRegistry => "Non risulti iscritto nell'anagrafe del Comune: per informazioni rivolgiti all'Ufficio Anagrafe.".into(),
            NotFound::NoHouseholdAt(date) => format!(
                "Alla data del {} non risulti iscritto in una famiglia anagrafica del Comune.",
                date.format("%d/%m/%Y")
            ),
            NotFound::NoGeneralitaMatch => {
                "Nessuna persona dell'anagrafe corrisponde alle generalità indicate.".into()
            }
            NotFound::MyCertificate => {
                "Certificato non trovato tra i tuoi certificati validi.".into()
            }
            NotFound::AccessLog => {
                "Registro degli accessi non trovato: puoi consultare solo il tuo.".into()
            }
            NotFound::Route => "Il servizio richiesto non esiste: controlla l'indirizzo.".into(),
            NotFound::Service => "Il servizio on line indicato non esiste: scegli un servizio dall'elenco.".into(),
            NotFound::Application => "Pratica non trovata tra le tue pratiche.".into(),
            NotFound::ApplicationFile => "Documento o allegato non trovato in questa pratica.".into(),
            NotFound::MyPayment => "Pagamento non trovato tra le tue richieste di certificato.".into(),
            NotFound::OpenPayment => "Questo pagamento non è più aperto: l'avviso di pagamento non è disponibile.".into(),
            NotFound::ApplicationPayment => "Nessun pagamento risulta per questa pratica.".into(),
        }
    }
}

/// The request clashes with what exists (409).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Conflict {
    BolloAlreadyUsed(String),
    IdempotencyKeyReused,
    AmbiguousPerson,
    /// The certificate was issued, the e-mail did not leave: a retry reuses it.
    CertificateMailFailed(String),
    DeclarationMailFailed,
    /// The application changed since it was read (another tab, another operator).
    ApplicationChanged,
    /// Another operator took the application first.
    AlreadyTaken,
    /// The action is not allowed in the application's state.
    NotNow {
        action: &'static str,
        state: &'static str,
    },
    /// The application's internal notes reached their limit.
    TooManyNotes(usize),
    /// Cancelling a registration that became definitive on this date.
    AlreadyDefinitive(chrono::NaiveDate),
    /// The registry changed after the declared date: the change goes through the registry's own system.
    RegistryChangedSince(chrono::NaiveDate),
    /// A citizen keeps this many applications already.
    TooManyApplications(usize),
    /// A rejection before the 10 days of a preavviso have passed.
    ObservationsOpen(chrono::NaiveDate),
    /// A certificate paid online cannot be issued at once.
    PaysOnline,
}

impl Conflict {
    pub fn code(&self) -> &'static str {
        match self {
            Conflict::BolloAlreadyUsed(_) => "bollo_already_used",
            Conflict::IdempotencyKeyReused => "idempotency_conflict",
            Conflict::AmbiguousPerson => "ambiguous_person",
            Conflict::CertificateMailFailed(_) | Conflict::DeclarationMailFailed => "mail_failed",
            Conflict::ApplicationChanged => "application_changed",
            Conflict::AlreadyTaken => "already_taken",
            Conflict::NotNow { .. } => "not_allowed_now",
            Conflict::ObservationsOpen(_) => "observations_open",
            Conflict::TooManyApplications(_) => "too_many_applications",
            Conflict::TooManyNotes(_) => "too_many_notes",
            Conflict::AlreadyDefinitive(_) => "already_definitive",
            Conflict::RegistryChangedSince(_) => "registry_changed",
            Conflict::PaysOnline => "payment_required",
        }
    }

    pub fn message(&self) -> String {
        match self {
            Conflict::BolloAlreadyUsed(marca) => format!("La marca da bollo n. {marca} è già stata utilizzata per un altro certificato: ogni marca vale per un solo certificato."),
            Conflict::IdempotencyKeyReused => "La chiave di idempotenza è già stata usata per una richiesta diversa.".into(),
            Conflict::AmbiguousPerson => "Più persone corrispondono alle generalità indicate: indica il codice fiscale.".into(),
            Conflict::CertificateMailFailed(id) => format!("Il certificato {id} è stato emesso ma l'invio per e-mail non è riuscito. Riprova: non sarà usata un'altra marca da bollo, oppure scaricalo da «I miei certificati»."),
            Conflict::DeclarationMailFailed => "L'invio per e-mail non è riuscito: riprova o scarica la dichiarazione.".into(),
            Conflict::ApplicationChanged => "La pratica è stata modificata nel frattempo: ricarica la pagina e riprova.".into(),
            Conflict::AlreadyTaken => "Un altro operatore ha già preso in carico la pratica.".into(),
            Conflict::NotNow { action, state } => format!("L'operazione «{action}» non è possibile quando la pratica è nello stato «{state}»."),
            Conflict::TooManyNotes(n) => format!("La pratica ha già {n} note interne, il numero massimo."),
            Conflict::AlreadyDefinitive(d) => format!("L'iscrizione è definitiva dal {} (art. 5 D.L. 5/2012): non si annulla più da questo servizio.", d.format("%d/%m/%Y")),
            Conflict::RegistryChangedSince(d) => format!("L'anagrafe ha variazioni successive al {} per una delle persone: registra la dichiarazione nel gestionale dell'anagrafe.", d.format("%d/%m/%Y")),
            Conflict::TooManyApplications(n) => format!("Hai già {n} pratiche nel servizio: elimina le bozze che non ti servono per iniziarne una nuova."),
            Conflict::PaysOnline => "Questo certificato si paga online con pagoPA: è rilasciato dopo il pagamento.".into(),
            Conflict::ObservationsOpen(until) => format!("Il termine per le osservazioni al preavviso di rigetto scade il {}: la pratica potrà essere decisa dopo quella data o dopo la risposta del cittadino.", until.format("%d/%m/%Y")),
        }
    }
}
