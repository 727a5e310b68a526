//! The scheda di famiglia and person detail over HTTP, as a logged-in citizen sees them.

use chrono::Duration;
use e2e::{today, Portal};
use shared::domain::person::{Persona, PosizioneAnagrafica, Rapporto};
use shared::services::audit::{self, AuditAction};

fn household_at_today(p: &Persona) -> Option<&str> {
    p.membership_at(today()).map(|m| m.famiglia.as_str())
}

fn members<'a>(demo: &'a [Persona], id: &str) -> Vec<&'a Persona> {
    demo.iter()
        .filter(|p| p.famiglia.iter().any(|m| m.value.famiglia == id))
        .collect()
}

fn cfs(body: &serde_json::Value) -> Vec<String> {
    body["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["codice_fiscale"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn citizen_sees_own_household_with_relationships() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::start(dir.path()).await;
    let demo = portal.demo();
    // The first showcase household: a married couple with children.
    let head = demo
        .iter()
        .find(|p| household_at_today(p) == Some("F000001"))
        .unwrap();
    assert_eq!(
        head.membership_at(today()).unwrap().rapporto,
        Rapporto::IntestatarioScheda
    );
    let cookie = portal.login(head).await;
    let (status, body) = portal.get("/api/household", Some(&cookie)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["date"], today().to_string());
    let expected: Vec<&Persona> = members(&demo, "F000001");
    assert_eq!(cfs(&body).len(), expected.len());
    let first = &body["members"][0];
    assert_eq!(first["codice_fiscale"], head.codice_fiscale.as_str());
    assert_eq!(first["rapporto_parentela"], "intestatario scheda");
    assert_eq!(first["stato_civile"], "coniugato");
    assert_eq!(first["codice_fiscale_validato"], true);
    assert_eq!(body["members"][1]["rapporto_parentela"], "moglie");
    assert_eq!(body["members"][1]["stato_civile"], "coniugata");
    let kids: Vec<&str> = body["members"].as_array().unwrap()[2..]
        .iter()
        .map(|m| m["rapporto_parentela"].as_str().unwrap())
        .collect();
    assert!(
        !kids.is_empty() && kids.iter().all(|k| *k == "figlio" || *k == "figlia"),
        "{kids:?}"
    );
    assert_eq!(first["luogo_nascita"], head.nascita.luogo.describe());

    // The read is audited: who, whose, what.
    let records = audit::records_of_day(&portal.state, portal.clock.now_utc())
        .await
        .unwrap();
    let rec = records
        .iter()
        .find(|r| r.action == AuditAction::Household)
        .expect("audited");
    assert_eq!(rec.actor, head.codice_fiscale);
    assert_eq!(rec.subjects.len(), expected.len());
    portal.stop().await;
}

#[tokio::test]
async fn mover_shows_two_addresses_at_two_dates() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::start(dir.path()).await;
    let demo = portal.demo();
    let mover = demo
        .iter()
        .find(|p| p.residenza.len() == 2 && p.residenza.iter().all(|r| r.value.comune == "Valdemo"))
        .expect("a mover in the demo");
    let moved = mover.residenza[1].from;
    let cookie = portal.login(mover).await;
    let before = (moved - Duration::days(1)).to_string();
    let path = |d: &str| format!("/api/household/persons/{}?date={d}", mover.codice_fiscale);
    let (s1, old) = portal.get(&path(&before), Some(&cookie)).await;
    let (s2, new) = portal.get(&path(&moved.to_string()), Some(&cookie)).await;
    assert_eq!((s1, s2), (200, 200), "{old} {new}");
    assert_eq!(
        old["residenza"]["via"],
        mover.residenza[0].value.via.as_str()
    );
    assert_eq!(
        new["residenza"]["via"],
        mover.residenza[1].value.via.as_str()
    );
    assert_ne!(old["residenza"]["via"], new["residenza"]["via"]);
    // History up to the date: one address before the move, both after it.
    assert_eq!(old["storico_residenze"].as_array().unwrap().len(), 1);
    assert_eq!(new["storico_residenze"].as_array().unwrap().len(), 2);
    assert_eq!(old["date"], before);
    portal.stop().await;
}

#[tokio::test]
async fn child_born_after_the_date_is_not_listed() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::start(dir.path()).await;
    let demo = portal.demo();
    let baby = demo
        .iter()
        .filter(|p| p.nascita.data > today() - Duration::days(365))
        .find(|p| household_at_today(p).is_some())
        .expect("a newborn in the demo");
    let id = household_at_today(baby).unwrap();
    let parent = members(&demo, id)
        .into_iter()
        .find(|p| p.membership_at(today()).unwrap().rapporto == Rapporto::IntestatarioScheda)
        .unwrap();
    let cookie = portal.login(parent).await;
    let (_, now) = portal.get("/api/household", Some(&cookie)).await;
    assert!(cfs(&now).contains(&baby.codice_fiscale));
    let day_before = baby.nascita.data - Duration::days(1);
    let (status, then) = portal
        .get(&format!("/api/household?date={day_before}"), Some(&cookie))
        .await;
    assert_eq!(status, 200, "{then}");
    assert!(
        !cfs(&then).contains(&baby.codice_fiscale),
        "not born yet on {day_before}"
    );
    assert_eq!(cfs(&then).len() + 1, cfs(&now).len());
    // Nor can the baby's detail be read at that date.
    let (status, body) = portal
        .get(
            &format!(
                "/api/household/persons/{}?date={day_before}",
                baby.codice_fiscale
            ),
            Some(&cookie),
        )
        .await;
    assert_eq!(status, 403, "{body}");
    portal.stop().await;
}

