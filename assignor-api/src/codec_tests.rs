//! Tests of the codec over the contract's own envelopes (the codec lives in `regroup-codec`).

use crate::codec::*;
use crate::model::{GroupSpec, Protocol};

fn spec() -> GroupSpec {
    GroupSpec::builder()
        .protocol(Protocol::Cooperative)
        .topic("orders", 3)
        .member("c1", &["orders"])
        .owned(&[("orders", 1)], Some(4))
        .build()
}

#[test]
fn round_trips_a_group_spec() {
    let spec = spec();
    assert_eq!(decode::<GroupSpec>(&encode(&spec)).unwrap(), spec);
}

#[test]
fn members_sharing_a_subscription_round_trip_with_their_own_data() {
    let spec = GroupSpec::builder()
        .topic("a", 2)
        .topic("b", 1)
        .member("m1", &["a", "b"])
        .user_data(b"one")
        .member("m2", &["a"])
        .member("m3", &["a", "b"])
        .owned(&[("b", 0)], Some(2))
        .rack("r1")
        .build();
    let bytes = encode(&spec);
    let decoded = decode::<GroupSpec>(&bytes).unwrap();
    assert_eq!(decoded, spec);
    // Decoded, like members hold one list between them.
    let [m1, m2, m3] = &decoded.members[..] else {
        panic!("three members")
    };
    assert!(m1.topics.shares(&m3.topics));
    assert!(!m1.topics.shares(&m2.topics));
}

#[test]
fn a_member_referring_to_a_missing_subscription_is_malformed() {
    let spec = GroupSpec::builder().topic("a", 1).member("m1", &["a"]).build();
    let mut bytes = encode(&spec);
    // After the member's id ("m1") comes its instance id (None: one byte), then its
    // subscription index.
    let at = bytes.windows(2).rposition(|w| w == b"m1").unwrap() + 3;
    bytes[at] = 7;
    let err = decode::<GroupSpec>(&bytes).unwrap_err();
    assert!(err.to_string().contains("subscription 7 of 1"), "{err}");
}

proptest::proptest! {
    #[test]
    fn any_group_round_trips(
        members in proptest::collection::vec(
            (proptest::collection::vec(0u32..4, 0..4), proptest::collection::vec(proptest::num::u8::ANY, 0..6),
             proptest::collection::vec((0u32..4, 0u32..9), 0..5), proptest::option::of(0i32..9)),
            0..12),
    ) {
        let mut builder = GroupSpec::builder().generation(3).topic("a", 9).topic("b", 2).topic("c", 0).topic("d", 1);
        let names = ["a", "b", "c", "d"];
        for (i, (topics, data, owned, generation)) in members.iter().enumerate() {
            let topics: Vec<&str> = topics.iter().map(|t| names[*t as usize]).collect();
            let owned: Vec<(&str, u32)> = owned.iter().map(|(t, p)| (names[*t as usize], *p)).collect();
            builder = builder.member(&format!("m{i}"), &topics).user_data(data).owned(&owned, *generation);
        }
        let spec = builder.build();
        let bytes = encode(&spec);
        // The size hint covers the envelope, so encoding reserves once and never regrows.
        proptest::prop_assert!(bytes.len() <= HEADER_LEN + spec.size_hint(), "{} > {}", bytes.len(), HEADER_LEN + spec.size_hint());
        proptest::prop_assert_eq!(decode::<GroupSpec>(&bytes).unwrap(), spec);
    }
}

#[test]
fn a_large_group_with_racks_encodes_within_its_size_hint() {
    let mut spec = crate::kit::large_group(300, 20, 50, true, Protocol::Cooperative);
    for (i, m) in spec.members.iter_mut().enumerate() {
        m.owned = (0..3)
            .map(|t| crate::model::TopicPartition::new(crate::model::TopicId(t), i as u32))
            .collect();
        m.rack = Some(format!("rack-{}", i % 3));
        m.instance_id = Some(format!("instance-{i}"));
        m.user_data = vec![7; i % 11];
    }
    spec.topics[0].replica_racks = Some(vec![vec!["rack-0".to_owned(), "rack-1".to_owned()]; 50]);
    spec.group_id = Some("readers".to_owned());
    let bytes = encode(&spec);
    assert!(
        bytes.len() <= HEADER_LEN + spec.size_hint(),
        "{} > {}",
        bytes.len(),
        spec.size_hint()
    );
    // And not far above it: the reservation is what the envelope takes.
    assert!(
        spec.size_hint() < bytes.len() * 2,
        "{} vs {}",
        spec.size_hint(),
        bytes.len()
    );
}

