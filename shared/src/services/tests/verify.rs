use chrono::Duration;

use super::fixture;
use crate::domain::certificate::Channel;
use crate::services::certificates::{issue, Request};
use crate::services::verify::{by_form, by_link, Outcome, LOCK_MINUTES, MAX_WRONG};

#[tokio::test]
async fn wrong_names_lock_the_manual_form_and_the_lock_expires() {
    let f = fixture().await;
    let (me, _) = f.with_mate();
    let (_, s) = f.session(me, false).await;
    let req = Request {
        person: me.codice_fiscale.clone(),
        type_id: "residenza".into(),
        uso: "pensioni".into(),
        ..Request::default()
    };
    let issued = issue(&f.app, &s, &req, &Channel::Citizen, None)
        .await
        .unwrap();
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
    assert!(
        matches!(locked, Outcome::Locked { certificate: true }),
        "{locked:?}"
    );
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
