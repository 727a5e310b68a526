//! The sealed letters of an application: the receipt of submission (protocol number, the
//! data submitted, the attachments' SHA-256, the due date, the office) and the office's
//! letters on integration requests, preavvisi and outcomes. PAdES-sealed like certificates.

use chrono::Datelike;
use serde_json::Value;

use super::super::ServiceResult;
use super::record::{Application, StoredFile};
use crate::app::AppState;
use crate::domain::applications::catalog::{DayKind, Kind, Term};
use crate::domain::applications::form::is_shown;
use crate::domain::applications::{Action, Service};
use crate::domain::{italian_time, sha256_hex};
use crate::keys;
use crate::pdf::{self, Doc, Footer, Part};
use crate::ports::Protocol;
use crate::services::errors::human_size;

fn date(d: chrono::NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

fn term(t: &Term) -> String {
    let kind = match t.kind {
        DayKind::Working => "giorni lavorativi",
        DayKind::Calendar => "giorni",
    };
    format!("{} {kind} ({})", t.days, t.law)
}

/// An answer as the citizen gave it, in words.
fn shown(a: &Application, service: &Service, id: &str, v: &Value) -> String {
    let Some(f) = service.field(id) else {
        return String::new();
    };
    match (f.kind, v) {
        (Kind::Checkbox, Value::Bool(b)) => if *b { "Sì" } else { "No" }.into(),
        (Kind::Select, Value::String(s)) => f
            .options
            .iter()
            .find(|o| &o.value == s)
            .map_or(s.clone(), |o| o.label.clone()),
        (Kind::Date, Value::String(s)) => s.parse().map_or(s.clone(), date),
        (Kind::Members, Value::Array(list)) => list
            .iter()
            .filter_map(|m| {
                a.household
                    .iter()
                    .find(|h| Some(h.codice_fiscale.as_str()) == m.as_str())
            })
            .map(|m| format!("{} ({})", m.name, m.codice_fiscale))
            .collect::<Vec<_>>()
            .join(", "),
        (Kind::Address, Value::Object(o)) => {
            let part = |k: &str| o.get(k).and_then(Value::as_str).unwrap_or("").to_string();
            let interno = Some(part("interno"))
                .filter(|i| !i.is_empty())
                .map(|i| format!(", interno {i}"));
            format!(
                "{} {}{} - {}",
                part("via"),
                part("civico"),
                interno.unwrap_or_default(),
                part("cap")
            )
        }
        (Kind::Attachment, Value::String(s)) => a.file(s).map_or(s.clone(), |f| f.name.clone()),
        (_, Value::String(s)) => s.clone(),
        _ => v.to_string(),
    }
}

/// The receipt's own parts: data, attachments, terms, office, fee.
pub fn receipt_body(app: &AppState, a: &Application, service: &Service) -> Vec<Part> {
    let mut parts = vec![
        Part::para(&service.receipt, 10.0),
        Part::Gap(3.0),
        Part::bold("Dati presentati", 11.0),
    ];
    let rows = service
        .fields()
        .filter(|f| f.kind != Kind::Attachment && is_shown(f, &a.data))
        .filter_map(|f| {
            a.data
                .get(&f.id)
                .map(|v| vec![f.label.clone(), shown(a, service, &f.id, v)])
        })
        .collect();
    parts.push(Part::Table {
        header: vec!["Campo".into(), "Valore".into()],
        rows,
    });
    parts.extend([
        Part::Gap(3.0),
        Part::bold("Allegati e loro impronta SHA-256", 11.0),
    ]);
    if a.attachments.is_empty() {
        parts.push(Part::para("Nessun allegato.", 10.0));
    }
    for f in &a.attachments {
        let label = service
            .field(&f.field)
            .map_or("Allegato", |x| x.label.as_str());
        parts.push(Part::para(
            format!("{label}: «{}» ({})", f.name, human_size(f.size)),
            10.0,
        ));
        parts.push(Part::Para {
            text: format!("SHA-256 {}", f.sha256),
            bold: false,
            size: 8.5,
            indent: 5.0,
        });
    }
    parts.extend([Part::Gap(3.0), Part::bold("Termine e ufficio", 11.0)]);
    if let Some(d) = a.due_date {
        parts.push(Part::para(
            format!(
                "Termine del procedimento: {} – {}.",
                date(d),
                term(&service.due)
            ),
            10.0,
        ));
    }
    if let (Some(d), Some(t)) = (a.confirmation_date, &service.confirmation) {
        parts.push(Part::para(
            format!("Esito definitivo: {} – {}.", date(d), term(t)),
            10.0,
        ));
    }
    parts.push(Part::para(
        format!(
            "Ufficio competente: {} del Comune di {}.",
            service.office, app.config.municipality.name
        ),
        10.0,
    ));
    if let Some(fee) = &service.fee {
        parts.push(fee_paid(a, fee));
    }
    parts
}

/// The fee as the receipt states it: paid through pagoPA, when, how, with which receipt.
fn fee_paid(a: &Application, fee: &crate::domain::applications::catalog::Fee) -> Part {
    let euro = crate::domain::payments::euro(fee.cents);
    let paid = a
        .payment
        .as_ref()
        .and_then(|p| p.receipt.as_ref().map(|r| (p, r)));
    let text = match paid {
        Some((p, r)) => format!(
            "Importo pagato: {euro} – {}, tramite pagoPA il {} (avviso di pagamento n. {}, ricevuta n. {} di {}).",
            fee.reason,
            italian_time(r.paid_at).format("%d/%m/%Y alle %H:%M"),
            p.position.notice.nav,
            r.receipt_id,
            r.psp
        ),
        None => format!("Importo dovuto: {euro} – {}.", fee.reason),
    };
    Part::para(text, 10.0)
}

/// The title and the text of the letter an action makes.
pub fn letter_text(
    a: &Application,
    service: &Service,
    action: Action,
    reason: Option<&str>,
) -> (String, String) {
    let reason = reason.unwrap_or("");
    let reply = a.reply_until.map(date).unwrap_or_default();
    match action {
        Action::Register => ("Ricevuta di presentazione dell'istanza".into(), String::new()),
        Action::RequestIntegration => ("Richiesta di integrazione".into(), format!("Per concludere il procedimento l'ufficio ha bisogno di quanto segue: {reason}\nRispondi con il servizio on line entro il {reply}. Il termine del procedimento è sospeso fino alla risposta (art. 2, comma 7, L. 241/1990).")),
        Action::PreReject => ("Comunicazione dei motivi ostativi all'accoglimento (art. 10-bis L. 241/1990)".into(), format!("L'ufficio intende respingere l'istanza per i seguenti motivi: {reason}\nEntro il {reply} (10 giorni) puoi presentare per iscritto osservazioni, eventualmente corredate da documenti, con il servizio on line.")),
        Action::Accept => ("Comunicazione di accoglimento".into(), "L'istanza è stata accolta.".into()),
        Action::AcceptWithReserve => ("Comunicazione di avvenuta registrazione (accoglimento con riserva)".into(), format!("La dichiarazione è stata registrata con decorrenza dal {}. Entro il {} l'ufficio completa gli accertamenti; se non ricevi comunicazioni contrarie, la registrazione diventa definitiva.", a.data.get("data").and_then(Value::as_str).and_then(|d| d.parse().ok()).map(date).unwrap_or_default(), a.confirmation_date.map(date).unwrap_or_default())),
        Action::Confirm => ("Comunicazione di accoglimento definitivo".into(), "Gli accertamenti si sono conclusi positivamente: la registrazione è definitiva.".into()),
        Action::Reject => ("Provvedimento di rigetto".into(), format!("L'istanza è respinta per i seguenti motivi (art. 3 L. 241/1990): {reason}\nContro il presente provvedimento è ammesso ricorso al Tribunale amministrativo regionale entro 60 giorni dalla notifica, o ricorso straordinario al Presidente della Repubblica entro 120 giorni.")),
        Action::Cancel => ("Comunicazione di annullamento".into(), format!("La pratica è stata annullata per i seguenti motivi: {reason}")),
        Action::Withdraw => ("Ricevuta di ritiro dell'istanza".into(), format!("Hai ritirato l'istanza «{}». Il procedimento è concluso senza esito.", service.title)),
        _ => (String::new(), String::new()),
    }
}

fn header(app: &AppState, service: &Service) -> Vec<Part> {
    let m = &app.config.municipality;
    let name = format!("Comune di {}", m.name);
    let mut parts = pdf::letterhead(
        &name,
        &m.province_label,
        &service.office,
        app.arms.is_some(),
    );
    parts.push(Part::Gap(8.0));
    parts
}

/// The letter as a document: header, protocol and subject, `body`, place and signature.
fn letter_doc(
    app: &AppState,
    a: &Application,
    service: &Service,
    title: &str,
    body: Vec<Part>,
    protocol: &Protocol,
) -> Doc {
    let m = &app.config.municipality;
    let when = italian_time(protocol.at);
    let mut parts = header(app, service);
    parts.extend([
        Part::Title(title.to_string()),
        Part::Gap(4.0),
        Part::bold(
            format!(
                "Protocollo n. {protocol} del {}",
                when.format("%d/%m/%Y alle %H:%M")
            ),
            10.5,
        ),
        Part::para(format!("Oggetto: {}", service.title), 10.5),
        Part::para(
            format!(
                "Richiedente: {} – codice fiscale {}",
                a.applicant.name, a.applicant.codice_fiscale
            ),
            10.5,
        ),
        Part::para(
            format!(
                "Pratica: {}{}",
                a.id,
                a.protocollo
                    .as_ref()
                    .map(|p| format!(" – istanza prot. n. {p}"))
                    .unwrap_or_default()
            ),
            10.5,
        ),
        Part::Gap(4.0),
    ]);
    parts.extend(body);
    parts.extend([
        Part::KeepWithFooter,
        Part::Gap(6.0),
        Part::para(format!("{}, {}", m.name, when.format("%d/%m/%Y")), 10.5),
        Part::para(format!("Il responsabile del procedimento – {}", service.office), 10.0),
        Part::para(format!("Documento informatico sigillato elettronicamente dal Comune di {} (artt. 20 e 24 D.Lgs. 82/2005): il sigillo ne garantisce l'origine e l'integrità.", m.name), 8.5),
    ]);
    Doc {
        title: title.to_string(),
        author: format!("Comune di {}", m.name),
        running_header: format!("Comune di {} – {title} – prot. n. {protocol}", m.name),
        parts,
        footer: Footer::None,
        watermark: false,
        arms_ratio: app.arms.as_deref().map_or(1.0, pdf::Arms::ratio),
    }
}

/// Lays out, seals and archives a letter registered under `protocol`.
pub async fn seal(
    app: &AppState,
    a: &Application,
    service: &Service,
    title: &str,
    body: Vec<Part>,
    protocol: &Protocol,
) -> ServiceResult<(StoredFile, Vec<u8>)> {
    let m = &app.config.municipality;
    let doc = letter_doc(app, a, service, title, body, protocol);
    let field = pdf::SignatureField {
        name: format!("Comune di {}", m.name),
        reason: title.to_string(),
        signed_at: protocol.at,
        reserved: 0,
    };
    let arms = app.arms.as_deref();
    let render = |reserved| {
        let field = pdf::SignatureField {
            reserved,
            ..field.clone()
        };
        pdf::render_doc(&doc, protocol.at, arms, Some(&field))
    };
    let bytes = pdf::pades::seal(render, app.signer.as_ref(), app.timestamper.as_deref()).await?;
    let id = format!("doc-{}", a.documents.len() + 1);
    // Unique per attempt: a concurrent attempt of the same step never overwrites (or, when
    // it loses, deletes) the letter the winner keeps.
    let attempt = &super::new_id()[..8];
    let name = format!(
        "{id}-{}-{:07}-{attempt}.pdf",
        protocol.year, protocol.number
    );
    let file = StoredFile {
        archive_key: keys::application_file(protocol.at.year(), &a.id, &name),
        id,
        field: title.to_string(),
        name,
        content_type: "application/pdf".into(),
        size: bytes.len(),
        sha256: sha256_hex(&bytes),
        at: protocol.at,
        protocollo: Some(protocol.clone()),
    };
    app.archive
        .put(&file.archive_key, &bytes, a.keep_until)
        .await?;
    Ok((file, bytes))
}
