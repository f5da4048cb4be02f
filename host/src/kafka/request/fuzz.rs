//! The Kafka request decoder fuzzed: every served API at its lowest and highest version, encoded
//! by kafka-protocol's own encoders, then mutated. The decoder never panics, holds at most a
//! bounded multiple of the request's size, and refuses with a message naming what was wrong.

use bytes::{BufMut, BytesMut};
use kafka_protocol::messages::*;
use kafka_protocol::protocol::{Encodable, StrBytes};
use proptest::prelude::*;
use regroup_fuzz_support::{config, mutated, peak_allocation};

use super::*;
use crate::log::{Compression, ProducerFields, Record, encode_batch};

fn topic(name: &str) -> TopicName {
    TopicName(StrBytes::from_string(name.to_owned()))
}

fn text(text: &'static str) -> StrBytes {
    StrBytes::from_static_str(text)
}

fn group(name: &'static str) -> GroupId {
    GroupId(text(name))
}

/// One request of each group and offsets API; where versions lay a request out differently,
/// one of each layout.
fn group_requests() -> Vec<RequestKind> {
    use offset_fetch_request::{OffsetFetchRequestGroup, OffsetFetchRequestTopic, OffsetFetchRequestTopics};
    let subscription = Bytes::from_static(&[0, 1, 0, 0, 0, 1, 0, 6, b'o', b'r', b'd', b'e', b'r', b's']);
    vec![
        RequestKind::OffsetCommit(
            OffsetCommitRequest::default()
                .with_group_id(group("g"))
                .with_generation_id_or_member_epoch(3)
                .with_member_id(text("m-1"))
                .with_topics(vec![
                    offset_commit_request::OffsetCommitRequestTopic::default()
                        .with_name(topic("orders"))
                        .with_partitions(vec![
                            offset_commit_request::OffsetCommitRequestPartition::default()
                                .with_partition_index(0)
                                .with_committed_offset(42)
                                .with_committed_metadata(Some(text("meta"))),
                        ]),
                ]),
        ),
        RequestKind::OffsetFetch(
            OffsetFetchRequest::default()
                .with_group_id(group("g"))
                .with_topics(Some(vec![
                    OffsetFetchRequestTopic::default()
                        .with_name(topic("orders"))
                        .with_partition_indexes(vec![0, 2]),
                ])),
        ),
        RequestKind::OffsetFetch(OffsetFetchRequest::default().with_groups(vec![
                OffsetFetchRequestGroup::default()
                    .with_group_id(group("g"))
                    .with_topics(Some(vec![
                        OffsetFetchRequestTopics::default()
                            .with_name(topic("orders"))
                            .with_partition_indexes(vec![1]),
                    ])),
                OffsetFetchRequestGroup::default().with_group_id(group("h")),
            ])),
        RequestKind::JoinGroup(
            JoinGroupRequest::default()
                .with_group_id(group("g"))
                .with_session_timeout_ms(10_000)
                .with_member_id(text("m-1"))
                .with_protocol_type(text("consumer"))
                .with_protocols(vec![
                    join_group_request::JoinGroupRequestProtocol::default()
                        .with_name(text("range"))
                        .with_metadata(subscription.clone()),
                    join_group_request::JoinGroupRequestProtocol::default()
                        .with_name(text("cooperative-sticky"))
                        .with_metadata(subscription.clone()),
                ]),
        ),
        RequestKind::SyncGroup(
            SyncGroupRequest::default()
                .with_group_id(group("g"))
                .with_generation_id(2)
                .with_member_id(text("m-1"))
                .with_assignments(vec![
                    sync_group_request::SyncGroupRequestAssignment::default()
                        .with_member_id(text("m-1"))
                        .with_assignment(subscription),
                ]),
        ),
        RequestKind::Heartbeat(
            HeartbeatRequest::default()
                .with_group_id(group("g"))
                .with_generation_id(2)
                .with_member_id(text("m-1")),
        ),
        RequestKind::LeaveGroup(
            LeaveGroupRequest::default()
                .with_group_id(group("g"))
                .with_member_id(text("m-1")),
        ),
        RequestKind::LeaveGroup(
            LeaveGroupRequest::default()
                .with_group_id(group("g"))
                .with_members(vec![
                    leave_group_request::MemberIdentity::default().with_member_id(text("m-1")),
                    leave_group_request::MemberIdentity::default().with_group_instance_id(Some(text("i-2"))),
                ]),
        ),
        RequestKind::ConsumerGroupHeartbeat(
            ConsumerGroupHeartbeatRequest::default()
                .with_group_id(group("g"))
                .with_member_id(text("m-1"))
                .with_member_epoch(4)
                .with_rack_id(Some(text("r1")))
                .with_rebalance_timeout_ms(30_000)
                .with_subscribed_topic_names(Some(vec![topic("orders"), topic("payments")]))
                .with_server_assignor(Some(text("uniform")))
                .with_topic_partitions(Some(vec![
                    consumer_group_heartbeat_request::TopicPartitions::default()
                        .with_topic_id(uuid::Uuid::from_u128(7))
                        .with_partitions(vec![0, 2]),
                ])),
        ),
        RequestKind::ConsumerGroupDescribe(
            ConsumerGroupDescribeRequest::default().with_group_ids(vec![group("g"), group("h")]),
        ),
        RequestKind::ListGroups(ListGroupsRequest::default()),
        RequestKind::DescribeGroups(
            DescribeGroupsRequest::default().with_groups(vec![group("g"), group("h")]),
        ),
        RequestKind::DeleteGroups(DeleteGroupsRequest::default().with_groups_names(vec![group("g")])),
        RequestKind::OffsetDelete(
            OffsetDeleteRequest::default()
                .with_group_id(group("g"))
                .with_topics(vec![
                    offset_delete_request::OffsetDeleteRequestTopic::default()
                        .with_name(topic("orders"))
                        .with_partitions(vec![
                            offset_delete_request::OffsetDeleteRequestPartition::default()
                                .with_partition_index(1),
                        ]),
                ]),
        ),
    ]
}

