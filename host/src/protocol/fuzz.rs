//! The native protocol's decoders fuzzed: real frames (the handshake, requests of every family,
//! responses with batches) made by the real encoders, mutated, then cut into frames and decoded
//! as each envelope, both from a byte slice and through [`FrameReader`] over a stream. Nothing
//! panics, memory stays bounded by the input (and the reader's fixed buffer), and every refusal
//! names what was wrong.

use proptest::prelude::*;
use regroup_assignor_api::codec::{self, Envelope};
use regroup_fuzz_support::{config, mutated, peak_allocation};

use super::messages::ResponseView;
use super::messages::groups::{JoinGroup, MemberRef, WireStrategy};
use super::messages::records::{Fetch, FetchPartition, FetchedPartition, PartitionRecords, Produce};
use super::*;
use crate::group::PartitionName;
use crate::log::{Compression, ProducerFields, Record, encode_batch};

fn batch() -> Vec<u8> {
    let records = [
        Record::new("v0").with_key("k0").with_header("h", "x"),
        Record::new("v1"),
    ];
    encode_batch(0, &records, 5, ProducerFields::NONE, Compression::None).unwrap()
}

fn member() -> MemberRef {
    MemberRef {
        group: "g".into(),
        member_id: "m-1".into(),
        generation: 4,
    }
}

fn requests() -> Vec<Request> {
    vec![
        Request::ListTopics,
        Request::DescribeTopic {
            topic: "orders".into(),
        },
        Request::AddPartitions {
            topic: "orders".into(),
            total: 12,
        },
        Request::Produce(Produce {
            topic: "orders".into(),
            partition: 2,
            batch: batch(),
        }),
        Request::Fetch(Fetch {
            member: Some(member()),
            partitions: vec![
                FetchPartition {
                    topic: "orders".into(),
                    partition: 0,
                    offset: 17,
                    max_bytes: 1 << 20,
                },
                FetchPartition {
                    topic: "orders".into(),
                    partition: 1,
                    offset: 0,
                    max_bytes: 4096,
                },
            ],
            max_wait_ms: 500,
            max_bytes: 1 << 24,
        }),
        Request::JoinGroup(JoinGroup {
            group: "g".into(),
            member_id: None,
            instance_id: Some("host-1".into()),
            rack: None,
            topics: vec!["orders".into(), "payments".into()],
            strategies: vec![
                WireStrategy {
                    name: "cooperative-sticky".into(),
                    user_data: vec![0, 1, 2, 0xff],
                },
                WireStrategy {
                    name: "range".into(),
                    user_data: Vec::new(),
                },
            ],
            session_timeout_ms: 45_000,
            rebalance_timeout_ms: 300_000,
            owned: vec![PartitionName::new("orders", 3)],
            generation: Some(3),
        }),
        Request::Heartbeat(member()),
        Request::Revoked {
            member: member(),
            partitions: vec![PartitionName::new("orders", 1), PartitionName::new("payments", 0)],
        },
        Request::LeaveGroup {
            group: "g".into(),
            member_id: "m-1".into(),
        },
        Request::ListPlugins,
        Request::DeleteOffsets {
            group: "g".into(),
            topic: "orders".into(),
        },
    ]
}

fn responses() -> Vec<Response> {
    vec![
        Response::Error(WireError::new(ErrorCode::InvalidRequest, "no such topic")),
        Response::Done,
        Response::Topics(vec!["orders".into(), "payments".into()]),
        Response::Fetched(vec![
            FetchedPartition {
                topic: "orders".into(),
                partition: 0,
                result: Ok(PartitionRecords {
                    batches: batch(),
                    high_watermark: 2,
                    log_start_offset: 0,
                }),
            },
            FetchedPartition {
                topic: "orders".into(),
                partition: 1,
                result: Err(WireError::new(ErrorCode::InvalidRequest, "not owned")),
            },
        ]),
        Response::Offset(Some(17)),
    ]
}

/// Every valid message framed, as each side sends it.
fn valid_frames() -> Vec<Vec<u8>> {
    let mut frames = vec![
        encode_frame(0, &Hello::current("fuzz")),
        encode_frame(
            0,
            &Welcome::Accepted {
                version: *PROTOCOL_VERSIONS.end(),
                server: "regroup".into(),
                max_frame_bytes: DEFAULT_MAX_FRAME_BYTES as u64,
            },
        ),
    ];
    frames.extend(
        requests()
            .iter()
            .enumerate()
            .map(|(id, r)| encode_frame(id as u64 + 1, r)),
    );
    frames.extend(
        responses()
            .iter()
            .enumerate()
            .map(|(id, r)| encode_frame(id as u64 + 1, r)),
    );
    frames
}

