//! One Kafka connection: requests read one after the other and answered in order, as Kafka's
//! broker does (a client pipelines, the broker serves a connection's requests one at a time).
//!
//! A connection that sends no request for [`ServerConfig::connections_max_idle`] is closed
//! (Kafka's `connections.max.idle.ms`); a request that cannot be read (over the size limit,
//! malformed, cut short), an API or version not served, or a body that does not decode closes
//! that one connection, with a log line naming the client's address and the API.

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::{BufMut, Bytes, BytesMut};
use kafka_protocol::ResponseError;
use kafka_protocol::messages::{ApiKey, RequestHeader, RequestKind, ResponseHeader, ResponseKind};
use kafka_protocol::protocol::{Decodable, Encodable};
use tokio::io::{AsyncWriteExt, BufWriter};
use tokio::net::TcpStream;
use tokio::sync::mpsc;

use super::frame::{FrameError, read_request};
use super::versions::{self, Negotiated};
use super::{
    KafkaConfig, consumer_group_describe, consumer_group_heartbeat, fetch, find_coordinator, heartbeat,
    init_producer_id, join_group, leave_group, list_offsets, metadata, offset_commit, offset_fetch, produce,
    sync_group,
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
        let (mut read, write) = socket.into_split();
        let mut write = BufWriter::new(write);
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
            let answer = match self.serve(request.bytes).await {
                Ok(answer) => answer,
                Err(reason) => {
                    tracing::warn!(peer = %self.peer, "closing the Kafka connection: {reason}");
                    break;
                }
            };
            if let Some(answer) = answer
                && (write.write_all(&answer).await.is_err() || write.flush().await.is_err())
            {
                break;
            }
        }
        let _ = write.shutdown().await;
        tracing::debug!(peer = %self.peer, "Kafka connection closed");
    }

    /// One request's answer, framed (`None` when the request wants none: produce with acks 0);
    /// an error when the connection must close, saying why.
    async fn serve(&mut self, mut bytes: Bytes) -> Result<Option<Bytes>, String> {
        let api_key = i16::from_be_bytes([bytes[0], bytes[1]]);
        let version = i16::from_be_bytes([bytes[2], bytes[3]]);
        let correlation_id = i32::from_be_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]);
        let api = match versions::negotiate(api_key, version) {
            Negotiated::Served(api) => api,
            Negotiated::ApiVersionsTooNew => {
                tracing::debug!(peer = %self.peer, version, "ApiVersions newer than served: answering in version 0");
                let body = versions::api_versions(Some(ResponseError::UnsupportedVersion));
                return encode(
                    ApiKey::ApiVersions,
                    0,
                    correlation_id,
                    &ResponseKind::ApiVersions(body),
                )
                .map(Some);
            }
            Negotiated::Refused(reason) => return Err(reason),
        };
        let header = RequestHeader::decode(&mut bytes, api.request_header_version(version))
            .map_err(|error| format!("{api:?} v{version}: malformed request header: {error}"))?;
        let request = RequestKind::decode(api, &mut bytes, version)
            .map_err(|error| format!("{api:?} v{version}: malformed request: {error}"))?;
        let client = header.client_id.as_deref().unwrap_or("");
        tracing::trace!(peer = %self.peer, client, ?api, version, correlation_id, "Kafka request");
        let context = &self.context;
        let response = match request {
            RequestKind::ApiVersions(_) => Some(ResponseKind::ApiVersions(versions::api_versions(None))),
            RequestKind::Metadata(request) => Some(ResponseKind::Metadata(
                metadata::serve(context, request, version).await,
            )),
            RequestKind::Produce(request) => produce::serve(context, request, version)
                .await
                .map(ResponseKind::Produce),
            RequestKind::Fetch(request) => {
                Some(ResponseKind::Fetch(fetch::serve(context, request, version).await))
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
            other => return Err(format!("{api:?}: no handler for {other:?}")),
        };
        match response {
            Some(response) => encode(api, version, correlation_id, &response).map(Some),
            None => Ok(None),
        }
    }
}

/// A response as it goes on the wire: size, header of the version the API's version calls for,
/// body.
fn encode(api: ApiKey, version: i16, correlation_id: i32, body: &ResponseKind) -> Result<Bytes, String> {
    let mut buffer = BytesMut::new();
    buffer.put_i32(0);
    ResponseHeader::default()
        .with_correlation_id(correlation_id)
        .encode(&mut buffer, api.response_header_version(version))
        .and_then(|()| body.encode(&mut buffer, version))
        .map_err(|error| format!("{api:?} v{version}: the response could not be encoded: {error}"))?;
    let size = (buffer.len() - 4) as i32;
    buffer[..4].copy_from_slice(&size.to_be_bytes());
    Ok(buffer.freeze())
}
