//! `RegistryStore` on one DynamoDB table: partition key `pk` (S), sort key `sk` (S), payload
//! `data` (B), expiry `ttl` (N, Unix seconds; the table's TTL attribute), counters in `n` (N).
//! Expired items are filtered by the code (DynamoDB deletes them only eventually).

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::{AttributeValue, Put, ReturnValue, TransactWriteItem};
use aws_sdk_dynamodb::Client;
use chrono::{DateTime, Utc};

use crate::ports::{Clock, Condition, Item, Page, Port, PortError, PortResult, RegistryStore};

pub struct DynamoStore {
    client: Client,
    table: String,
    clock: Arc<dyn Clock>,
}

fn backend(e: impl std::fmt::Display) -> PortError {
    PortError::unavailable(Port::Store, e.to_string())
}

/// The DynamoDB error code of a failed call, if any.
fn code<E: ProvideErrorMetadata>(e: &aws_sdk_dynamodb::error::SdkError<E>) -> Option<&str> {
    e.as_service_error().and_then(|s| s.code())
}

const LIVE: &str = "attribute_not_exists(#ttl) OR #ttl > :now";
const ABSENT: &str = "attribute_not_exists(pk) OR #ttl <= :now";

impl DynamoStore {
    pub fn new(client: Client, table: impl Into<String>, clock: Arc<dyn Clock>) -> Self {
        DynamoStore {
            client,
            table: table.into(),
            clock,
        }
    }

    fn now(&self) -> AttributeValue {
        AttributeValue::N(self.clock.now().timestamp().to_string())
    }

    pub(super) fn client(&self) -> &Client {
        &self.client
    }

    pub(super) fn table(&self) -> &str {
        &self.table
    }

    pub(super) fn attrs(item: &Item) -> HashMap<String, AttributeValue> {
        let mut m = HashMap::from([
            ("pk".to_string(), AttributeValue::S(item.pk.clone())),
            ("sk".to_string(), AttributeValue::S(item.sk.clone())),
            (
                "data".to_string(),
                AttributeValue::B(Blob::new(item.data.clone())),
            ),
        ]);
        if let Some(t) = item.expires_at {
            m.insert("ttl".into(), AttributeValue::N(t.to_string()));
        }
        m
    }

    pub(super) fn key(pk: &str, sk: &str) -> HashMap<String, AttributeValue> {
        HashMap::from([
            ("pk".to_string(), AttributeValue::S(pk.into())),
            ("sk".to_string(), AttributeValue::S(sk.into())),
        ])
    }

    /// An item from its attributes, or None when expired.
    pub(super) fn item(&self, m: &HashMap<String, AttributeValue>) -> Option<Item> {
        let s = |k: &str| m.get(k).and_then(|v| v.as_s().ok()).cloned();
        let expires_at = m
            .get("ttl")
            .and_then(|v| v.as_n().ok())
            .and_then(|n| n.parse::<i64>().ok());
        if expires_at.is_some_and(|t| t <= self.clock.now().timestamp()) {
            return None;
        }
        let data = match (
            m.get("data").and_then(|v| v.as_b().ok()),
            m.get("n").and_then(|v| v.as_n().ok()),
        ) {
            (Some(b), _) => b.as_ref().to_vec(),
            (None, Some(n)) => n.as_bytes().to_vec(),
            (None, None) => Vec::new(),
        };
        Some(Item {
            pk: s("pk")?,
            sk: s("sk")?,
            data,
            expires_at,
        })
    }
}

