use chrono::Duration;

use super::fixture;
use crate::services::sessions::{self, IDLE_MINUTES, LIFETIME_MINUTES};

#[tokio::test]
async fn a_session_ends_when_idle_or_at_its_lifetime() {
    let f = fixture().await;
    let p = &f.persons[0];
    let (token, _) = f.session(p, false).await;
    assert!(sessions::get(&f.app, &token).await.unwrap().is_some());
    f.clock.advance(Duration::minutes(IDLE_MINUTES + 1));
    assert!(
        sessions::get(&f.app, &token).await.unwrap().is_none(),
        "idle"
    );

    let (token, _) = f.session(p, false).await;
    // Used every 15 minutes, it still ends at its absolute lifetime.
    for _ in 0..(LIFETIME_MINUTES / 15 - 1) {
        f.clock.advance(Duration::minutes(15));
        assert!(sessions::get(&f.app, &token).await.unwrap().is_some());
    }
    f.clock.advance(Duration::minutes(16));
    assert!(
        sessions::get(&f.app, &token).await.unwrap().is_none(),
        "lifetime"
    );
    // A malformed token is simply no session.
    assert!(sessions::get(&f.app, "x").await.unwrap().is_none());
}
