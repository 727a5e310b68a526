use super::{fixture, today};
use crate::services::access::{self, Scope};
use crate::services::errors::Forbidden;
use crate::services::household::{household_of, person_detail};
use crate::services::ServiceError;

#[tokio::test]
async fn a_citizen_reads_their_household_and_no_other() {
    let f = fixture().await;
    let (me, mate) = f.with_mate();
    let stranger = f.stranger_to(me);
    let view = household_of(&f.app, &me.codice_fiscale, None, false)
        .await
        .unwrap();
    assert!(view
        .members
        .iter()
        .any(|m| m.codice_fiscale == mate.codice_fiscale));
    assert!(view
        .members
        .iter()
        .all(|m| m.codice_fiscale != stranger.codice_fiscale));
    let detail = person_detail(&f.app, &me.codice_fiscale, &mate.codice_fiscale, None).await;
    assert!(detail.is_ok());
    let other = person_detail(&f.app, &me.codice_fiscale, &stranger.codice_fiscale, None).await;
    assert!(matches!(
        other,
        Err(ServiceError::Forbidden(Forbidden::HouseholdScope))
    ));
    // A date in the future is refused.
    let later = today() + chrono::Duration::days(1);
    assert!(household_of(&f.app, &me.codice_fiscale, Some(later), false)
        .await
        .is_err());
}

#[tokio::test]
async fn documents_online_only_for_the_household_and_any_for_operators() {
    let f = fixture().await;
    let (me, mate) = f.with_mate();
    let stranger = f.stranger_to(me);
    let (_, citizen) = f.session(me, false).await;
    let (_, operator) = f.session(me, true).await;
    let target = |who: &crate::services::sessions::Session, cf: &str, scope| {
        let (app, cf, who) = (f.app.clone(), cf.to_string(), who.clone());
        async move { access::target(&app, &who, &cf, scope).await }
    };
    assert!(target(&citizen, &mate.codice_fiscale, Scope::Household)
        .await
        .is_ok());
    let refused = target(&citizen, &stranger.codice_fiscale, Scope::Household).await;
    assert!(matches!(
        refused,
        Err(ServiceError::Forbidden(Forbidden::CertificateScope))
    ));
    let not_operator = target(&citizen, &stranger.codice_fiscale, Scope::Registry).await;
    assert!(matches!(
        not_operator,
        Err(ServiceError::Forbidden(Forbidden::LiberaOperatorsOnly))
    ));
    assert!(target(&operator, &stranger.codice_fiscale, Scope::Registry)
        .await
        .is_ok());
}
