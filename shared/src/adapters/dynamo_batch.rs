//! Bulk reads and writes of the DynamoDB store (the import's path): BatchWriteItem of 25
//! puts and BatchGetItem of 100 keys, `IN_FLIGHT` requests at a time, and what DynamoDB
//! leaves unprocessed (throttling within the table's capacity) sent again with backoff.

use std::collections::{HashMap, HashSet};
use std::future::Future;

use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes, PutRequest, WriteRequest};
use aws_sdk_dynamodb::Client;

use super::dynamo::DynamoStore;
use crate::ports::{Item, Port, PortError, PortResult};

/// Requests in flight at once: enough to keep a Lambda busy on the network, few enough not to
/// outrun an on-demand table's first burst.
const IN_FLIGHT: usize = 8;
const WRITE_CHUNK: usize = 25;
const READ_CHUNK: usize = 100;
const ATTEMPTS: u32 = 8;

type Attrs = HashMap<String, AttributeValue>;

fn backend(e: impl std::fmt::Display) -> PortError {
    PortError::unavailable(Port::Store, e.to_string())
}

/// Runs the jobs with at most `IN_FLIGHT` at a time; results in the jobs' order, the first
/// error ends it.
async fn parallel<T, F>(jobs: impl IntoIterator<Item = F>) -> PortResult<Vec<T>>
where
    T: Send + 'static,
    F: Future<Output = PortResult<T>> + Send + 'static,
{
    let mut set = tokio::task::JoinSet::new();
    let mut out: Vec<Option<T>> = Vec::new();
    let mut jobs = jobs.into_iter().enumerate();
    loop {
        while set.len() < IN_FLIGHT {
            let Some((i, job)) = jobs.next() else { break };
            out.push(None);
            set.spawn(async move { (i, job.await) });
        }
        let Some(done) = set.join_next().await else {
            break;
        };
        let (i, result) = done.map_err(backend)?;
        out[i] = Some(result?);
    }
    Ok(out.into_iter().map(|r| r.expect("every job ran")).collect())
}

fn backoff(attempt: u32) -> std::time::Duration {
    std::time::Duration::from_millis(25 << attempt)
}

async fn write_chunk(
    client: Client,
    table: String,
    mut requests: Vec<WriteRequest>,
) -> PortResult<()> {
    for attempt in 0..ATTEMPTS {
        let out = client
            .batch_write_item()
            .request_items(&table, requests)
            .send()
            .await
            .map_err(|e| backend(DisplayErrorContext(e)))?;
        requests = out
            .unprocessed_items()
            .and_then(|m| m.get(&table))
            .cloned()
            .unwrap_or_default();
        if requests.is_empty() {
            return Ok(());
        }
        tokio::time::sleep(backoff(attempt)).await;
    }
    Err(backend("batch write left unprocessed items"))
}

async fn read_chunk(client: Client, table: String, keys: Vec<Attrs>) -> PortResult<Vec<Attrs>> {
    let mut found = Vec::new();
    let mut pending = keys;
    for attempt in 0..ATTEMPTS {
        let request = KeysAndAttributes::builder()
            .set_keys(Some(pending))
            .consistent_read(true)
            .build()
            .map_err(backend)?;
        let out = client
            .batch_get_item()
            .request_items(&table, request)
            .send()
            .await
            .map_err(|e| backend(DisplayErrorContext(e)))?;
        if let Some(items) = out.responses().and_then(|r| r.get(&table)) {
            found.extend(items.iter().cloned());
        }
        pending = out
            .unprocessed_keys()
            .and_then(|m| m.get(&table))
            .map(|k| k.keys().to_vec())
            .unwrap_or_default();
        if pending.is_empty() {
            return Ok(found);
        }
        tokio::time::sleep(backoff(attempt)).await;
    }
    Err(backend("batch read left unprocessed keys"))
}

impl DynamoStore {
    pub(super) async fn write_batches(&self, items: &[Item]) -> PortResult<()> {
        let chunks = items
            .chunks(WRITE_CHUNK)
            .map(|chunk| {
                chunk
                    .iter()
                    .map(|i| {
                        let put = PutRequest::builder().set_item(Some(Self::attrs(i))).build();
                        Ok(WriteRequest::builder()
                            .put_request(put.map_err(backend)?)
                            .build())
                    })
                    .collect::<PortResult<Vec<_>>>()
            })
            .collect::<PortResult<Vec<_>>>()?;
        let (client, table) = (self.client().clone(), self.table().to_string());
        parallel(
            chunks
                .into_iter()
                .map(|c| write_chunk(client.clone(), table.clone(), c)),
        )
        .await?;
        Ok(())
    }

    pub(super) async fn read_batches(
        &self,
        keys: &[(String, String)],
    ) -> PortResult<Vec<Option<Item>>> {
        let unique: Vec<&(String, String)> = {
            let mut seen = HashSet::new();
            keys.iter().filter(|k| seen.insert(*k)).collect()
        };
        let (client, table) = (self.client().clone(), self.table().to_string());
        let chunks: Vec<Vec<Attrs>> = unique
            .chunks(READ_CHUNK)
            .map(|chunk| chunk.iter().map(|(pk, sk)| Self::key(pk, sk)).collect())
            .collect();
        let jobs = chunks
            .into_iter()
            .map(|keys| read_chunk(client.clone(), table.clone(), keys));
        let mut by_key: HashMap<(String, String), Item> = HashMap::new();
        for attrs in parallel(jobs).await?.into_iter().flatten() {
            if let Some(item) = self.item(&attrs) {
                by_key.insert((item.pk.clone(), item.sk.clone()), item);
            }
        }
        Ok(keys.iter().map(|k| by_key.get(k).cloned()).collect())
    }
}
