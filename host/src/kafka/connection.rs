//! One Kafka connection: requests read one after the other and answered in order, as Kafka's
//! broker does (a client pipelines, the broker serves a connection's requests one at a time).
//!
//! A connection that sends no request for [`ServerConfig::connections_max_idle`] is closed
//! (Kafka's `connections.max.idle.ms`); a request that cannot be read (over the size limit,
//! malformed, cut short), an API or version not served, or a body that does not decode closes
//! that one connection, with a log line naming the client's address and the API. Each request
//! is counted with its latency in the host's request metrics (an error is one that closed the
//! connection; errors within an answer are per partition, as Kafka's own are).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use kafka_protocol::ResponseError;
use kafka_protocol::messages::{ApiKey, RequestKind, ResponseKind};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::sync::mpsc;

use super::frame::{FrameError, read_request};
use super::request::{Decoded, decode_request};
use super::response::{encode, write_parts};
use super::versions;
use super::{
    KafkaConfig, LISTENER_NAME, fetch, find_coordinator, init_producer_id, list_offsets, metadata, produce,
};
use super::{
    consumer_group_describe, consumer_group_heartbeat, create_partitions, create_topics, delete_groups,
    delete_topics, describe_cluster, describe_configs, describe_groups, heartbeat, incremental_alter_configs,
    join_group, leave_group, list_groups, offset_commit, offset_delete, offset_fetch, sync_group,
};
use crate::protocol::MemoryPool;
use crate::server::shutdown::Shutdown;
use crate::server::{ServerConfig, Services};

/// What a request handler may use.
pub(super) struct Context {
    pub(super) services: Arc<Services>,
    pub(super) config: Arc<ServerConfig>,
    pub(super) kafka: Arc<KafkaConfig>,
    pub(super) shutdown: Shutdown,
}

pub(super) struct Connection {
    pub(super) context: Context,
    pub(super) memory: MemoryPool,
    pub(super) peer: SocketAddr,
    /// Dropped with the connection: the listener's shutdown waits for every one.
    pub(super) _shutdown_complete: mpsc::Sender<()>,
}

impl Connection {
    pub(super) async fn run(mut self, socket: TcpStream) {
        let (mut read, mut write) = socket.into_split();
        let idle = self.context.config.connections_max_idle;
        let max_bytes = self.context.config.max_frame_bytes;
        loop {
            let next = read_request(&mut read, max_bytes, &self.memory);
            let request = tokio::select! {
                biased;
                () = self.context.shutdown.recv() => break,
                read = tokio::time::timeout(idle, next) => match read {
                    Ok(Ok(Some(request))) => request,
                    Ok(Ok(None)) => break,
                    Ok(Err(FrameError::Io(error))) => {
                        tracing::debug!(peer = %self.peer, %error, "Kafka connection lost");
                        break;
                    }
                    Ok(Err(error)) => {
                        tracing::warn!(peer = %self.peer, %error, "closing the Kafka connection");
                        break;
                    }
                    Err(_) => {
                        tracing::debug!(peer = %self.peer, ?idle, "closing an idle Kafka connection (connections_max_idle_ms)");
                        break;
                    }
                },
            };
            let started = Instant::now();
            let api = ApiKey::try_from(i16::from_be_bytes([request.bytes[0], request.bytes[1]]));
            let answer = self.serve(request.bytes).await;
            if let Ok(api) = api {
                let elapsed = started.elapsed();
                let requests = &self.context.services.requests;
                requests.served(LISTENER_NAME, versions::api_name(api), elapsed, answer.is_err());
            }
            let answer = match answer {
                Ok(answer) => answer,
                Err(reason) => {
                    tracing::warn!(peer = %self.peer, "closing the Kafka connection: {reason}");
                    break;
                }
            };
            if let Some(answer) = answer
                && write_parts(&mut write, &answer).await.is_err()
            {
                break;
            }
        }
        let _ = write.shutdown().await;
        tracing::debug!(peer = %self.peer, "Kafka connection closed");
    }

