//! pagoPA inside the local runner: debt positions and carts in the `RegistryStore`, a
//! checkout page (served by the runner) where the citizen picks a fake PSP and pays or
//! cancels, receipts issued by the fake PSP, with the @e.bollo receipt signed by its key
//! (`<DATA_DIR>/pagopa/`). A notice is paid at most once.

pub mod marca;
mod psp;

use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::keys;
use crate::ports::{
    CartItem, Clock, Condition, DebtPosition, Item, Payments, PortError, PortResult, PositionState,
    PositionStatus, ReturnUrls, TransferKind,
};
pub use psp::{Psp, PSPS};

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Stored {
    position: DebtPosition,
    status: PositionStatus,
}

/// A cart as the checkout page shows it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Cart {
    pub id: String,
    pub items: Vec<(String, u64, String)>,
    pub ok: String,
    pub cancel: String,
    pub error: String,
}

/// How the citizen's choice at the checkout ended: where to send them back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Paid(String),
    Cancelled(String),
    /// The PSP refused, or a notice was not payable (already paid, cancelled, expired).
    Failed(String),
}

pub struct LocalPagoPa {
    store: Arc<dyn crate::ports::RegistryStore>,
    clock: Arc<dyn Clock>,
    base_url: String,
    psp: psp::PspKey,
}

fn corrupt(e: serde_json::Error) -> PortError {
    PortError::Corrupt(format!("pagoPA stand-in: {e}"))
}

fn json<T: Serialize>(v: &T) -> PortResult<Vec<u8>> {
    serde_json::to_vec(v).map_err(corrupt)
}

impl LocalPagoPa {
    pub fn open(
        dir: &Path,
        store: Arc<dyn crate::ports::RegistryStore>,
        clock: Arc<dyn Clock>,
        base_url: &str,
    ) -> PortResult<Self> {
        Ok(LocalPagoPa {
            psp: psp::PspKey::open_or_create(dir)?,
            store,
            clock,
            base_url: base_url.trim_end_matches('/').to_string(),
        })
    }

    /// The fake PSP's certificate (DER), to trust its @e.bollo signatures.
    pub fn psp_certificate(&self) -> &[u8] {
        &self.psp.certificate_der
    }

    async fn read<T: for<'de> Deserialize<'de>>(&self, key: keys::Key) -> PortResult<Option<T>> {
        match self.store.get(&key.pk, &key.sk).await? {
            Some(item) => Ok(Some(serde_json::from_slice(&item.data).map_err(corrupt)?)),
            None => Ok(None),
        }
    }

    async fn position_of(&self, nav: &str) -> PortResult<Option<Stored>> {
        let Some(iupd) = self.read::<String>(keys::standin_notice(nav)).await? else {
            return Ok(None);
        };
        self.read(keys::standin_position(&iupd)).await
    }

    pub async fn cart(&self, id: &str) -> PortResult<Option<Cart>> {
        self.read(keys::standin_cart(id)).await
    }

    /// Cancels at the checkout: nothing is paid.
    pub async fn cancel(&self, cart: &str) -> PortResult<Option<Outcome>> {
        Ok(self.cart(cart).await?.map(|c| Outcome::Cancelled(c.cancel)))
    }

    /// Pays every notice of the cart through `psp`.
    pub async fn pay(&self, cart: &str, psp: &Psp) -> PortResult<Option<Outcome>> {
        let Some(c) = self.cart(cart).await? else {
            return Ok(None);
        };
        if psp.fails {
            return Ok(Some(Outcome::Failed(c.error)));
        }
        for (nav, _, _) in &c.items {
            let Some(mut s) = self.position_of(nav).await? else {
                return Ok(Some(Outcome::Failed(c.error)));
            };
            if s.status.state != PositionState::Unpaid || s.position.due <= self.clock.now() {
                return Ok(Some(Outcome::Failed(c.error)));
            }
            let receipt = self.psp.receipt(&s.position, psp, self.clock.now());
            s.status = PositionStatus {
                state: PositionState::Paid,
                receipts: vec![receipt],
            };
            let iupd = &s.position.iupd;
            let items = vec![
                (
                    Item::at(keys::standin_paid(iupd), b"{}".to_vec()),
                    Condition::IfAbsent,
                ),
                (
                    Item::at(keys::standin_position(iupd), json(&s)?),
                    Condition::None,
                ),
            ];
            match self.store.transact(items).await {
                Ok(()) => {}
                Err(PortError::ConditionFailed) => return Ok(Some(Outcome::Failed(c.error))),
                Err(e) => return Err(e),
            }
        }
        Ok(Some(Outcome::Paid(c.ok)))
    }
}

