//! The payment notice (avviso di pagamento pagoPA) for who pays elsewhere than online: the
//! creditor, the payer, the reason, the amount, the due date, the notice number and the
//! pagoPA QR code (`PAGOPA|002|<notice>|<creditor>|<cents>`), which any PSP, the IO app or a
//! bank's app reads.

use chrono::{DateTime, Utc};

use crate::app::AppState;
use crate::domain::italian_date;
use crate::domain::payments::{euro, qr_payload};
use crate::pdf::{self, Doc, Footer, Part};
use crate::ports::DebtPosition;

/// "3472 0260 0000 0042 24": the notice number as printed, in groups of four.
pub fn grouped(nav: &str) -> String {
    nav.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The notice as a document.
pub fn notice_doc(app: &AppState, p: &DebtPosition) -> Doc {
    let m = &app.config.municipality;
    let c = &app.config.creditor;
    let name = format!("Comune di {}", m.name);
    let mut parts = pdf::letterhead(
        &name,
        &m.province_label,
        "Servizi Demografici",
        app.arms.is_some(),
    );
    let due = italian_date(p.due).format("%d/%m/%Y").to_string();
    let rows = [
        (
            "Ente creditore",
            format!("{} – codice fiscale {}", c.company_name, c.fiscal_code),
        ),
        (
            "Destinatario",
            format!("{} – codice fiscale {}", p.payer_name, p.payer_fiscal_code),
        ),
        ("Oggetto del pagamento", p.description.clone()),
        ("Importo", euro(p.amount_cents)),
        ("Da pagare entro il", due.clone()),
        ("Codice avviso", grouped(&p.notice.nav)),
        ("Codice IUV", p.notice.iuv.clone()),
    ];
    parts.extend([
        Part::Gap(8.0),
        Part::Title("Avviso di pagamento pagoPA".into()),
        Part::Gap(4.0),
        Part::Table {
            header: vec!["".into(), "".into()],
            rows: rows.iter().map(|(k, v)| vec![k.to_string(), v.clone()]).collect(),
        },
        Part::Gap(4.0),
        Part::bold("Dove e come pagare", 11.0),
        Part::para("On line nel portale dei Servizi Demografici, con l'app IO, con l'home banking e le app di pagamento che espongono il marchio pagoPA; oppure presso banche, sportelli ATM, uffici postali, punti Sisal, Lottomatica e Banca 5. Inquadra il codice QR o indica il codice avviso e il codice fiscale dell'ente creditore.", 10.0),
        Part::para(format!("Dopo il {due} l'avviso non è più pagabile: il servizio richiesto non sarà completato. Un avviso si paga una sola volta."), 10.0),
    ]);
    let lines = vec![
        (true, format!("Codice avviso {}", grouped(&p.notice.nav))),
        (
            false,
            format!(
                "Ente creditore {} – codice fiscale {}",
                c.company_name, c.fiscal_code
            ),
        ),
        (
            false,
            format!("Importo {} – entro il {due}", euro(p.amount_cents)),
        ),
    ];
    Doc {
        title: "Avviso di pagamento pagoPA".into(),
        author: name.clone(),
        running_header: format!("{name} – avviso di pagamento {}", p.notice.nav),
        parts,
        footer: Footer::Qr {
            payload: qr_payload(&p.notice.nav, &c.fiscal_code, p.amount_cents),
            lines,
        },
        watermark: false,
        arms_ratio: app.arms.as_deref().map_or(1.0, pdf::Arms::ratio),
    }
}

/// The notice as a PDF.
pub fn notice_pdf(app: &AppState, p: &DebtPosition, at: DateTime<Utc>) -> Vec<u8> {
    pdf::render_doc(&notice_doc(app, p), at, app.arms.as_deref(), None).bytes
}