#[tokio::test]
async fn deceased_member_is_hidden_unless_asked() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::start(dir.path()).await;
    let demo = portal.demo();
    let dead = demo
        .iter()
        .find(|p| p.date_of_death().is_some())
        .expect("a deceased person");
    let death = dead.date_of_death().unwrap();
    let id = dead.famiglia.last().unwrap().value.famiglia.clone();
    let survivor = members(&demo, &id)
        .into_iter()
        .find(|p| p.date_of_death().is_none() && household_at_today(p) == Some(id.as_str()))
        .unwrap();
    let cookie = portal.login(survivor).await;

    let (_, plain) = portal.get("/api/household", Some(&cookie)).await;
    assert!(!cfs(&plain).contains(&dead.codice_fiscale));
    let (status, with) = portal
        .get("/api/household?deceased=true", Some(&cookie))
        .await;
    assert_eq!(status, 200);
    let entry = with["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["codice_fiscale"] == dead.codice_fiscale.as_str())
        .expect("listed when asked");
    assert_eq!(entry["deceased"], true);
    assert_eq!(entry["data_decesso"], death.to_string());
    // The survivor is now the intestatario and a widow(er).
    let me = with["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["codice_fiscale"] == survivor.codice_fiscale.as_str())
        .unwrap();
    assert_eq!(me["rapporto_parentela"], "intestatario scheda");
    assert!(
        me["stato_civile"].as_str().unwrap().starts_with("vedov"),
        "{me}"
    );
    // Before the death both were alive members.
    let (_, earlier) = portal
        .get(
            &format!("/api/household?date={}", death - Duration::days(1)),
            Some(&cookie),
        )
        .await;
    assert!(cfs(&earlier).contains(&dead.codice_fiscale));
    // The deceased member's detail is readable by the household, with the date of death.
    let (status, detail) = portal
        .get(
            &format!("/api/household/persons/{}", dead.codice_fiscale),
            Some(&cookie),
        )
        .await;
    assert_eq!(status, 200, "{detail}");
    assert_eq!(detail["deceased"], true);
    assert_eq!(detail["posizione_anagrafica"], "deceduto");
    portal.stop().await;
}

#[tokio::test]
async fn another_households_member_is_forbidden() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::start(dir.path()).await;
    let demo = portal.demo();
    let me = demo
        .iter()
        .find(|p| household_at_today(p) == Some("F000001"))
        .unwrap();
    let stranger = demo
        .iter()
        .find(|p| household_at_today(p).is_some_and(|h| h != "F000001"))
        .unwrap();
    let cookie = portal.login(me).await;
    let (status, body) = portal
        .get(
            &format!("/api/household/persons/{}", stranger.codice_fiscale),
            Some(&cookie),
        )
        .await;
    assert_eq!(status, 403);
    assert_eq!(body["error"], "forbidden");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("tua famiglia anagrafica"),
        "{body}"
    );
    // Own detail works and carries the documents section.
    let (status, own) = portal
        .get(
            &format!("/api/household/persons/{}", me.codice_fiscale),
            Some(&cookie),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(own["cognome"], me.cognome.as_str());
    assert!(
        own["documenti"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["tipo"] == "carta_identita" && d["valido"] == true),
        "{own}"
    );
    portal.stop().await;
}

#[tokio::test]
async fn bad_requests_get_precise_italian_errors() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::start(dir.path()).await;
    let demo = portal.demo();
    let me = demo
        .iter()
        .find(|p| p.posizione_at(today()) == Some(PosizioneAnagrafica::Residente))
        .unwrap();

    let (status, body) = portal.get("/api/household", None).await;
    assert_eq!(status, 401);
    assert_eq!(body["error"], "unauthenticated");
    assert!(body["message"]
        .as_str()
        .unwrap()
        .contains("accedi di nuovo"));
    let (status, _) = portal
        .get("/api/household", Some("anagrafe_session=00ff"))
        .await;
    assert_eq!(status, 401, "an unknown token is no session");

    let cookie = portal.login(me).await;
    let (status, body) = portal
        .get("/api/household?date=15/03/2024", Some(&cookie))
        .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_date");
    assert!(
        body["message"].as_str().unwrap().contains("AAAA-MM-GG"),
        "{body}"
    );
    let tomorrow = today() + Duration::days(1);
    let (status, body) = portal
        .get(&format!("/api/household?date={tomorrow}"), Some(&cookie))
        .await;
    assert_eq!(status, 400);
    assert!(body["message"]
        .as_str()
        .unwrap()
        .contains("successiva a oggi"));
    let (status, body) = portal
        .get("/api/household?deceased=forse", Some(&cookie))
        .await;
    assert_eq!(status, 400);
    assert!(body["message"].as_str().unwrap().contains("deceased"));
    let (status, body) = portal
        .get("/api/household/persons/RSSMRA80A01H501X", Some(&cookie))
        .await;
    assert_eq!(status, 400);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("carattere di controllo errato"),
        "{body}"
    );
    let (status, body) = portal
        .get("/api/household?date=1900-01-01", Some(&cookie))
        .await;
    assert_eq!(status, 404);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("non risulti iscritto"),
        "{body}"
    );
    let (status, body) = portal.get("/api/nothing-here", Some(&cookie)).await;
    assert_eq!(status, 404);
    assert_eq!(body["error"], "not_found");

    // Expired sessions are refused.
    portal.clock.advance(Duration::minutes(61));
    let (status, _) = portal.get("/api/household", Some(&cookie)).await;
    assert_eq!(status, 401);
    portal.stop().await;
}
