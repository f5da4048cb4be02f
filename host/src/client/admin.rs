//! [`Client`]: a handle on one server that reconnects with backoff, and the administrative
//! requests (topics, offsets, groups, plugins). Producers and consumers are built on it.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Mutex;

use super::connection::{Connection, EncodedRequest, FetchedRecords};
use super::error::ClientError;
use crate::group::PartitionName;
use crate::protocol::messages::groups::{GroupInfo, GroupSummary};
use crate::protocol::messages::offsets::{
    CommitOffsets, FetchOffsets, OffsetCommit, ResetOffsets, WireResetScope, WireResetTo,
};
use crate::protocol::messages::plugins::PluginList;
use crate::protocol::messages::records::{ListOffset, WireOffsetSpec};
use crate::protocol::messages::topics::{ConfigChange, CreateTopic, TopicInfo};
use crate::protocol::{DEFAULT_MAX_FRAME_BYTES, Request, Response};

/// How a client connects and reconnects.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Names this client in the server's logs (Kafka's `client.id`).
    pub client_id: String,
    /// First pause before reconnecting; doubles up to `max_backoff`.
    pub backoff: Duration,
    pub max_backoff: Duration,
    /// How long a request keeps trying to reach the server before it fails.
    pub reconnect_timeout: Duration,
    /// Largest answer read.
    pub max_frame_bytes: usize,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            client_id: "regroup-client".to_owned(),
            backoff: Duration::from_millis(50),
            max_backoff: Duration::from_secs(2),
            reconnect_timeout: Duration::from_secs(30),
            max_frame_bytes: DEFAULT_MAX_FRAME_BYTES * 2,
        }
    }
}

/// A handle on one server; clones share the connection.
///
/// Every request is retried on a new connection when the connection fails (with a doubling
/// backoff, for up to [`ClientOptions::reconnect_timeout`]); a request the server refused is not.
/// A retried produce may therefore append twice (at-least-once delivery).
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    addr: String,
    options: ClientOptions,
    /// Held across a connect so that concurrent callers wait for one connection.
    connection: Mutex<Option<Arc<Connection>>>,
}

macro_rules! expect_answer {
    ($answer:expr, $request:expr, $pattern:pat => $value:expr) => {
        match $answer {
            $pattern => Ok($value),
            other => Err(ClientError::UnexpectedAnswer {
                request: $request,
                answer: other.kind(),
            }),
        }
    };
}

impl Client {
    /// Connects to `addr` (`host:port`).
    pub async fn connect(addr: &str) -> Result<Client, ClientError> {
        Client::connect_with(addr, ClientOptions::default()).await
    }

    pub async fn connect_with(addr: &str, options: ClientOptions) -> Result<Client, ClientError> {
        let client = Client {
            inner: Arc::new(Inner {
                addr: addr.to_owned(),
                options,
                connection: Mutex::new(None),
            }),
        };
        client.connection().await?;
        Ok(client)
    }

    pub fn addr(&self) -> &str {
        &self.inner.addr
    }

    pub fn options(&self) -> &ClientOptions {
        &self.inner.options
    }

    /// The live connection, connecting (once, with backoff) when there is none.
    pub(crate) async fn connection(&self) -> Result<Arc<Connection>, ClientError> {
        let mut current = self.inner.connection.lock().await;
        if let Some(connection) = current.as_ref().filter(|c| !c.is_closed()) {
            return Ok(Arc::clone(connection));
        }
        let options = &self.inner.options;
        let deadline = tokio::time::Instant::now() + options.reconnect_timeout;
        let mut backoff = options.backoff;
        let connection = loop {
            match Connection::open(&self.inner.addr, &options.client_id, options.max_frame_bytes).await {
                Ok(connection) => break Arc::new(connection),
                Err(error @ ClientError::Refused { .. }) => return Err(error),
                Err(error) if tokio::time::Instant::now() + backoff > deadline => return Err(error),
                Err(error) => {
                    tracing::debug!(%error, ?backoff, "connecting failed; retrying");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(options.max_backoff);
                }
            }
        };
        *current = Some(Arc::clone(&connection));
        Ok(connection)
    }

    /// Sends one request, reconnecting and resending while the connection fails.
    pub(crate) async fn call_encoded(&self, request: &EncodedRequest) -> Result<Response, ClientError> {
        self.with_retries(
            request,
            |connection| async move { connection.call(request).await },
        )
        .await
    }

    /// Sends a fetch (as [`Client::call_encoded`]); the answer comes back decoded into records.
    pub(crate) async fn fetch_records(&self, request: &Request) -> Result<Vec<FetchedRecords>, ClientError> {
        let request = &EncodedRequest::new(request);
        self.with_retries(request, |connection| async move {
            connection.fetch_records(request).await
        })
        .await
    }

    async fn with_retries<T, F>(
        &self,
        request: &EncodedRequest,
        call: impl Fn(Arc<Connection>) -> F,
    ) -> Result<T, ClientError>
    where
        F: Future<Output = Result<T, ClientError>>,
    {
        let options = &self.inner.options;
        let deadline = tokio::time::Instant::now() + options.reconnect_timeout;
        let mut backoff = options.backoff;
        loop {
            let result = match self.connection().await {
                Ok(connection) => call(connection).await,
                Err(error) => Err(error),
            };
            match result {
                Err(error) if error.is_connection() && tokio::time::Instant::now() + backoff < deadline => {
                    tracing::debug!(%error, request = request.kind, "retrying on a new connection");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(options.max_backoff);
                }
                result => return result,
            }
        }
    }