#[async_trait]
impl RegistryStore for DynamoStore {
    async fn get(&self, pk: &str, sk: &str) -> PortResult<Option<Item>> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(Self::key(pk, sk)))
            .consistent_read(true)
            .send()
            .await
            .map_err(backend)?;
        Ok(out.item().and_then(|m| self.item(m)))
    }

    async fn put(&self, item: Item, condition: Condition) -> PortResult<()> {
        let mut req = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(Self::attrs(&item)));
        if condition == Condition::IfAbsent {
            req = req
                .condition_expression(ABSENT)
                .expression_attribute_names("#ttl", "ttl")
                .expression_attribute_values(":now", self.now());
        }
        match req.send().await {
            Ok(_) => Ok(()),
            Err(e) if code(&e) == Some("ConditionalCheckFailedException") => {
                Err(PortError::ConditionFailed)
            }
            Err(e) => Err(backend(aws_sdk_dynamodb::error::DisplayErrorContext(e))),
        }
    }

    async fn transact(&self, items: Vec<(Item, Condition)>) -> PortResult<()> {
        let mut writes = Vec::with_capacity(items.len());
        for (item, cond) in &items {
            let mut put = Put::builder()
                .table_name(&self.table)
                .set_item(Some(Self::attrs(item)));
            if *cond == Condition::IfAbsent {
                put = put
                    .condition_expression(ABSENT)
                    .expression_attribute_names("#ttl", "ttl")
                    .expression_attribute_values(":now", self.now());
            }
            writes.push(
                TransactWriteItem::builder()
                    .put(put.build().map_err(backend)?)
                    .build(),
            );
        }
        match self
            .client
            .transact_write_items()
            .set_transact_items(Some(writes))
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) => {
                let failed_condition = e
                    .as_service_error()
                    .and_then(|s| match s {
                        aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError::TransactionCanceledException(t) => Some(t),
                        _ => None,
                    })
                    .is_some_and(|t| t.cancellation_reasons().iter().any(|r| r.code() == Some("ConditionalCheckFailed")));
                if failed_condition {
                    Err(PortError::ConditionFailed)
                } else {
                    Err(backend(aws_sdk_dynamodb::error::DisplayErrorContext(e)))
                }
            }
        }
    }

    async fn put_batch(&self, items: Vec<Item>) -> PortResult<()> {
        self.write_batches(&items).await
    }

    async fn get_many(&self, keys: &[(String, String)]) -> PortResult<Vec<Option<Item>>> {
        self.read_batches(keys).await
    }

    async fn delete(&self, pk: &str, sk: &str) -> PortResult<()> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(Self::key(pk, sk)))
            .send()
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn query(
        &self,
        pk: &str,
        sk_prefix: &str,
        after: Option<&str>,
        limit: usize,
    ) -> PortResult<Page> {
        let mut items = Vec::new();
        let mut start = after.map(|a| Self::key(pk, a));
        loop {
            let mut req = self
                .client
                .query()
                .table_name(&self.table)
                .consistent_read(true)
                .expression_attribute_names("#ttl", "ttl")
                .expression_attribute_values(":pk", AttributeValue::S(pk.into()))
                .expression_attribute_values(":now", self.now())
                .filter_expression(LIVE)
                .limit((limit - items.len()).max(1) as i32)
                .set_exclusive_start_key(start.take());
            req = if sk_prefix.is_empty() {
                req.key_condition_expression("pk = :pk")
            } else {
                req.key_condition_expression("pk = :pk AND begins_with(sk, :p)")
                    .expression_attribute_values(":p", AttributeValue::S(sk_prefix.into()))
            };
            let out = req
                .send()
                .await
                .map_err(|e| backend(aws_sdk_dynamodb::error::DisplayErrorContext(e)))?;
            items.extend(out.items().iter().filter_map(|m| self.item(m)));
            match out.last_evaluated_key() {
                Some(k) if items.len() < limit => start = Some(k.clone()),
                Some(_) => {
                    let next = items.last().map(|i| i.sk.clone());
                    return Ok(Page { items, next });
                }
                None => return Ok(Page { items, next: None }),
            }
        }
    }

    async fn increment(
        &self,
        pk: &str,
        sk: &str,
        by: i64,
        expires_at: Option<DateTime<Utc>>,
    ) -> PortResult<i64> {
        // A live (or absent) counter is incremented in place ...
        let mut req = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(Self::key(pk, sk)))
            .expression_attribute_names("#ttl", "ttl")
            .expression_attribute_values(":by", AttributeValue::N(by.to_string()))
            .expression_attribute_values(":now", self.now())
            .condition_expression(LIVE)
            .return_values(ReturnValue::UpdatedNew);
        req = match expires_at {
            Some(e) => req
                .update_expression("ADD n :by SET #ttl = if_not_exists(#ttl, :exp)")
                .expression_attribute_values(":exp", AttributeValue::N(e.timestamp().to_string())),
            None => req.update_expression("ADD n :by"),
        };
        match req.send().await {
            Ok(out) => out
                .attributes()
                .and_then(|a| a.get("n"))
                .and_then(|v| v.as_n().ok())
                .and_then(|n| n.parse().ok())
                .ok_or_else(|| PortError::unavailable(Port::Store, "counter without value")),
            // ... an expired one starts again from zero.
            Err(e) if code(&e) == Some("ConditionalCheckFailedException") => {
                let mut item = HashMap::from([
                    ("pk".to_string(), AttributeValue::S(pk.into())),
                    ("sk".to_string(), AttributeValue::S(sk.into())),
                    ("n".to_string(), AttributeValue::N(by.to_string())),
                ]);
                if let Some(e) = expires_at {
                    item.insert("ttl".into(), AttributeValue::N(e.timestamp().to_string()));
                }
                match self
                    .client
                    .put_item()
                    .table_name(&self.table)
                    .set_item(Some(item))
                    .condition_expression("#ttl <= :now")
                    .expression_attribute_names("#ttl", "ttl")
                    .expression_attribute_values(":now", self.now())
                    .send()
                    .await
                {
                    Ok(_) => Ok(by),
                    // Someone restarted it first: count on top of theirs.
                    Err(e) if code(&e) == Some("ConditionalCheckFailedException") => {
                        Box::pin(self.increment(pk, sk, by, expires_at)).await
                    }
                    Err(e) => Err(backend(aws_sdk_dynamodb::error::DisplayErrorContext(e))),
                }
            }
            Err(e) => Err(backend(aws_sdk_dynamodb::error::DisplayErrorContext(e))),
        }
    }
}
