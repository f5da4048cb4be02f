//! The wire protocol end to end: a real host on 127.0.0.1, real files in a temp dir, the real
//! client. Producing and consuming, refused frames, error codes, and a restart.

use std::collections::BTreeMap;
use std::time::Duration;

use regroup_assignor_api::codec;
use regroup_client::PartitionName;
use regroup_client::Record;
use regroup_client::{Consumer, Producer, ProducerConfig};
use regroup_protocol::messages::topics::CreateTopic;
use regroup_protocol::partitioner::partition_for_key;
use regroup_protocol::{ErrorCode, Request, Response, Welcome, encode_frame};
use regroup_tests::host::{addr, admin, manual_consumer, raw_connection, read_frame, start_host};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

const LIMIT: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn produced_records_come_back_in_order_on_the_partition_the_log_chooses() {
    let dir = tempfile::tempdir().unwrap();
    let host = start_host(dir.path());
    let admin = admin(&host).await;
    admin.create_topic(CreateTopic::new("orders", 3)).await.unwrap();
    let producer = Producer::connect(&addr(&host), ProducerConfig::default())
        .await
        .unwrap();
    let mut deliveries = Vec::new();
    for i in 0..3000u32 {
        let record = Record::new(i.to_le_bytes().to_vec()).with_key(format!("key-{}", i % 10));
        deliveries.push(producer.enqueue("orders", record).await.unwrap());
    }
    for (i, delivery) in deliveries.into_iter().enumerate() {
        let landed = delivery.await.unwrap();
        let key = format!("key-{}", i % 10);
        assert_eq!(
            landed.partition,
            partition_for_key(key.as_bytes(), 3),
            "record {i}"
        );
    }
    producer.close().await.unwrap();

    let mut consumer = Consumer::connect(&addr(&host), manual_consumer("readers", Duration::from_secs(10)))
        .await
        .unwrap();
    consumer.subscribe(&["orders"]);
    let mut by_key: BTreeMap<regroup_client::Bytes, Vec<u32>> = BTreeMap::new();
    let mut seen = 0;
    let started = tokio::time::Instant::now();
    while seen < 3000 {
        assert!(started.elapsed() < LIMIT, "gave up after {seen} records");
        let records = consumer.poll(Duration::from_millis(200)).await.unwrap();
        for record in records {
            let key = record.key.clone().unwrap();
            assert_eq!(record.partition, partition_for_key(&key, 3));
            let value = u32::from_le_bytes(record.value[..].try_into().unwrap());
            by_key.entry(key).or_default().push(value);
            seen += 1;
        }
    }
    assert_eq!(by_key.len(), 10);
    for (key, values) in &by_key {
        let expected: Vec<u32> = (0..3000)
            .filter(|i| format!("key-{}", i % 10).as_bytes() == key)
            .collect();
        assert_eq!(values, &expected, "records of {}", String::from_utf8_lossy(key));
    }
    consumer.close().await.unwrap();
    host.shutdown().unwrap();
}

/// The crate docs' quickstart of `regroup-client`, line for line, against a real host.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_crate_quickstart_produces_and_consumes_against_a_real_host() {
    use regroup_client::{Client, ConsumerConfig, OffsetReset};
    let dir = tempfile::tempdir().unwrap();
    let host = start_host(dir.path());
    let addr = addr(&host);
    let quickstart = async {
        Client::connect(&addr)
            .await?
            .create_topic(CreateTopic::new("orders", 3))
            .await?;

        let producer = Producer::connect(&addr, ProducerConfig::default()).await?;
        producer
            .send("orders", Record::new("paid").with_key("order-17"))
            .await?;
        producer.close().await?;

        let mut config = ConsumerConfig::new("billing");
        config.auto_offset_reset = OffsetReset::Earliest;
        let mut consumer = Consumer::connect(&addr, config).await?;
        consumer.subscribe(&["orders"]);
        let records = loop {
            let records = consumer.poll(Duration::from_millis(500)).await?;
            if !records.is_empty() {
                break records;
            }
        };
        consumer.close().await?;
        Ok::<_, regroup_client::ClientError>(records)
    };
    let records = tokio::time::timeout(LIMIT, quickstart)
        .await
        .expect("in time")
        .unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].value, "paid");
    assert_eq!(records[0].key.as_deref(), Some(&b"order-17"[..]));
    assert_eq!(records[0].partition, partition_for_key(b"order-17", 3));
}

/// Reads the error frame that answers a bad frame, then the end of the connection.
async fn expect_error_then_close(stream: &mut TcpStream, code: ErrorCode) -> u64 {
    let (request_id, payload) = read_frame(stream).await.expect("an error frame");
    match codec::decode::<Response>(&payload).unwrap() {
        Response::Error(error) => assert!(error.is(code), "expected {code:?}, got {error}"),
        other => panic!("expected an error frame, got {other:?}"),
    }
    assert!(
        read_frame(stream).await.is_none(),
        "the connection must be closed"
    );
    request_id
}

