//! The checkout page of the local pagoPA stand-in, where pagoPA's own checkout would be:
//! the notices of the cart with their amounts, a choice of fake PSPs, "Paga" and "Annulla";
//! the choice sends the citizen back to the portal's return address.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Router};
use serde::Deserialize;

use shared::adapters::local_pagopa::{LocalPagoPa, Outcome, PSPS};
use shared::domain::payments::euro;

use crate::demo_response::esc;

fn page(title: &str, body: &str) -> String {
    format!(
        r##"<!doctype html>
<html lang="it"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{title} – pagoPA (ambiente di prova)</title>
<link rel="stylesheet" href="/verifica/stile.css"></head>
<body><header class="testata"><div class="wrap"><p class="ente">pagoPA – ambiente di prova</p><p class="servizio">Pagamento simulato del portale locale: nessun addebito reale</p></div></header>
<main class="wrap">{body}</main></body></html>"##,
        title = esc(title)
    )
}

fn not_found() -> Response {
    let body = "<h1>Carrello non trovato</h1><p>Il pagamento è scaduto (un carrello vale un'ora) o non esiste: torna al portale e avvia di nuovo il pagamento.</p>";
    (
        StatusCode::NOT_FOUND,
        Html(page("Carrello non trovato", body)),
    )
        .into_response()
}

async fn show(State(p): State<Arc<LocalPagoPa>>, Path(cart): Path<String>) -> Response {
    let Ok(Some(c)) = p.cart(&cart).await else {
        return not_found();
    };
    let total: u64 = c.items.iter().map(|(_, cents, _)| cents).sum();
    let notices: String = c
        .items
        .iter()
        .map(|(nav, cents, what)| {
            format!(
                "<li>{} – {} <small>(avviso n. {})</small></li>",
                esc(what),
                euro(*cents),
                esc(nav)
            )
        })
        .collect();
    let psps: String = PSPS
        .iter()
        .enumerate()
        .map(|(i, psp)| {
            let checked = if i == 0 { " checked" } else { "" };
            format!("<li><label><input type=\"radio\" name=\"psp\" value=\"{}\"{checked}> {}</label></li>", psp.id, esc(psp.name))
        })
        .collect();
    let body = format!(
        "<h1>Paga {}</h1><ul>{notices}</ul><form method=\"post\" class=\"modulo\"><fieldset><legend>Scegli con chi pagare</legend><ul class=\"cittadini\">{psps}</ul></fieldset>\
         <button type=\"submit\" name=\"azione\" value=\"paga\">Paga {}</button> <button type=\"submit\" name=\"azione\" value=\"annulla\">Annulla</button></form>",
        euro(total),
        euro(total)
    );
    Html(page("Pagamento", &body)).into_response()
}

#[derive(Deserialize)]
struct Choice {
    #[serde(default)]
    psp: String,
    azione: String,
}

async fn choose(
    State(p): State<Arc<LocalPagoPa>>,
    Path(cart): Path<String>,
    Form(f): Form<Choice>,
) -> Response {
    let outcome = match (f.azione.as_str(), PSPS.iter().find(|x| x.id == f.psp)) {
        ("annulla", _) => p.cancel(&cart).await,
        ("paga", Some(psp)) => p.pay(&cart, psp).await,
        _ => {
            return (
                StatusCode::BAD_REQUEST,
                Html(page(
                    "Scelta non valida",
                    "<h1>Scegli un prestatore e premi «Paga» o «Annulla».</h1>",
                )),
            )
                .into_response()
        }
    };
    match outcome {
        Ok(Some(Outcome::Paid(url) | Outcome::Cancelled(url) | Outcome::Failed(url))) => {
            (StatusCode::SEE_OTHER, [(header::LOCATION, url)]).into_response()
        }
        Ok(None) => not_found(),
        Err(e) => {
            tracing::error!(error = %e, "pagoPA stand-in failed");
            let body = "<h1>Servizio momentaneamente non disponibile</h1><p>Riprova tra qualche minuto.</p>";
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Html(page("Non disponibile", body)),
            )
                .into_response()
        }
    }
}

pub fn router(pagopa: Arc<LocalPagoPa>) -> Router {
    Router::new()
        .route("/pagopa/checkout/{cart}", get(show).post(choose))
        .with_state(pagopa)
}