/// One request of each topic administration API; where versions lay a request out differently,
/// one of each layout.
fn admin_requests() -> Vec<RequestKind> {
    vec![
        RequestKind::CreateTopics(
            CreateTopicsRequest::default()
                .with_timeout_ms(30_000)
                .with_topics(vec![
                    create_topics_request::CreatableTopic::default()
                        .with_name(topic("orders"))
                        .with_num_partitions(3)
                        .with_replication_factor(1)
                        .with_configs(vec![
                            create_topics_request::CreatableTopicConfig::default()
                                .with_name(text("retention.ms"))
                                .with_value(Some(text("60000"))),
                        ]),
                ]),
        ),
        RequestKind::DeleteTopics(
            DeleteTopicsRequest::default()
                .with_timeout_ms(30_000)
                .with_topic_names(vec![topic("orders"), topic("payments")]),
        ),
        RequestKind::DeleteTopics(DeleteTopicsRequest::default().with_topics(vec![
            delete_topics_request::DeleteTopicState::default().with_name(Some(topic("orders"))),
        ])),
        RequestKind::CreatePartitions(
            CreatePartitionsRequest::default()
                .with_timeout_ms(30_000)
                .with_topics(vec![
                    create_partitions_request::CreatePartitionsTopic::default()
                        .with_name(topic("orders"))
                        .with_count(5),
                ]),
        ),
        RequestKind::DescribeConfigs(DescribeConfigsRequest::default().with_resources(vec![
            describe_configs_request::DescribeConfigsResource::default()
                .with_resource_type(2)
                .with_resource_name(text("orders"))
                .with_configuration_keys(Some(vec![text("retention.ms")])),
        ])),
        RequestKind::IncrementalAlterConfigs(IncrementalAlterConfigsRequest::default().with_resources(vec![
            incremental_alter_configs_request::AlterConfigsResource::default()
                .with_resource_type(2)
                .with_resource_name(text("orders"))
                .with_configs(vec![
                    incremental_alter_configs_request::AlterableConfig::default()
                        .with_name(text("segment.bytes"))
                        .with_config_operation(0)
                        .with_value(Some(text("1048576"))),
                ]),
        ])),
        RequestKind::DescribeCluster(DescribeClusterRequest::default()),
    ]
}