#[test]
fn a_packed_array_of_the_wrong_length_is_malformed() {
    use crate::abi::AssignReply;
    use crate::model::{Assignment, MemberAssignment, TopicId, TopicPartition};
    let reply = AssignReply(Ok(Assignment {
        members: vec![MemberAssignment {
            member_id: "m".into(),
            partitions: vec![TopicPartition::new(TopicId(1), 2)],
            user_data: vec![],
        }],
    }));
    let mut bytes = encode(&reply);
    let round: AssignReply = decode(&bytes).unwrap();
    assert_eq!(round, reply);
    // The partitions' byte string is 8 bytes long; claim 7 and drop one byte.
    let at = bytes.iter().rposition(|&b| b == 8).unwrap();
    bytes[at] = 7;
    bytes.remove(at + 1);
    let err = decode::<AssignReply>(&bytes).unwrap_err();
    assert!(err.to_string().contains("8-byte entries"), "{err}");
}

#[test]
fn a_group_written_in_version_1_leaves_out_the_group_id_and_reads_back_without_it() {
    let mut spec = spec();
    spec.group_id = Some("readers".into());
    let v1 = encode_version(&spec, 1);
    let v2 = encode(&spec);
    assert_eq!(u16::from_le_bytes([v1[4], v1[5]]), 1);
    assert_eq!(u16::from_le_bytes([v2[4], v2[5]]), 2);
    // Version 2 is version 1's payload with the new field appended.
    assert_eq!(&v2[HEADER_LEN..v1.len()], &v1[HEADER_LEN..]);
    assert_eq!(decode::<GroupSpec>(&v2).unwrap(), spec);
    let read = decode::<GroupSpec>(&v1).unwrap();
    assert_eq!(read.group_id, None);
    spec.group_id = None;
    assert_eq!(read, spec);
}

#[test]
fn an_info_reply_of_contract_1_0_reads_as_declaring_nothing_so_it_is_sent_version_1() {
    use crate::abi::{InfoReply, group_spec_version};
    use crate::model::AssignorInfo;
    let info = AssignorInfo::new("old", "1.0.0", "d", &[Protocol::Eager]);
    assert_eq!(group_spec_version(&info), Some(2));
    let v1 = encode_version(&InfoReply(Ok(info.clone())), 1);
    let InfoReply(read) = decode(&v1).unwrap();
    let read = read.unwrap();
    assert!(read.reads.is_empty());
    assert_eq!(
        (read.name.as_str(), read.protocols.as_slice()),
        ("old", &[Protocol::Eager][..])
    );
    assert_eq!(group_spec_version(&read), Some(1));
    let InfoReply(now) = decode(&encode(&InfoReply(Ok(info.clone())))).unwrap();
    assert_eq!(now.unwrap(), info);
}

#[test]
fn a_reader_sharing_no_version_with_this_side_gets_none() {
    let future = [Reads {
        tag: *b"RGGS",
        oldest: 5,
        newest: 7,
    }];
    assert_eq!(Reads::newest_shared::<GroupSpec>(&future), None);
    let wide = [Reads {
        tag: *b"RGGS",
        oldest: 1,
        newest: 9,
    }];
    assert_eq!(Reads::newest_shared::<GroupSpec>(&wide), Some(2));
}

#[test]
fn refuses_another_kind_of_envelope() {
    let mut bytes = encode(&spec());
    bytes[0] = b'X';
    assert!(matches!(
        decode::<GroupSpec>(&bytes),
        Err(CodecError::WrongKind { .. })
    ));
}

#[test]
fn refuses_another_version_naming_both() {
    let mut bytes = encode(&spec());
    bytes[4] = 99;
    let err = decode::<GroupSpec>(&bytes).unwrap_err();
    assert!(err.to_string().contains("version 99"), "{err}");
    assert!(err.to_string().contains("reads versions 1 to 2"), "{err}");
}

#[test]
fn refuses_truncated_and_padded_payloads() {
    let bytes = encode(&spec());
    assert!(matches!(
        decode::<GroupSpec>(&bytes[..bytes.len() - 1]),
        Err(CodecError::Malformed { .. })
    ));
    let mut padded = bytes.clone();
    padded.push(0);
    assert!(matches!(
        decode::<GroupSpec>(&padded),
        Err(CodecError::TrailingBytes { extra: 1, .. })
    ));
    assert!(matches!(
        decode::<GroupSpec>(&bytes[..3]),
        Err(CodecError::TooShort { len: 3 })
    ));
}

#[test]
fn a_hostile_length_prefix_fails_instead_of_allocating() {
    let mut bytes = encode(&spec());
    bytes.truncate(HEADER_LEN + 2); // generation, protocol
    bytes.extend_from_slice(&[0xFD, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F]); // topics: 2^63
    assert!(decode::<GroupSpec>(&bytes).is_err());
}
