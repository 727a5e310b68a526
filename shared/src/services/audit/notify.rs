//! The opt-in e-mail ("Mio account") when an operator reads or certifies a citizen's data:
//! who, what, when and the stated reason. The access has happened whatever the mail does:
//! a mail failure is logged (without addresses) and the request goes on.

use super::{log, Access};
use crate::app::AppState;
use crate::domain::certificate::date_it;
use crate::domain::italian_date;
use crate::ports::Mail;
use crate::services::profile;

/// Sends the notice to every subject of an operator's access who asked for it.
pub async fn operator_access(app: &AppState, access: &Access) {
    let Some(op) = app.config.operator(&access.actor) else {
        return;
    };
    // The desk's list names applicants at every look: recorded, not mailed.
    if access.action == super::AuditAction::ApplicationDeskQueue {
        return;
    }
    let now = app.clock.now();
    let who = match (&op.name, &op.office) {
        (Some(n), Some(o)) => format!("{n} ({o})"),
        (Some(n), None) => n.clone(),
        _ => "Un operatore dell'Ufficio Anagrafe".into(),
    };
    for cf in access.subjects.iter().filter(|cf| **cf != access.actor) {
        let Ok(Some(p)) = profile::get(app, cf).await else {
            continue;
        };
        let (true, Some(to)) = (p.notify_operator_access, p.email) else {
            continue;
        };
        let mut text = format!(
            "Il {} {who} ha effettuato questa operazione sui tuoi dati anagrafici: {}.\n",
            date_it(italian_date(now)),
            log::what(access.action, access.detail.as_deref())
        );
        if let Some(r) = &access.reason {
            text.push_str(&format!("Motivo dichiarato: {r}\n"));
        }
        text.push_str(&format!(
            "\nTrovi tutti gli accessi in \"Chi ha consultato i miei dati\": {}/accessi.html\n\
             Ricevi questo avviso perché l'hai chiesto in \"Mio account\", dove puoi disattivarlo.\n",
            app.config.public_base_url
        ));
        let mail = Mail {
            to: vec![to],
            cc: vec![],
            subject: format!(
                "Comune di {}: accesso ai tuoi dati anagrafici",
                app.config.municipality.name
            ),
            text,
            attachments: vec![],
        };
        if let Err(e) = app.mailer.send(&mail).await {
            tracing::warn!(error = %e, "operator-access notice not sent");
        }
    }
}
