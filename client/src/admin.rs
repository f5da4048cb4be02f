//! [`Client`]: a handle on one server that reconnects with backoff, and the administrative
//! requests (topics, offsets, groups, plugins). Producers and consumers are built on it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::sync::Mutex;

use super::connection::{Connection, EncodedRequest, FetchedRecords};
use super::error::ClientError;
use regroup_protocol::PartitionName;
use regroup_protocol::messages::groups::{GroupInfo, GroupSummary};
use regroup_protocol::messages::offsets::{
    CommitOffsets, FetchOffsets, OffsetCommit, ResetOffsets, WireResetScope, WireResetTo,
};
use regroup_protocol::messages::plugins::PluginList;
use regroup_protocol::messages::records::{ListOffset, WireOffsetSpec};
use regroup_protocol::messages::topics::{ConfigChange, CreateTopic, TopicInfo};
use regroup_protocol::{Backoff, DEFAULT_MAX_FRAME_BYTES, ErrorCode, Request, Response};

/// How a client connects and reconnects.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Names this client in the server's logs (Kafka's `client.id`).
    pub client_id: String,
    /// First pause before reconnecting; doubles up to `max_backoff`, each pause varied by up to
    /// a fifth either way so that clients cut off together do not return together (Kafka's
    /// `reconnect.backoff.ms` and `reconnect.backoff.max.ms`).
    pub backoff: Duration,
    pub max_backoff: Duration,
    /// How long a request may take in all, reconnecting included, before it fails (Kafka's
    /// `request.timeout.ms`). Administrative calls are bounded by it end to end; a group join
    /// or a fetch waits as long as it asked to on top.
    pub request_timeout: Duration,
    /// How long one attempt to connect and agree on a version may take (Kafka's
    /// `socket.connection.setup.timeout.ms`).
    pub connection_setup_timeout: Duration,
    /// Largest answer read.
    pub max_frame_bytes: usize,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            client_id: "regroup-client".to_owned(),
            backoff: Duration::from_millis(50),
            max_backoff: Duration::from_secs(2),
            request_timeout: Duration::from_secs(30),
            connection_setup_timeout: Duration::from_secs(10),
            max_frame_bytes: DEFAULT_MAX_FRAME_BYTES * 2,
        }
    }
}

