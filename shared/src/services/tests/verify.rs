use chrono::Duration;

use super::fixture;
use crate::domain::certificate::Channel;
use crate::services::certificates::{issue, Issued, Request};
use crate::services::verify::{
    by_form, by_link, Outcome, LOCK_MINUTES, MAX_WRONG, MAX_WRONG_TOTAL,
};

/// A certificate of residence `me` requests for themselves (exempt).
async fn residenza(f: &super::Fixture, me: &crate::domain::person::Persona) -> Issued {
    let (_, s) = f.session(me, false).await;
    let req = Request {
        person: me.codice_fiscale.clone(),
        type_id: "residenza".into(),
        uso: "pensioni".into(),
        ..Request::default()
    };
    issue(&f.app, &s, &req, &Channel::Citizen, None)
        .await
        .unwrap()
}

#[tokio::test]
async fn wrong_names_lock_the_manual_form_and_the_lock_expires() {
    let f = fixture().await;
    let (me, _) = f.with_mate();
    let issued = residenza(&f, me).await;
    let id = issued.record.id.clone();
    let ok = by_form(&f.app, "client-a", &id, &me.cognome, &me.nome)
        .await
        .unwrap();
    assert!(matches!(ok, Outcome::Valid(_)));
    for _ in 0..MAX_WRONG {
        let wrong = by_form(&f.app, "client-a", &id, "Sbagliato", &me.nome)
            .await
            .unwrap();
        assert_eq!(wrong, Outcome::NotFound);
    }
    let locked = by_form(&f.app, "client-a", &id, &me.cognome, &me.nome)
        .await
        .unwrap();
    let until = f.clock.now_utc() + Duration::minutes(LOCK_MINUTES);
    assert!(
        matches!(locked, Outcome::Locked { certificate: true, until: Some(t) } if (t - until).num_seconds().abs() <= 1),
        "{locked:?}"
    );
    // Whoever saw the printed ID cannot lock the bank clerk out: another client verifies.
    let clerk = by_form(&f.app, "client-b", &id, &me.cognome, &me.nome)
        .await
        .unwrap();
    assert!(matches!(clerk, Outcome::Valid(_)), "{clerk:?}");
    // The QR link still works: it carries a secret that cannot be guessed.
    let k = issued.link.unwrap().split("k=").nth(1).unwrap().to_string();
    assert!(matches!(
        by_link(&f.app, &id, &k).await.unwrap(),
        Outcome::Valid(_)
    ));
    f.clock.advance(Duration::minutes(LOCK_MINUTES + 1));
    let again = by_form(&f.app, "client-a", &id, &me.cognome, &me.nome)
        .await
        .unwrap();
    assert!(matches!(again, Outcome::Valid(_)), "{again:?}");
}

#[tokio::test]
async fn many_clients_together_meet_a_much_higher_ceiling() {
    let f = fixture().await;
    let (me, _) = f.with_mate();
    let id = residenza(&f, me).await.record.id;
    for n in 0..MAX_WRONG_TOTAL {
        let client = format!("client-{}", n / (MAX_WRONG - 1));
        let wrong = by_form(&f.app, &client, &id, "Sbagliato", &me.nome)
            .await
            .unwrap();
        assert_eq!(wrong, Outcome::NotFound, "attempt {n}");
    }
    let fresh = by_form(&f.app, "client-new", &id, &me.cognome, &me.nome)
        .await
        .unwrap();
    assert!(
        matches!(
            fresh,
            Outcome::Locked {
                certificate: true,
                ..
            }
        ),
        "{fresh:?}"
    );
}