/// One request of each served API, with content in its arrays and strings.
fn requests() -> Vec<RequestKind> {
    let records = [
        Record::new("v0").with_key("k0").with_header("h", "x"),
        Record::new("v1").with_timestamp(7),
    ];
    let batch = encode_batch(0, &records, 5, ProducerFields::NONE, Compression::None).unwrap();
    let batch = Bytes::from(batch);
    vec![
        RequestKind::ApiVersions(ApiVersionsRequest::default()),
        RequestKind::Metadata(MetadataRequest::default().with_topics(Some(vec![
            metadata_request::MetadataRequestTopic::default().with_name(Some(topic("orders"))),
            metadata_request::MetadataRequestTopic::default().with_name(Some(topic("payments"))),
        ]))),
        RequestKind::Produce(
            ProduceRequest::default()
                .with_acks(-1)
                .with_timeout_ms(30_000)
                .with_topic_data(vec![
                    produce_request::TopicProduceData::default()
                        .with_name(topic("orders"))
                        .with_partition_data(vec![
                            produce_request::PartitionProduceData::default()
                                .with_index(0)
                                .with_records(Some(batch.clone())),
                            produce_request::PartitionProduceData::default()
                                .with_index(3)
                                .with_records(Some(batch)),
                        ]),
                ]),
        ),
        RequestKind::Fetch(
            FetchRequest::default()
                .with_max_wait_ms(500)
                .with_min_bytes(1)
                .with_max_bytes(1 << 20)
                .with_topics(vec![
                    fetch_request::FetchTopic::default()
                        .with_topic(topic("orders"))
                        .with_partitions(vec![
                            fetch_request::FetchPartition::default()
                                .with_partition(0)
                                .with_fetch_offset(12),
                            fetch_request::FetchPartition::default()
                                .with_partition(1)
                                .with_partition_max_bytes(4096),
                        ]),
                ]),
        ),
        RequestKind::ListOffsets(ListOffsetsRequest::default().with_topics(vec![
                list_offsets_request::ListOffsetsTopic::default()
                    .with_name(topic("orders"))
                    .with_partitions(vec![
                        list_offsets_request::ListOffsetsPartition::default()
                            .with_partition_index(2)
                            .with_timestamp(-1),
                    ]),
            ])),
        RequestKind::InitProducerId(InitProducerIdRequest::default().with_transaction_timeout_ms(60_000)),
        // One key up to version 3, a list of keys from version 4.
        RequestKind::FindCoordinator(
            FindCoordinatorRequest::default().with_key(StrBytes::from_static_str("group-a")),
        ),
        RequestKind::FindCoordinator(FindCoordinatorRequest::default().with_coordinator_keys(vec![
            StrBytes::from_static_str("group-a"),
            StrBytes::from_static_str("group-b"),
        ])),
    ]
    .into_iter()
    .chain(group_requests())
    .chain(admin_requests())
    .collect()
}

/// Whether `request` is laid out as `version` has it, for the APIs whose versions moved a field
/// elsewhere (the encoder drops a field the version lacks instead of failing on it).
fn laid_out_for(request: &RequestKind, version: i16) -> bool {
    match request {
        RequestKind::DeleteTopics(r) if !r.topic_names.is_empty() => version <= 5,
        RequestKind::DeleteTopics(r) if !r.topics.is_empty() => version >= 6,
        RequestKind::LeaveGroup(r) if !r.members.is_empty() => version >= 3,
        RequestKind::LeaveGroup(_) => version <= 2,
        RequestKind::OffsetFetch(r) if !r.groups.is_empty() => version >= 8,
        RequestKind::OffsetFetch(_) => version <= 7,
        _ => true,
    }
}

