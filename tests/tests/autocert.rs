//! Pre-filled autocertificazioni and atti notori, read back with poppler's pdftotext.

use e2e::{today, PdfFile, Portal};
use serde_json::{json, Value};
use shared::domain::person::Persona;

const ART76: &str = "richiamate dall'art. 76 del D.P.R. 28 dicembre 2000, n. 445";

fn married_head(demo: &[Persona]) -> Persona {
    demo.iter()
        .find(|p| {
            p.membership_at(today())
                .is_some_and(|m| m.famiglia == "F000001")
        })
        .unwrap()
        .clone()
}

async fn pdf_text(portal: &Portal, who: &e2e::Login, body: Value) -> String {
    let resp = portal.post("/api/autocert", who, &body, &[]).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "application/pdf");
    assert!(resp.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment; filename=\"dichiarazione-"));
    let bytes = resp.bytes().await.unwrap();
    let file = PdfFile::new(&bytes);
    assert!(
        file.pdfsig(&portal.seal_root())
            .contains("does not contain any signatures"),
        "declarations are not sealed"
    );
    assert!(file.qr_codes().is_empty(), "declarations carry no QR");
    file.text()
}

#[tokio::test]
async fn the_four_declarations_carry_the_data_the_article_and_the_warning() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::start(dir.path()).await;
    let me = married_head(&portal.demo());
    let who = portal.session(&me, false).await;
    let name = format!("{} {}", me.cognome.to_uppercase(), me.nome.to_uppercase());
    let spouse = me
        .stato_civile_at(today())
        .unwrap()
        .coniuge
        .clone()
        .unwrap();
    let spouse = format!(
        "{} {}",
        spouse.cognome.to_uppercase(),
        spouse.nome.to_uppercase()
    );

    let (status, opts) = portal
        .get(
            &format!("/api/autocert/options?person={}", me.codice_fiscale),
            Some(&who.cookie),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(opts["kinds"].as_array().unwrap().len(), 4);
    assert!(opts["notice"].as_str().unwrap().contains("non le firma"));
    let civil = opts["facts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "stato_civile")
        .unwrap();
    assert_eq!(
        civil["text"],
        format!("di essere coniugato con {spouse}").as_str()
    );

    let all: Vec<&str> = opts["facts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    let text = pdf_text(
        &portal,
        &who,
        json!({"person": me.codice_fiscale, "kind": "cumulativa", "facts": all}),
    )
    .await;
    for expected in [
        "DICHIARAZIONE SOSTITUTIVA DI CERTIFICAZIONE",
        "(art. 46 del D.P.R. 28 dicembre 2000, n. 445)",
        name.as_str(),
        me.codice_fiscale.as_str(),
        ART76,
        "DICHIARA",
        &format!("di essere coniugato con {spouse}"),
        "che la propria famiglia anagrafica è così composta",
        "Rapporto di parentela",
        "di essere in vita",
        "Regolamento (UE) 2016/679",
        // The GDPR art. 13 notice from the municipality's settings.
        "Titolare del trattamento",
        "Comune di Valdemo",
        "rpd@comune.example",
        "Finalità e base giuridica",
        "Conservazione: i dati usati per precompilare la dichiarazione non sono conservati",
        "artt. 15-22",
        "reclamo al Garante per la protezione dei dati personali",
        "Il dichiarante",
        "esente dall'imposta di bollo (art. 37",
    ] {
        assert!(
            text.contains(expected),
            "cumulativa lacks {expected:?}: {text}"
        );
    }
    assert!(
        !text.contains(":;") && !text.contains("composta: ;"),
        "{text}"
    );

    let text = pdf_text(
        &portal,
        &who,
        json!({"person": me.codice_fiscale, "kind": "nascita"}),
    )
    .await;
    assert!(text.contains("(art. 46 del D.P.R.") && text.contains(ART76) && text.contains(&name));
    assert!(
        text.contains(&format!("di essere nato a {}", me.nascita.luogo.describe())),
        "{text}"
    );

    let text = pdf_text(&portal, &who, json!({"person": me.codice_fiscale, "kind": "notorio_pa", "testo": "di essere l'unico erede di Mario Bianchi"})).await;
    assert!(
        text.contains("DICHIARAZIONE SOSTITUTIVA DELL'ATTO DI NOTORIETÀ")
            && text.contains("(art. 47 del D.P.R.")
            && text.contains(ART76),
        "{text}"
    );
    assert!(text.contains("di essere l'unico erede di Mario Bianchi"));
    assert!(
        text.contains("copia fotostatica, anche non autenticata, di un documento di identità")
            && text.contains("art. 38"),
        "{text}"
    );

    let text = pdf_text(
        &portal,
        &who,
        json!({"person": me.codice_fiscale, "kind": "notorio_privati"}),
    )
    .await;
    assert!(text.contains("(art. 47 del D.P.R.") && text.contains(ART76) && text.contains(&name));
    assert!(
        text.contains("AUTENTICAZIONE DELLA FIRMA")
            && text.contains("€ 16,00")
            && text.contains("diritti di segreteria di € 0,52"),
        "{text}"
    );
    assert!(text.contains("davanti al pubblico ufficiale"), "{text}");
    portal.stop().await;
}

#[tokio::test]
async fn only_the_ticked_facts_are_declared() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::start(dir.path()).await;
    let me = married_head(&portal.demo());
    let who = portal.session(&me, false).await;
    let text = pdf_text(&portal, &who, json!({"person": me.codice_fiscale, "kind": "cumulativa", "facts": ["nascita", "residenza"]})).await;
    assert!(
        text.contains("di essere nato") && text.contains("di essere residente a Valdemo"),
        "{text}"
    );
    for absent in [
        "di essere in vita",
        "che il proprio codice fiscale è",
        "coniugato con",
        "famiglia anagrafica è così composta",
    ] {
        assert!(!text.contains(absent), "unticked {absent:?} printed");
    }
    // Bad choices are explained.
    for (body, code) in [
        (
            json!({"person": me.codice_fiscale, "kind": "cumulativa", "facts": []}),
            "facts_required",
        ),
        (
            json!({"person": me.codice_fiscale, "kind": "cumulativa", "facts": ["patente_nautica"]}),
            "unknown_fact",
        ),
    ] {
        let resp = portal.post("/api/autocert", &who, &body, &[]).await;
        assert_eq!(resp.status(), 400);
        assert_eq!(resp.json::<Value>().await.unwrap()["error"], code);
    }
    let resp = portal
        .post(
            "/api/autocert",
            &who,
            &json!({"person": me.codice_fiscale, "kind": "testamento"}),
            &[],
        )
        .await;
    assert_eq!(resp.status(), 400);
    assert!(resp.json::<Value>().await.unwrap()["message"]
        .as_str()
        .unwrap()
        .contains("valore non ammesso"));
    portal.stop().await;
}

