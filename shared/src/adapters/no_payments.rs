//! Payments in a cloud stack without pagoPA's settings: every call answers "not
//! configured", so the portal says online payment is not active instead of failing.

use async_trait::async_trait;

use crate::ports::{
    CartItem, DebtPosition, Payments, PortError, PortResult, PositionStatus, ReturnUrls,
};

pub struct NoPayments;

const WHY: PortError = PortError::NotConfigured("pagoPA (PAGOPA_GPD_URL)");

#[async_trait]
impl Payments for NoPayments {
    async fn create(&self, _: &DebtPosition) -> PortResult<()> {
        Err(WHY)
    }

    async fn checkout(
        &self,
        _: &[CartItem],
        _: &ReturnUrls,
        _: Option<&str>,
    ) -> PortResult<String> {
        Err(WHY)
    }

    async fn status(&self, _: &str) -> PortResult<Option<PositionStatus>> {
        Err(WHY)
    }

    async fn invalidate(&self, _: &str) -> PortResult<()> {
        Err(WHY)
    }
}