/// A handle on one server; clones share the connection.
///
/// Every request is retried on a new connection when the connection fails (with a doubling,
/// jittered backoff, for up to [`ClientOptions::request_timeout`]); a request the server refused
/// is not. The first failure to connect is logged at once as a warning naming the address. A
/// peer that does not speak Regroup's protocol is reported as such and not retried. A retried
/// produce may append twice (at-least-once delivery).
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    addr: String,
    options: ClientOptions,
    /// Held across a connect so that concurrent callers wait for one connection.
    connection: Mutex<Option<Arc<Connection>>>,
    /// A failure to connect was logged since the last connection succeeded.
    warned: AtomicBool,
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
                warned: AtomicBool::new(false),
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
        let deadline = tokio::time::Instant::now() + options.request_timeout;
        let mut backoff = Backoff::new(options.backoff, options.max_backoff);
        let connection = loop {
            let attempt = Connection::open(
                &self.inner.addr,
                &options.client_id,
                options.max_frame_bytes,
                options.connection_setup_timeout,
            );
            let error = match tokio::time::timeout_at(deadline, attempt).await {
                Ok(Ok(connection)) => break Arc::new(connection),
                Ok(Err(error)) => error,
                Err(_) => self.timed_out("connecting", options.request_timeout),
            };
            let retry = match &error {
                ClientError::Refused { .. } => error.is(ErrorCode::TooManyConnections),
                ClientError::Connect { .. } => true,
                _ => false,
            };
            let pause = backoff.next_pause();
            if !retry || tokio::time::Instant::now() + pause > deadline {
                return Err(error);
            }
            if !self.inner.warned.swap(true, Ordering::Relaxed) {
                tracing::warn!(
                    addr = %self.inner.addr,
                    "{error}; retrying for up to {} ms (request.timeout.ms)",
                    options.request_timeout.as_millis()
                );
            } else {
                tracing::debug!(%error, ?pause, "connecting failed; retrying");
            }
            tokio::time::sleep(pause).await;
        };
        if self.inner.warned.swap(false, Ordering::Relaxed) {
            tracing::info!(addr = %self.inner.addr, "connected");
        }
        *current = Some(Arc::clone(&connection));
        Ok(connection)
    }

    fn timed_out(&self, what: &str, after: Duration) -> ClientError {
        ClientError::Timeout {
            addr: self.inner.addr.clone(),
            what: what.to_owned(),
            after,
        }
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
        let deadline = tokio::time::Instant::now() + options.request_timeout;
        let mut backoff = Backoff::new(options.backoff, options.max_backoff);
        loop {
            let result = match self.connection().await {
                Ok(connection) => call(connection).await,
                Err(error) => Err(error),
            };
            let pause = backoff.next_pause();
            match result {
                Err(error) if error.is_connection() && tokio::time::Instant::now() + pause < deadline => {
                    tracing::debug!(%error, request = request.kind, "retrying on a new connection");
                    tokio::time::sleep(pause).await;
                }
                result => return result,
            }
        }
    }

    /// Sends any request; [`Response::Error`] comes back as [`ClientError::Server`]. Only
    /// reconnecting is bounded by [`ClientOptions::request_timeout`] here: the answer to a
    /// join or a waiting fetch may take longer.
    pub async fn call(&self, request: &Request) -> Result<Response, ClientError> {
        self.call_encoded(&EncodedRequest::new(request)).await
    }

    /// An administrative call: [`Client::call`], all of it within the request timeout.
    async fn admin_call(&self, request: &Request) -> Result<Response, ClientError> {
        let limit = self.inner.options.request_timeout;
        tokio::time::timeout(limit, self.call(request))
            .await
            .unwrap_or_else(|_| Err(self.timed_out(request.kind(), limit)))
    }

    pub async fn create_topic(&self, create: CreateTopic) -> Result<TopicInfo, ClientError> {
        let answer = self.admin_call(&Request::CreateTopic(create)).await?;
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
        let answer = self.admin_call(&Request::ListTopics).await?;
        expect_answer!(answer, "list-topics", Response::Topics(topics) => topics)
    }

    pub async fn describe_topic(&self, topic: &str) -> Result<TopicInfo, ClientError> {
        let answer = self
            .admin_call(&Request::DescribeTopic {
                topic: topic.to_owned(),
            })
            .await?;
        expect_answer!(answer, "describe-topic", Response::Topic(topic) => topic)
    }

    pub async fn delete_topic(&self, topic: &str) -> Result<(), ClientError> {
        let answer = self
            .admin_call(&Request::DeleteTopic {
                topic: topic.to_owned(),
            })
            .await?;
        expect_answer!(answer, "delete-topic", Response::Done => ())
    }

    /// Grows `topic` to `total` partitions; groups reading it rebalance.
    pub async fn add_partitions(&self, topic: &str, total: u32) -> Result<TopicInfo, ClientError> {
        let answer = self
            .admin_call(&Request::AddPartitions {
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
        let answer = self.admin_call(&request).await?;
        expect_answer!(answer, "list-offset", Response::Offset(offset) => offset)
    }

    pub async fn describe_group(&self, group: &str) -> Result<GroupInfo, ClientError> {
        let answer = self
            .admin_call(&Request::DescribeGroup {
                group: group.to_owned(),
            })
            .await?;
        expect_answer!(answer, "describe-group", Response::Group(group) => group)
    }

    pub async fn list_groups(&self) -> Result<Vec<GroupSummary>, ClientError> {
        let answer = self.admin_call(&Request::ListGroups).await?;
        expect_answer!(answer, "list-groups", Response::Groups(groups) => groups)
    }

    /// Deletes an empty group and its committed offsets.
    pub async fn delete_group(&self, group: &str) -> Result<(), ClientError> {
        let answer = self
            .admin_call(&Request::DeleteGroup {
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
        let answer = self.admin_call(&request).await?;
        expect_answer!(answer, "fetch-offsets", Response::Offsets(offsets) => offsets)
    }

    /// Commits offsets (as a member when `member` names one, else from outside a group that
    /// has no members).
    pub async fn commit_offsets(&self, commit: CommitOffsets) -> Result<(), ClientError> {
        let answer = self.admin_call(&Request::CommitOffsets(commit)).await?;
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
        let answer = self.admin_call(&request).await?;
        expect_answer!(answer, "reset-offsets", Response::OffsetsReset(offsets) => offsets)
    }

    /// The strategies the host serves and the plugin files it rejected.
    pub async fn list_plugins(&self) -> Result<PluginList, ClientError> {
        let answer = self.admin_call(&Request::ListPlugins).await?;
        expect_answer!(answer, "list-plugins", Response::Plugins(plugins) => plugins)
    }

    /// A producer id and epoch for an idempotent producer (Kafka's InitProducerId).
    pub async fn init_producer_id(&self) -> Result<(i64, i16), ClientError> {
        let answer = self.call(&Request::InitProducerId).await?;
        expect_answer!(answer, "init-producer-id", Response::ProducerId { producer_id, producer_epoch } => (producer_id, producer_epoch))
    }
}

pub(crate) use expect_answer;