#[tokio::test]
async fn e_mail_reaches_both_addresses_with_the_text_and_the_pdf() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::start(dir.path()).await;
    let me = married_head(&portal.demo());
    let who = portal.session(&me, false).await;
    let body = json!({
        "person": me.codice_fiscale, "kind": "cumulativa", "facts": ["residenza", "stato_famiglia"],
        "delivery": "email", "email": "segreteria@scuola.example.it", "cc": "me@example.org",
        "message": "Buongiorno, allego l'autocertificazione per l'iscrizione."
    });
    let resp = portal.post("/api/autocert", &who, &body, &[]).await;
    assert_eq!(resp.status(), 200);
    assert!(resp.json::<Value>().await.unwrap()["message"]
        .as_str()
        .unwrap()
        .contains("segreteria@scuola.example.it"));
    let outbox = dir.path().join("outbox");
    let eml = std::fs::read_dir(&outbox)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "eml"))
        .unwrap();
    let mail: Value = serde_json::from_str(&e2e::run(
        e2e::venv_bin("python"),
        &[&e2e::script("read_eml.py"), eml.to_str().unwrap()],
    ))
    .unwrap();
    assert_eq!(mail["to"], "segreteria@scuola.example.it");
    assert_eq!(mail["cc"], "me@example.org");
    assert!(mail["text"]
        .as_str()
        .unwrap()
        .contains("Buongiorno, allego l'autocertificazione per l'iscrizione."));
    let att = &mail["attachments"][0];
    assert_eq!(att["content_type"], "application/pdf");
    assert_eq!(att["filename"], "dichiarazione-cumulativa.pdf");
    assert!(att["size"].as_u64().unwrap() > 5_000);
    portal.stop().await;
}

#[tokio::test]
async fn declarations_only_for_the_living_members_of_the_household() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::start(dir.path()).await;
    let demo = portal.demo();
    let me = married_head(&demo);
    let who = portal.session(&me, false).await;
    let stranger = demo
        .iter()
        .find(|p| {
            p.membership_at(today())
                .is_some_and(|m| m.famiglia != "F000001")
        })
        .unwrap();
    let resp = portal
        .post(
            "/api/autocert",
            &who,
            &json!({"person": stranger.codice_fiscale, "kind": "nascita"}),
            &[],
        )
        .await;
    assert_eq!(resp.status(), 403);
    let dead = demo.iter().find(|p| p.date_of_death().is_some()).unwrap();
    let widow = demo
        .iter()
        .find(|p| {
            p.date_of_death().is_none()
                && p.membership_at(today())
                    .is_some_and(|m| m.famiglia == dead.famiglia.last().unwrap().value.famiglia)
        })
        .unwrap();
    let widow_login = portal.session(widow, false).await;
    let resp = portal
        .post(
            "/api/autocert",
            &widow_login,
            &json!({"person": dead.codice_fiscale, "kind": "nascita"}),
            &[],
        )
        .await;
    assert_eq!(resp.status(), 400);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"],
        "declarant_deceased"
    );
    // The widow's own cumulativa names the late spouse.
    let (_, opts) = portal
        .get(
            &format!("/api/autocert/options?person={}", widow.codice_fiscale),
            Some(&widow_login.cookie),
        )
        .await;
    let civil = opts["facts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "stato_civile")
        .unwrap();
    assert!(
        civil["text"]
            .as_str()
            .unwrap()
            .starts_with("di essere vedova di ")
            || civil["text"]
                .as_str()
                .unwrap()
                .starts_with("di essere vedovo di "),
        "{civil}"
    );
    portal.stop().await;
}