fn api_of(request: &RequestKind) -> ApiKey {
    match request {
        RequestKind::ApiVersions(_) => ApiKey::ApiVersions,
        RequestKind::Metadata(_) => ApiKey::Metadata,
        RequestKind::Produce(_) => ApiKey::Produce,
        RequestKind::Fetch(_) => ApiKey::Fetch,
        RequestKind::ListOffsets(_) => ApiKey::ListOffsets,
        RequestKind::InitProducerId(_) => ApiKey::InitProducerId,
        RequestKind::FindCoordinator(_) => ApiKey::FindCoordinator,
        RequestKind::OffsetCommit(_) => ApiKey::OffsetCommit,
        RequestKind::OffsetFetch(_) => ApiKey::OffsetFetch,
        RequestKind::JoinGroup(_) => ApiKey::JoinGroup,
        RequestKind::SyncGroup(_) => ApiKey::SyncGroup,
        RequestKind::Heartbeat(_) => ApiKey::Heartbeat,
        RequestKind::LeaveGroup(_) => ApiKey::LeaveGroup,
        RequestKind::ListGroups(_) => ApiKey::ListGroups,
        RequestKind::DescribeGroups(_) => ApiKey::DescribeGroups,
        RequestKind::DeleteGroups(_) => ApiKey::DeleteGroups,
        RequestKind::OffsetDelete(_) => ApiKey::OffsetDelete,
        RequestKind::CreateTopics(_) => ApiKey::CreateTopics,
        RequestKind::DeleteTopics(_) => ApiKey::DeleteTopics,
        RequestKind::CreatePartitions(_) => ApiKey::CreatePartitions,
        RequestKind::DescribeConfigs(_) => ApiKey::DescribeConfigs,
        RequestKind::IncrementalAlterConfigs(_) => ApiKey::IncrementalAlterConfigs,
        RequestKind::DescribeCluster(_) => ApiKey::DescribeCluster,
        RequestKind::ConsumerGroupHeartbeat(_) => ApiKey::ConsumerGroupHeartbeat,
        RequestKind::ConsumerGroupDescribe(_) => ApiKey::ConsumerGroupDescribe,
        other => unreachable!("not served: {other:?}"),
    }
}

/// `request` as a client sends it (without the size field): header, then body; `None` when
/// the request has a field that `version` does not have.
fn encode_request(
    request: &RequestKind,
    version: i16,
    correlation_id: i32,
) -> Option<(RequestHeader, Bytes)> {
    let api = api_of(request);
    let header = RequestHeader::default()
        .with_request_api_key(api as i16)
        .with_request_api_version(version)
        .with_correlation_id(correlation_id)
        .with_client_id(Some(StrBytes::from_static_str("fuzz")));
    let mut bytes = BytesMut::new();
    header
        .encode(&mut bytes, api.request_header_version(version))
        .expect("a valid header encodes");
    request.encode(&mut bytes, version).ok()?;
    Some((header, bytes.freeze()))
}

/// Every served API at its lowest and highest version.
fn valid_requests() -> Vec<(RequestKind, i16, RequestHeader, Bytes)> {
    let mut out = Vec::new();
    for request in requests() {
        let api = api_of(&request);
        let &(_, min, max) = versions::SERVED
            .iter()
            .find(|(served, _, _)| *served == api)
            .unwrap();
        for version in [min, max] {
            if !laid_out_for(&request, version) {
                continue;
            }
            if let Some((header, bytes)) = encode_request(&request, version, 41) {
                out.push((request.clone(), version, header, bytes));
            }
        }
    }
    for &(api, min, max) in versions::SERVED {
        for version in [min, max] {
            assert!(
                out.iter()
                    .any(|(request, v, ..)| api_of(request) == api && *v == version),
                "no valid {api:?} v{version} to start from"
            );
        }
    }
    out
}

#[test]
fn every_served_request_decodes_to_what_was_encoded() {
    for (request, version, header, bytes) in valid_requests() {
        let decoded = decode_request(bytes).unwrap();
        assert_eq!(
            decoded,
            Decoded::Request {
                api: api_of(&request),
                version,
                correlation_id: 41,
                header,
                request,
            }
        );
    }
}

/// What the decoder may hold per byte of request: a decoded array element or string is a few
/// dozen bytes in memory for at least one on the wire.
const HELD_PER_REQUEST_BYTE: usize = 256;