fn raw_frame(request_id: u64, payload: &[u8]) -> Vec<u8> {
    let mut frame = ((8 + payload.len()) as u32).to_le_bytes().to_vec();
    frame.extend_from_slice(&request_id.to_le_bytes());
    frame.extend_from_slice(payload);
    frame
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_oversized_and_unknown_frames_get_error_frames_and_other_connections_keep_working() {
    let dir = tempfile::tempdir().unwrap();
    let host = start_host(dir.path());
    let bystander = admin(&host).await;
    bystander.create_topic(CreateTopic::new("t", 1)).await.unwrap();
    let address = addr(&host);

    // A request envelope whose payload is junk.
    let mut stream = raw_connection(&address).await;
    let mut junk = codec::encode(&Request::ListTopics);
    junk.truncate(6);
    junk.extend_from_slice(&[0xff; 9]);
    stream.write_all(&raw_frame(7, &junk)).await.unwrap();
    assert_eq!(
        expect_error_then_close(&mut stream, ErrorCode::MalformedFrame).await,
        7
    );

    // A length far beyond the limit: refused from the header, nothing else sent.
    let mut stream = raw_connection(&address).await;
    let mut header = u32::MAX.to_le_bytes().to_vec();
    header.extend_from_slice(&9u64.to_le_bytes());
    stream.write_all(&header).await.unwrap();
    assert_eq!(
        expect_error_then_close(&mut stream, ErrorCode::FrameTooLarge).await,
        9
    );

    // An envelope of a kind the server does not know, and one of an unknown version.
    for bytes in [b"XXXX\x01\x00".to_vec(), {
        let mut request = codec::encode(&Request::ListTopics);
        request[4] = 99;
        request
    }] {
        let mut stream = raw_connection(&address).await;
        stream.write_all(&raw_frame(3, &bytes)).await.unwrap();
        expect_error_then_close(&mut stream, ErrorCode::UnknownMessage).await;
    }

    // A request before the handshake.
    let mut stream = TcpStream::connect(&address).await.unwrap();
    stream
        .write_all(&encode_frame(4, &Request::ListTopics))
        .await
        .unwrap();
    let (_, payload) = read_frame(&mut stream).await.unwrap();
    match codec::decode::<Welcome>(&payload).unwrap() {
        Welcome::Refused(error) => assert!(error.is(ErrorCode::HandshakeRequired), "{error}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert!(read_frame(&mut stream).await.is_none());

    // Random bytes of every length, then the peer vanishes: never an answer the server cannot give.
    for length in [1usize, 5, 11, 12, 13, 40, 300] {
        let mut stream = raw_connection(&address).await;
        let noise: Vec<u8> = (0..length).map(|i| (i * 37 + length) as u8).collect();
        stream.write_all(&noise).await.unwrap();
        drop(stream);
    }

    // The connection opened first was never disturbed, and new ones are served.
    assert_eq!(bystander.list_topics().await.unwrap(), vec!["t".to_owned()]);
    assert_eq!(
        admin(&host)
            .await
            .describe_topic("t")
            .await
            .unwrap()
            .partition_count(),
        1
    );
    host.shutdown().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_arrive_with_their_stable_codes_and_messages() {
    let dir = tempfile::tempdir().unwrap();
    let host = start_host(dir.path());
    let client = admin(&host).await;
    let error = client.describe_topic("missing").await.unwrap_err();
    assert_eq!(error.code(), Some(ErrorCode::UnknownTopic));
    assert!(error.to_string().contains("\"missing\""), "{error}");
    client.create_topic(CreateTopic::new("t", 2)).await.unwrap();
    let error = client.create_topic(CreateTopic::new("t", 2)).await.unwrap_err();
    assert_eq!(error.code().map(ErrorCode::number), Some(101));
    let error = client.add_partitions("t", 1).await.unwrap_err();
    assert_eq!(error.code(), Some(ErrorCode::PartitionCountNotIncreased));
    let error = client.describe_group("nobody").await.unwrap_err();
    assert_eq!(error.code().map(ErrorCode::number), Some(201));
    let error = client
        .create_topic(CreateTopic::new("bad/name", 1))
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some(ErrorCode::InvalidTopicName));
    host.shutdown().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_host_has_its_topics_records_and_committed_offsets() {
    let dir = tempfile::tempdir().unwrap();
    let host = start_host(dir.path());
    let client = admin(&host).await;
    client.create_topic(CreateTopic::new("kept", 2)).await.unwrap();
    let producer = Producer::connect(&addr(&host), ProducerConfig::default())
        .await
        .unwrap();
    for i in 0..100u32 {
        producer
            .enqueue("kept", Record::new(format!("v{i}")).with_key(format!("k{i}")))
            .await
            .unwrap();
    }
    producer.flush().await.unwrap();
    let mut consumer = Consumer::connect(&addr(&host), manual_consumer("keepers", Duration::from_secs(10)))
        .await
        .unwrap();
    consumer.subscribe(&["kept"]);
    let mut read = 0;
    while read < 60 {
        read += consumer.poll(Duration::from_millis(100)).await.unwrap().len();
    }
    consumer.commit_sync().await.unwrap();
    let committed: Vec<(PartitionName, u64)> = consumer
        .assignment()
        .iter()
        .map(|p| (p.clone(), consumer.position(p).unwrap()))
        .collect();
    consumer.close().await.unwrap();
    drop(producer);
    host.shutdown().unwrap();

    let host = start_host(dir.path());
    let client = admin(&host).await;
    assert_eq!(client.list_topics().await.unwrap(), vec!["kept".to_owned()]);
    let topic = client.describe_topic("kept").await.unwrap();
    assert_eq!(
        topic.partitions.iter().map(|p| p.high_watermark).sum::<u64>(),
        100
    );
    let stored = client.committed_offsets("keepers", None).await.unwrap();
    let stored: Vec<(PartitionName, u64)> = stored
        .into_iter()
        .map(|c| (c.partition, c.offset as u64))
        .collect();
    assert_eq!(stored, committed);
    // A new member of the group resumes where the commits say, and reads the rest exactly.
    let mut consumer = Consumer::connect(&addr(&host), manual_consumer("keepers", Duration::from_secs(10)))
        .await
        .unwrap();
    consumer.subscribe(&["kept"]);
    let remaining: u64 = topic.partitions.iter().map(|p| p.high_watermark).sum::<u64>()
        - committed.iter().map(|(_, offset)| offset).sum::<u64>();
    let mut records = Vec::new();
    let started = tokio::time::Instant::now();
    while (records.len() as u64) < remaining {
        assert!(
            started.elapsed() < LIMIT,
            "gave up waiting for the rest of the records"
        );
        records.extend(consumer.poll(Duration::from_millis(100)).await.unwrap());
    }
    assert_eq!(records.len() as u64, remaining);
    for (partition, offset) in &committed {
        let first = records
            .iter()
            .find(|r| r.topic == partition.topic && r.partition == partition.partition);
        if let Some(first) = first {
            assert_eq!(
                first.offset, *offset,
                "{partition} resumes at its committed offset"
            );
        }
    }
    consumer.close().await.unwrap();
    host.shutdown().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batches_compressed_with_each_codec_are_stored_as_sent_and_consumed_back() {
    use regroup_client::Compression;
    let dir = tempfile::tempdir().unwrap();
    let host = start_host(dir.path());
    let admin = admin(&host).await;
    let value = |i: u32| format!("event {i}: {}", "payload ".repeat(20)).into_bytes();
    for codec in [
        Compression::None,
        Compression::Gzip,
        Compression::Snappy,
        Compression::Lz4,
        Compression::Zstd,
    ] {
        let topic = format!("events-{}", codec.name());
        admin.create_topic(CreateTopic::new(&topic, 1)).await.unwrap();
        let config = ProducerConfig {
            compression: codec,
            ..ProducerConfig::default()
        };
        let producer = Producer::connect(&addr(&host), config).await.unwrap();
        let mut deliveries = Vec::new();
        for i in 0..2000 {
            let record = Record::new(value(i)).with_key(format!("k{}", i % 3));
            deliveries.push(producer.enqueue(&topic, record).await.unwrap());
        }
        for delivery in deliveries {
            delivery.await.unwrap();
        }
        producer.close().await.unwrap();
        // The stored batches are the producer's, still compressed: the host did not inflate them.
        let stored = admin.describe_topic(&topic).await.unwrap().partitions[0].size_bytes;
        let plain: u64 = (0..2000).map(|i| value(i).len() as u64).sum();
        if codec == Compression::None {
            assert!(stored > plain, "{stored} bytes stored for {plain} of values");
        } else {
            assert!(
                stored < plain / 5,
                "{codec:?}: {stored} bytes stored for {plain} of values"
            );
        }

        let group = format!("readers-{}", codec.name());
        let mut consumer = Consumer::connect(&addr(&host), manual_consumer(&group, Duration::from_secs(10)))
            .await
            .unwrap();
        consumer.subscribe(&[topic.as_str()]);
        let mut values = Vec::new();
        let started = tokio::time::Instant::now();
        while values.len() < 2000 {
            assert!(
                started.elapsed() < LIMIT,
                "{codec:?}: gave up after {}",
                values.len()
            );
            for record in consumer.poll(Duration::from_millis(200)).await.unwrap() {
                assert_eq!(record.offset, values.len() as u64);
                values.push(record.value.to_vec());
            }
        }
        assert_eq!(values, (0..2000).map(value).collect::<Vec<_>>(), "{codec:?}");
        consumer.close().await.unwrap();
    }
    host.shutdown().unwrap();
}
