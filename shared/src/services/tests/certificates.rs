use super::fixture;
use crate::domain::certificate::Channel;
use crate::services::certificates::{issue, BolloInput, IssueOutcome, Request};
use crate::services::errors::Conflict;
use crate::services::ServiceError;

fn request(person: &str, type_id: &str, uso: &str, marca: Option<&str>) -> Request {
    Request {
        person: person.into(),
        type_id: type_id.into(),
        uso: uso.into(),
        bollo: marca.map(|id| BolloInput {
            id: id.into(),
            date: "2026-11-20".into(),
            online: false,
        }),
        facts: vec![],
    }
}

#[tokio::test]
async fn a_marca_serves_one_certificate_and_its_retry_is_the_same_certificate() {
    let f = fixture().await;
    let (me, mate) = f.with_mate();
    let (_, s) = f.session(me, false).await;
    let first = request(
        &me.codice_fiscale,
        "residenza",
        "uso_privato",
        Some("01234567890123"),
    );
    let a = issue(&f.app, &s, &first, &Channel::Citizen, None)
        .await
        .unwrap();
    assert_eq!(a.outcome, IssueOutcome::New);
    assert!(a.pdf.starts_with(b"%PDF-") && a.link.is_some());

    // The same request again: the same certificate, no second issue.
    let b = issue(&f.app, &s, &first, &Channel::Citizen, None)
        .await
        .unwrap();
    assert_eq!(b.outcome, IssueOutcome::AlreadyIssued);
    assert_eq!(
        (b.record.id.as_str(), b.pdf.as_slice()),
        (a.record.id.as_str(), a.pdf.as_slice())
    );

    // Another request with the same marca is refused, whoever asks.
    let other = request(
        &mate.codice_fiscale,
        "residenza",
        "uso_privato",
        Some("01234567890123"),
    );
    let refused = issue(&f.app, &s, &other, &Channel::Citizen, None).await;
    assert!(
        matches!(&refused, Err(ServiceError::Conflict(Conflict::BolloAlreadyUsed(m))) if m == "01234567890123"),
        "{refused:?}"
    );
}

#[tokio::test]
async fn an_idempotency_key_gives_the_same_certificate_once() {
    let f = fixture().await;
    let (me, _) = f.with_mate();
    let (_, s) = f.session(me, false).await;
    let req = request(&me.codice_fiscale, "stato_famiglia", "pensioni", None);
    let a = issue(&f.app, &s, &req, &Channel::Citizen, Some("k-1"))
        .await
        .unwrap();
    let b = issue(&f.app, &s, &req, &Channel::Citizen, Some("k-1"))
        .await
        .unwrap();
    assert_eq!(a.record.id, b.record.id);
    assert_eq!(b.outcome, IssueOutcome::AlreadyIssued);
    // Without a key, an exempt certificate is a new one each time.
    let c = issue(&f.app, &s, &req, &Channel::Citizen, None)
        .await
        .unwrap();
    assert_ne!(c.record.id, a.record.id);
    // The same key for another request is a conflict.
    let other = request(&me.codice_fiscale, "residenza", "pensioni", None);
    let clash = issue(&f.app, &s, &other, &Channel::Citizen, Some("k-1")).await;
    assert!(matches!(
        clash,
        Err(ServiceError::Conflict(Conflict::IdempotencyKeyReused))
    ));
}

/// A process killed between archiving an original and writing its record leaves a marker:
/// the sweep removes that original once the marker is a minute old, and only that one.
#[tokio::test]
async fn the_sweep_removes_the_original_of_an_attempt_that_never_got_its_record() {
    let f = fixture().await;
    let (me, _) = f.with_mate();
    let (_, s) = f.session(me, false).await;
    let req = request(&me.codice_fiscale, "residenza", "pensioni", None);
    let issued = issue(&f.app, &s, &req, &Channel::Citizen, None)
        .await
        .unwrap();
    let markers = crate::keys::archivings();
    let left = crate::ports::query_all(f.app.store.as_ref(), &markers)
        .await
        .unwrap();
    assert!(left.is_empty(), "a recorded original leaves no marker");
    // The crashed attempt: its marker and its original, no record.
    let key = crate::keys::certificate_file(2026, "ZZZZ-ZZZZ-ZZZZ", "ABCDEF");
    let marker = serde_json::json!({"certificate": "ZZZZ-ZZZZ-ZZZZ", "archive_key": key, "at": f.clock.now_utc()});
    let item = crate::ports::Item::at(
        crate::keys::archiving(&key),
        marker.to_string().into_bytes(),
    );
    f.app
        .store
        .put(item, crate::ports::Condition::None)
        .await
        .unwrap();
    let until = f.clock.now_utc() + chrono::Duration::days(183);
    f.app
        .archive
        .put(&key, b"%PDF orphan", until)
        .await
        .unwrap();
    let sweep = crate::services::certificates::intent::sweep;
    assert_eq!(
        sweep(&f.app).await.unwrap().removed,
        0,
        "an attempt may still be running"
    );
    assert!(f.app.archive.get(&key).await.unwrap().is_some());
    f.clock.advance(chrono::Duration::seconds(61));
    let swept = sweep(&f.app).await.unwrap();
    assert_eq!((swept.checked, swept.removed), (1, 1));
    assert!(
        f.app.archive.get(&key).await.unwrap().is_none(),
        "the orphan is gone"
    );
    let kept = f.app.archive.get(&issued.record.archive_key).await.unwrap();
    assert!(kept.is_some(), "the recorded original stays");
    assert_eq!(
        sweep(&f.app).await.unwrap(),
        Default::default(),
        "idempotent"
    );
}