#[test]
fn mutated_kafka_requests_never_panic_stay_bounded_and_refusals_say_why() {
    let valid = valid_requests()
        .into_iter()
        .map(|(.., bytes)| bytes.to_vec())
        .collect();
    proptest!(config(), |(bytes in mutated(valid))| {
        let len = bytes.len();
        let (decoded, peak) = peak_allocation(|| decode_request(Bytes::from(bytes)));
        prop_assert!(
            peak <= 4096 + HELD_PER_REQUEST_BYTE * len,
            "{peak} bytes held decoding a request of {len}"
        );
        if let Err(reason) = decoded {
            prop_assert!(
                ["request", "API", "version"].iter().any(|word| reason.contains(word)),
                "the refusal says what was wrong: {reason}"
            );
        }
    });
}

/// A request of a few bytes whose array claims two billion elements: refused by what the
/// bytes can hold, not answered with an allocation of that many elements (which aborts the
/// process when the system cannot provide it).
#[test]
fn an_array_claiming_more_elements_than_its_bytes_hold_is_refused_without_allocating_them() {
    for (api, version) in [(ApiKey::Metadata, 0), (ApiKey::Metadata, 12), (ApiKey::Fetch, 12)] {
        let mut bytes = BytesMut::new();
        RequestHeader::default()
            .with_request_api_key(api as i16)
            .with_request_api_version(version)
            .encode(&mut bytes, api.request_header_version(version))
            .unwrap();
        if api == ApiKey::Fetch {
            // replica id, max wait, min bytes, max bytes, isolation level, session id and epoch.
            bytes.put_slice(&[0; 4 * 4 + 1 + 4 * 2]);
        }
        match version {
            0 => bytes.put_i32(i32::MAX),
            // A compact array's length is an unsigned varint of the count plus one.
            _ => bytes.put_slice(&[0xff, 0xff, 0xff, 0xff, 0x0f]),
        }
        let (decoded, peak) = peak_allocation(|| decode_request(bytes.freeze()));
        let reason = decoded.unwrap_err();
        assert!(
            reason.contains(&format!("{api:?} v{version}: malformed request")),
            "{reason}"
        );
        assert!(peak < 1 << 20, "{peak} bytes held for {api:?} v{version}");
    }
}

/// The largest request the fuzzed reader accepts: small, so the limit itself is reached.
const MAX_REQUEST: usize = 64 * 1024;

/// Requests as they come over a connection (each after its big-endian i32 size), mutated, read
/// one after the other as the listener reads them and decoded: the reader holds at most the
/// request it is reading, within its limit, and refuses with a message naming what was wrong.
#[test]
fn a_mutated_stream_of_kafka_requests_is_read_within_its_limit_and_refusals_say_why() {
    use super::super::frame::read_request;
    let stream: Vec<u8> = valid_requests()
        .into_iter()
        .flat_map(|(.., bytes)| [(bytes.len() as i32).to_be_bytes().to_vec(), bytes.to_vec()].concat())
        .collect();
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let pool = crate::protocol::MemoryPool::new(1 << 20);
    proptest!(config(), |(bytes in mutated(vec![stream.clone()]))| {
        let len = bytes.len();
        let (outcome, peak) = peak_allocation(|| {
            runtime.block_on(async {
                let mut wire = &bytes[..];
                loop {
                    match read_request(&mut wire, MAX_REQUEST, &pool).await {
                        Ok(Some(request)) => {
                            decode_request(request.bytes)?;
                        }
                        Ok(None) => return Ok(()),
                        Err(error) => return Err(error.to_string()),
                    }
                }
            })
        });
        prop_assert!(
            peak <= 4096 + MAX_REQUEST + HELD_PER_REQUEST_BYTE * len,
            "{peak} bytes held reading {len}"
        );
        if let Err(reason) = outcome {
            prop_assert!(
                ["request", "API", "version"].iter().any(|word| reason.contains(word)),
                "the refusal says what was wrong: {reason}"
            );
        }
    });
}