    /// Sends any request; [`Response::Error`] comes back as [`ClientError::Server`].
    pub async fn call(&self, request: &Request) -> Result<Response, ClientError> {
        self.call_encoded(&EncodedRequest::new(request)).await
    }

    pub async fn create_topic(&self, create: CreateTopic) -> Result<TopicInfo, ClientError> {
        let answer = self.call(&Request::CreateTopic(create)).await?;
        expect_answer!(answer, "create-topic", Response::Topic(topic) => topic)
    }

    /// Changes `topic`'s configs by their Kafka names; answers the topic as it now is.
    pub async fn alter_topic_configs(
        &self,
        topic: &str,
        changes: Vec<ConfigChange>,
    ) -> Result<TopicInfo, ClientError> {
        let answer = self
            .call(&Request::AlterTopicConfigs {
                topic: topic.to_owned(),
                changes,
            })
            .await?;
        expect_answer!(answer, "alter-topic-configs", Response::Topic(topic) => topic)
    }

    pub async fn list_topics(&self) -> Result<Vec<String>, ClientError> {
        let answer = self.call(&Request::ListTopics).await?;
        expect_answer!(answer, "list-topics", Response::Topics(topics) => topics)
    }

    pub async fn describe_topic(&self, topic: &str) -> Result<TopicInfo, ClientError> {
        let answer = self
            .call(&Request::DescribeTopic {
                topic: topic.to_owned(),
            })
            .await?;
        expect_answer!(answer, "describe-topic", Response::Topic(topic) => topic)
    }

    pub async fn delete_topic(&self, topic: &str) -> Result<(), ClientError> {
        let answer = self
            .call(&Request::DeleteTopic {
                topic: topic.to_owned(),
            })
            .await?;
        expect_answer!(answer, "delete-topic", Response::Done => ())
    }

    /// Grows `topic` to `total` partitions; groups reading it rebalance.
    pub async fn add_partitions(&self, topic: &str, total: u32) -> Result<TopicInfo, ClientError> {
        let answer = self
            .call(&Request::AddPartitions {
                topic: topic.to_owned(),
                total,
            })
            .await?;
        expect_answer!(answer, "add-partitions", Response::Topic(topic) => topic)
    }

    /// The earliest or latest offset of a partition, or the first at a timestamp (`None` if
    /// no record is that late).
    pub async fn list_offset(
        &self,
        topic: &str,
        partition: u32,
        spec: WireOffsetSpec,
    ) -> Result<Option<u64>, ClientError> {
        let request = Request::ListOffset(ListOffset {
            topic: topic.to_owned(),
            partition,
            spec,
        });
        let answer = self.call(&request).await?;
        expect_answer!(answer, "list-offset", Response::Offset(offset) => offset)
    }

    pub async fn describe_group(&self, group: &str) -> Result<GroupInfo, ClientError> {
        let answer = self
            .call(&Request::DescribeGroup {
                group: group.to_owned(),
            })
            .await?;
        expect_answer!(answer, "describe-group", Response::Group(group) => group)
    }

    pub async fn list_groups(&self) -> Result<Vec<GroupSummary>, ClientError> {
        let answer = self.call(&Request::ListGroups).await?;
        expect_answer!(answer, "list-groups", Response::Groups(groups) => groups)
    }

    /// Deletes an empty group and its committed offsets.
    pub async fn delete_group(&self, group: &str) -> Result<(), ClientError> {
        let answer = self
            .call(&Request::DeleteGroup {
                group: group.to_owned(),
            })
            .await?;
        expect_answer!(answer, "delete-group", Response::Done => ())
    }

    /// Forgets an empty group's committed offsets of `topic`; returns what was forgotten.
    pub async fn delete_offsets(&self, group: &str, topic: &str) -> Result<Vec<OffsetCommit>, ClientError> {
        let answer = self
            .call(&Request::DeleteOffsets {
                group: group.to_owned(),
                topic: topic.to_owned(),
            })
            .await?;
        expect_answer!(answer, "delete-offsets", Response::Offsets(offsets) => offsets)
    }

    /// The group's committed offsets: of `partitions`, or all.
    pub async fn committed_offsets(
        &self,
        group: &str,
        partitions: Option<Vec<PartitionName>>,
    ) -> Result<Vec<OffsetCommit>, ClientError> {
        let request = Request::FetchOffsets(FetchOffsets {
            group: group.to_owned(),
            partitions,
        });
        let answer = self.call(&request).await?;
        expect_answer!(answer, "fetch-offsets", Response::Offsets(offsets) => offsets)
    }

    /// Commits offsets (as a member when `member` names one, else from outside a group that
    /// has no members).
    pub async fn commit_offsets(&self, commit: CommitOffsets) -> Result<(), ClientError> {
        let answer = self.call(&Request::CommitOffsets(commit)).await?;
        expect_answer!(answer, "commit-offsets", Response::Done => ())
    }

    /// Resets an empty group's offsets; returns them.
    pub async fn reset_offsets(
        &self,
        group: &str,
        scope: WireResetScope,
        to: WireResetTo,
    ) -> Result<Vec<(PartitionName, i64)>, ClientError> {
        let request = Request::ResetOffsets(ResetOffsets {
            group: group.to_owned(),
            scope,
            to,
        });
        let answer = self.call(&request).await?;
        expect_answer!(answer, "reset-offsets", Response::OffsetsReset(offsets) => offsets)
    }

    /// The strategies the host serves and the plugin files it rejected.
    pub async fn list_plugins(&self) -> Result<PluginList, ClientError> {
        let answer = self.call(&Request::ListPlugins).await?;
        expect_answer!(answer, "list-plugins", Response::Plugins(plugins) => plugins)
    }
}

pub(crate) use expect_answer;
