use super::fixture;
use crate::services::import::import;

#[tokio::test]
async fn importing_the_same_export_again_writes_nothing() {
    let f = fixture().await;
    let again = import(&f.app, f.export.as_slice()).await.unwrap();
    assert!(again.errors.is_empty());
    assert_eq!(again.written, 0);
    assert_eq!(again.unchanged, again.persons + again.households);
    assert!(again.persons >= 60);
}

/// The file's order does not matter: persons may come before their household, and a
/// household absent from both the file and the store is reported at the person's line.
#[tokio::test]
async fn persons_may_come_before_their_household_in_the_file() {
    let f = fixture().await;
    let lines: Vec<&str> = std::str::from_utf8(&f.export).unwrap().lines().collect();
    let mut reversed: Vec<String> = lines.iter().rev().map(|l| l.to_string()).collect();
    // A new household and its member, the member first; and a member of nowhere.
    let mut newcomer = f.persons[0].clone();
    let stranger = f.persons[1].clone();
    newcomer.famiglia[0].value.famiglia = "F999999".into();
    newcomer.famiglia.truncate(1);
    let mut orphan = stranger.clone();
    orphan.famiglia[0].value.famiglia = "F888888".into();
    orphan.famiglia.truncate(1);
    let line = |r: &crate::services::import::Record| serde_json::to_string(r).unwrap();
    use crate::services::import::Record;
    reversed.insert(0, line(&Record::Persona(Box::new(newcomer.clone()))));
    reversed.insert(1, line(&Record::Persona(Box::new(orphan))));
    reversed.push(r#"{"famiglia":{"id":"F999999","specie":"famiglia"}}"#.into());
    let file = reversed.join("\n");
    let report = import(&f.app, file.as_bytes()).await.unwrap();
    // The two changed persons clash with the file's own lines for them (same codice fiscale).
    let messages: Vec<(usize, &str)> = report
        .errors
        .iter()
        .map(|e| (e.line, e.message.as_str()))
        .collect();
    assert!(
        messages
            .iter()
            .any(|(n, m)| *n == 2 && m.contains("famiglia sconosciuta \"F888888\"")),
        "{report}"
    );
    assert!(
        report
            .errors
            .iter()
            .all(|e| e.line == 2 || e.message.contains("persona ripetuta")),
        "{report}"
    );
    let stored = crate::services::registry::person(f.app.store.as_ref(), &newcomer.codice_fiscale)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.famiglia[0].value.famiglia, "F999999");
    assert!(
        crate::services::registry::household(f.app.store.as_ref(), "F999999")
            .await
            .unwrap()
            .is_some()
    );
}
