//! "Mio account": the citizen's e-mail and PEC, pre-filled from SPID at first access and
//! editable; used for e-mail delivery.

use serde::{Deserialize, Serialize};

use super::{registry, ServiceError, ServiceResult};
use crate::ports::{Condition, Item, RegistryStore};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub email: Option<String>,
    pub pec: Option<String>,
}

fn pk(cf: &str) -> String {
    format!("PROFILO#{cf}")
}

pub async fn get(store: &dyn RegistryStore, cf: &str) -> ServiceResult<Option<Profile>> {
    registry::get_json(store, &pk(cf), "A").await
}

/// An address as typed: trimmed, empty meaning none, otherwise a valid address.
fn address(value: Option<&str>, what: &str) -> ServiceResult<Option<String>> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) if v.len() <= 254 && v.parse::<lettre::Address>().is_ok() => {
            Ok(Some(v.to_string()))
        }
        Some(v) => Err(ServiceError::invalid(
            "invalid_email",
            format!("Indirizzo {what} non valido: \"{v}\"."),
        )),
    }
}

/// Validates and stores the profile.
pub async fn update(
    store: &dyn RegistryStore,
    cf: &str,
    email: Option<&str>,
    pec: Option<&str>,
) -> ServiceResult<Profile> {
    let profile = Profile {
        email: address(email, "e-mail")?,
        pec: address(pec, "PEC")?,
    };
    store
        .put(
            Item::new(pk(cf), "A", serde_json::to_vec(&profile)?),
            Condition::None,
        )
        .await?;
    Ok(profile)
}

/// At first access: the profile from the identity provider's attributes, kept if one exists.
pub async fn enroll(
    store: &dyn RegistryStore,
    cf: &str,
    email: Option<&str>,
    pec: Option<&str>,
) -> ServiceResult<Profile> {
    let profile = Profile {
        email: address(email, "e-mail").ok().flatten(),
        pec: address(pec, "PEC").ok().flatten(),
    };
    match store
        .put(
            Item::new(pk(cf), "A", serde_json::to_vec(&profile)?),
            Condition::IfAbsent,
        )
        .await
    {
        Ok(()) => Ok(profile),
        Err(crate::ports::StoreError::ConditionFailed) => {
            Ok(get(store, cf).await?.unwrap_or_default())
        }
        Err(e) => Err(e.into()),
    }
}
