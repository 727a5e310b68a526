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