#[async_trait]
impl Payments for LocalPagoPa {
    async fn create(&self, p: &DebtPosition) -> PortResult<()> {
        let stamps = p
            .transfers
            .iter()
            .filter(|t| matches!(t.kind, TransferKind::Stamp { .. }));
        let sum: u64 = p.transfers.iter().map(|t| t.amount_cents).sum();
        if p.transfers.is_empty()
            || p.transfers.len() > 5
            || sum != p.amount_cents
            || stamps.count() > 1
        {
            return Err(PortError::Corrupt(
                "a debt position whose transfers do not add up".into(),
            ));
        }
        let stored = Stored {
            position: p.clone(),
            status: PositionStatus {
                state: PositionState::Unpaid,
                receipts: vec![],
            },
        };
        let items = vec![
            (
                Item::at(keys::standin_position(&p.iupd), json(&stored)?),
                Condition::IfAbsent,
            ),
            (
                Item::at(keys::standin_notice(&p.notice.nav), json(&p.iupd)?),
                Condition::IfAbsent,
            ),
        ];
        self.store.transact(items).await
    }

    async fn checkout(
        &self,
        items: &[CartItem],
        back: &ReturnUrls,
        _email: Option<&str>,
    ) -> PortResult<String> {
        if items.is_empty() || items.len() > 5 {
            return Err(PortError::Corrupt(
                "a cart holds one to five notices".into(),
            ));
        }
        let cart = Cart {
            id: crate::services::applications::new_id(),
            items: items
                .iter()
                .map(|i| (i.nav.clone(), i.amount_cents, i.description.clone()))
                .collect(),
            ok: back.ok.clone(),
            cancel: back.cancel.clone(),
            error: back.error.clone(),
        };
        let expires = self.clock.now() + chrono::Duration::hours(1);
        let item = Item::at(keys::standin_cart(&cart.id), json(&cart)?).expiring(expires);
        self.store.put(item, Condition::IfAbsent).await?;
        Ok(format!("{}/pagopa/checkout/{}", self.base_url, cart.id))
    }

    async fn status(&self, iupd: &str) -> PortResult<Option<PositionStatus>> {
        let Some(mut s) = self.read::<Stored>(keys::standin_position(iupd)).await? else {
            return Ok(None);
        };
        if s.status.state == PositionState::Unpaid && s.position.due <= self.clock.now() {
            s.status.state = PositionState::Expired;
        }
        Ok(Some(s.status))
    }

    async fn invalidate(&self, iupd: &str) -> PortResult<()> {
        // Like GPD's 404: nothing to cancel.
        let Some(mut s) = self.read::<Stored>(keys::standin_position(iupd)).await? else {
            return Ok(());
        };
        match s.status.state {
            PositionState::Paid => Err(PortError::ConditionFailed),
            PositionState::Invalid => Ok(()),
            _ => {
                s.status.state = PositionState::Invalid;
                // The paid marker closes the notice to any later payment.
                let items = vec![
                    (
                        Item::at(keys::standin_paid(iupd), b"{}".to_vec()),
                        Condition::IfAbsent,
                    ),
                    (
                        Item::at(keys::standin_position(iupd), json(&s)?),
                        Condition::None,
                    ),
                ];
                self.store.transact(items).await
            }
        }
    }
}