    /// One request's answer, framed (`None` when the request wants none: produce with acks 0);
    /// an error when the connection must close, saying why.
    async fn serve(&mut self, bytes: Bytes) -> Result<Option<Vec<Bytes>>, String> {
        let (api, version, correlation_id, header, request) = match decode_request(bytes)? {
            Decoded::Request {
                api,
                version,
                correlation_id,
                header,
                request,
            } => (api, version, correlation_id, header, request),
            Decoded::ApiVersionsTooNew {
                version,
                correlation_id,
            } => {
                tracing::debug!(peer = %self.peer, version, "ApiVersions newer than served: answering in version 0");
                let body = versions::api_versions(Some(ResponseError::UnsupportedVersion));
                return encode(
                    ApiKey::ApiVersions,
                    0,
                    correlation_id,
                    &ResponseKind::ApiVersions(body),
                    None,
                )
                .map(Some);
            }
        };
        let client = header.client_id.as_deref().unwrap_or("");
        tracing::trace!(peer = %self.peer, client, ?api, version, correlation_id, "Kafka request");
        let context = &self.context;
        // A Fetch's records, referenced by the answer rather than copied into it.
        let mut records = None;
        let response = match request {
            RequestKind::ApiVersions(_) => Some(ResponseKind::ApiVersions(versions::api_versions(None))),
            RequestKind::Metadata(request) => Some(ResponseKind::Metadata(
                metadata::serve(context, request, version).await,
            )),
            RequestKind::Produce(request) => produce::serve(context, request, version)
                .await
                .map(ResponseKind::Produce),
            RequestKind::Fetch(request) => {
                let (response, read) = fetch::serve(context, request, version).await;
                records = Some(read);
                Some(ResponseKind::Fetch(response))
            }
            RequestKind::ListOffsets(request) => Some(ResponseKind::ListOffsets(
                list_offsets::serve(context, request, version).await,
            )),
            RequestKind::InitProducerId(request) => Some(ResponseKind::InitProducerId(
                init_producer_id::serve(context, request).await,
            )),
            RequestKind::FindCoordinator(request) => Some(ResponseKind::FindCoordinator(
                find_coordinator::serve(context, request, version),
            )),
            RequestKind::ConsumerGroupHeartbeat(request) => Some(ResponseKind::ConsumerGroupHeartbeat(
                consumer_group_heartbeat::serve(context, request).await,
            )),
            RequestKind::ConsumerGroupDescribe(request) => Some(ResponseKind::ConsumerGroupDescribe(
                consumer_group_describe::serve(context, request, version),
            )),
            RequestKind::OffsetCommit(request) => Some(ResponseKind::OffsetCommit(
                offset_commit::serve(context, request, version).await,
            )),
            RequestKind::OffsetFetch(request) => Some(ResponseKind::OffsetFetch(offset_fetch::serve(
                context, request, version,
            ))),
            RequestKind::JoinGroup(request) => Some(ResponseKind::JoinGroup(
                join_group::serve(context, request, version, client, self.peer).await,
            )),
            RequestKind::SyncGroup(request) => Some(ResponseKind::SyncGroup(
                sync_group::serve(context, request, version).await,
            )),
            RequestKind::Heartbeat(request) => {
                Some(ResponseKind::Heartbeat(heartbeat::serve(context, request)))
            }
            RequestKind::LeaveGroup(request) => Some(ResponseKind::LeaveGroup(leave_group::serve(
                context, request, version,
            ))),
            RequestKind::ListGroups(request) => Some(ResponseKind::ListGroups(list_groups::serve(
                context, request, version,
            ))),
            RequestKind::DescribeGroups(request) => Some(ResponseKind::DescribeGroups(
                describe_groups::serve(context, request, version),
            )),
            RequestKind::DeleteGroups(request) => Some(ResponseKind::DeleteGroups(
                delete_groups::serve(context, request).await,
            )),
            RequestKind::OffsetDelete(request) => Some(ResponseKind::OffsetDelete(
                offset_delete::serve(context, request).await,
            )),
            RequestKind::CreateTopics(request) => Some(ResponseKind::CreateTopics(
                create_topics::serve(context, request, version).await,
            )),
            RequestKind::DeleteTopics(request) => Some(ResponseKind::DeleteTopics(
                delete_topics::serve(context, request, version).await,
            )),
            RequestKind::CreatePartitions(request) => Some(ResponseKind::CreatePartitions(
                create_partitions::serve(context, request).await,
            )),
            RequestKind::DescribeConfigs(request) => Some(ResponseKind::DescribeConfigs(
                describe_configs::serve(context, request, version),
            )),
            RequestKind::IncrementalAlterConfigs(request) => Some(ResponseKind::IncrementalAlterConfigs(
                incremental_alter_configs::serve(context, request).await,
            )),
            RequestKind::DescribeCluster(request) => Some(ResponseKind::DescribeCluster(
                describe_cluster::serve(context, request, version),
            )),
            other => return Err(format!("{api:?}: no handler for {other:?}")),
        };
        match response {
            Some(response) => encode(api, version, correlation_id, &response, records).map(Some),
            None => Ok(None),
        }
    }
}