#[test]
fn every_message_decodes_from_its_frame_to_what_was_encoded() {
    fn round_trip<T: Envelope + PartialEq + std::fmt::Debug>(message: &T) {
        let frame = encode_frame(9, message);
        let bounds = parse_frame(&frame, DEFAULT_MAX_FRAME_BYTES).unwrap().unwrap();
        assert_eq!((bounds.request_id, bounds.len()), (9, frame.len()));
        assert_eq!(&codec::decode::<T>(&frame[bounds.payload]).unwrap(), message);
    }
    round_trip(&Hello::current("fuzz"));
    requests().iter().for_each(round_trip);
    responses().iter().for_each(round_trip);
}

/// What a decoder may hold per byte of input: strings and vectors are a few words each.
const HELD_PER_INPUT_BYTE: usize = 64;
/// What a decoder may hold whatever the input: serde reserves up to 1 MiB for a sequence on the
/// strength of its claimed length (its "cautious" size hint), one per sequence being read, and
/// a byte string's buffer starts at 4 KiB.
const HELD_ANYWAY: usize = 2 << 20;
/// The frame size limit the fuzzed readers are given: small, so the limit itself is reached.
const MAX_PAYLOAD: usize = 64 * 1024;

/// Decodes a payload as every envelope; each refusal must name the envelope or what was wrong.
fn decode_as_everything(payload: &[u8]) -> Vec<String> {
    let mut refusals = Vec::new();
    let mut note =
        |result: Result<(), codec::CodecError>| refusals.extend(result.err().map(|e| e.to_string()));
    note(codec::decode::<Hello>(payload).map(drop));
    note(codec::decode::<Welcome>(payload).map(drop));
    note(codec::decode::<Request>(payload).map(drop));
    note(codec::decode::<Response>(payload).map(drop));
    note(codec::decode_view::<Response, ResponseView>(payload).map(drop));
    refusals
}

#[test]
fn mutated_frames_never_panic_stay_bounded_and_refusals_say_why() {
    proptest!(config(), |(bytes in mutated(valid_frames()))| {
        let len = bytes.len();
        let (refusals, peak) = peak_allocation(|| match parse_frame(&bytes, MAX_PAYLOAD) {
            Ok(Some(frame)) => decode_as_everything(&bytes[frame.payload]),
            Ok(None) => Vec::new(),
            Err(error) => vec![error.to_string()],
        });
        prop_assert!(peak <= HELD_ANYWAY + HELD_PER_INPUT_BYTE * len, "{peak} bytes held decoding {len}");
        for refusal in refusals {
            prop_assert!(
                ["frame", "envelope", "bytes", "version", "RG"].iter().any(|word| refusal.contains(word)),
                "the refusal says what was wrong: {refusal}"
            );
        }
    });
}

#[test]
fn a_mutated_stream_of_frames_is_read_frame_by_frame_within_its_buffer_and_limit() {
    let stream: Vec<u8> = valid_frames().concat();
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    proptest!(config(), |(bytes in mutated(vec![stream.clone()]))| {
        let len = bytes.len();
        let (frames, peak) = peak_allocation(|| {
            runtime.block_on(async {
                let mut reader = FrameReader::new(&bytes[..], MAX_PAYLOAD);
                let mut frames = 0;
                loop {
                    match reader.next_frame().await {
                        Ok(Some(frame)) => {
                            frames += 1;
                            decode_as_everything(frame.payload);
                        }
                        Ok(None) => return Ok(frames),
                        Err(error) => return Err(error.to_string()),
                    }
                }
            })
        });
        // The reader's fixed buffer, plus a large frame's buffer up to the limit.
        let allowed = 2 * 64 * 1024 + MAX_PAYLOAD + HELD_ANYWAY + HELD_PER_INPUT_BYTE * len;
        prop_assert!(peak <= allowed, "{peak} bytes held reading {len}");
        if let Err(refusal) = frames {
            prop_assert!(
                refusal.contains("frame") || refusal.contains("connection"),
                "the refusal says what was wrong: {refusal}"
            );
        }
    });
}

/// A request of a few bytes whose topic name claims half a gigabyte (within the codec's decode
/// limit): refused as cut short, having allocated about the bytes that are there, not the claim.
#[test]
fn a_length_claiming_more_bytes_than_the_frame_holds_allocates_only_what_is_there() {
    let valid = codec::encode(&Request::DescribeTopic { topic: "abc".into() });
    // Header (6 bytes), variant index (1), then the name's length, a one-byte varint here.
    assert_eq!(valid[7], 3);
    let mut claiming = valid[..7].to_vec();
    claiming.push(0xfc); // bincode's varint marker: a u32 follows
    claiming.extend_from_slice(&(512u32 << 20).to_le_bytes());
    claiming.extend_from_slice(b"abc");
    let (decoded, peak) = peak_allocation(|| codec::decode::<Request>(&claiming));
    let refusal = decoded.unwrap_err().to_string();
    assert!(
        refusal.contains("malformed") && refusal.contains("envelope"),
        "{refusal}"
    );
    assert!(peak < 1 << 20, "{peak} bytes held for {} bytes", claiming.len());
}
