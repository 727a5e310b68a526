//! "Mio account": the citizen's e-mail and PEC, pre-filled from SPID at first access and
//! editable; used for e-mail delivery.

use serde::{Deserialize, Serialize};

use super::errors::Invalid;
use super::{registry, ServiceResult};
use crate::app::AppState;
use crate::keys;
use crate::ports::{Condition, PortError};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub email: Option<String>,
    pub pec: Option<String>,
    /// An e-mail when an operator reads or certifies the citizen's data.
    #[serde(default)]
    pub notify_operator_access: bool,
}

pub async fn get(app: &AppState, cf: &str) -> ServiceResult<Option<Profile>> {
    registry::get_json(app.store.as_ref(), &keys::profile(cf)).await
}

/// An address as typed: trimmed, empty meaning none, otherwise a valid address; `refusal`
/// words the error.
fn address(value: Option<&str>, refusal: fn(String) -> Invalid) -> Result<Option<String>, Invalid> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) if super::delivery::is_address(v) => Ok(Some(v.to_string())),
        Some(v) => Err(refusal(v.to_string())),
    }
}

/// Validates and stores the profile.
pub async fn update(
    app: &AppState,
    cf: &str,
    email: Option<&str>,
    pec: Option<&str>,
    notify_operator_access: Option<bool>,
) -> ServiceResult<Profile> {
    let notify = match notify_operator_access {
        Some(n) => n,
        None => get(app, cf)
            .await?
            .is_some_and(|p| p.notify_operator_access),
    };
    let profile = Profile {
        email: address(email, Invalid::Email)?,
        pec: address(pec, Invalid::Pec)?,
        notify_operator_access: notify,
    };
    registry::put_json(
        app.store.as_ref(),
        keys::profile(cf),
        &profile,
        Condition::None,
    )
    .await?;
    Ok(profile)
}

/// At first access: the profile from the identity provider's attributes, kept if one exists.
pub async fn enroll(
    app: &AppState,
    cf: &str,
    email: Option<&str>,
    pec: Option<&str>,
) -> ServiceResult<Profile> {
    let profile = Profile {
        email: address(email, Invalid::Email).ok().flatten(),
        pec: address(pec, Invalid::Pec).ok().flatten(),
        notify_operator_access: false,
    };
    let store = app.store.as_ref();
    match registry::put_json(store, keys::profile(cf), &profile, Condition::IfAbsent).await {
        Ok(()) => Ok(profile),
        Err(super::ServiceError::Port(PortError::ConditionFailed)) => {
            Ok(get(app, cf).await?.unwrap_or_default())
        }
        Err(e) => Err(e),
    }
}
