//! Connections cannot exhaust the host, and clients never wait long on a dead or foreign peer:
//! a real host on 127.0.0.1 port 0 (or a fake peer on one), raw sockets and the real client.

use std::time::Duration;

use regroup_assignor_api::codec;
use regroup_client::PartitionName;
use regroup_client::Record;
use regroup_client::{Client, ClientError, ClientOptions, Producer, ProducerConfig};
use regroup_protocol::messages::offsets::{CommitOffsets, OffsetCommit};
use regroup_protocol::messages::records::{Fetch, FetchPartition};
use regroup_protocol::messages::topics::CreateTopic;
use regroup_protocol::{ErrorCode, Hello, Request, Response, Welcome, encode_frame};
use regroup_tests::host::{addr, raw_connection, read_frame, start_host_with};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Guards against hanging; never a measurement.
const PATIENCE: Duration = Duration::from_secs(60);

fn options(request_timeout: Duration) -> ClientOptions {
    ClientOptions {
        request_timeout,
        ..ClientOptions::default()
    }
}

async fn within<T>(what: &str, work: impl Future<Output = T>) -> T {
    tokio::time::timeout(PATIENCE, work)
        .await
        .unwrap_or_else(|_| panic!("gave up after {PATIENCE:?} waiting for {what}"))
}

/// The header of a frame announcing `payload` bytes, the way a hostile or stalled peer starts.
fn frame_header(request_id: u64, payload: usize) -> Vec<u8> {
    let mut header = ((payload + 8) as u32).to_le_bytes().to_vec();
    header.extend_from_slice(&request_id.to_le_bytes());
    header
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_is_served_while_1040_idle_connections_are_open() {
    let dir = tempfile::tempdir().unwrap();
    let host = start_host_with(dir.path(), |config| {
        config.max_connections = 1024;
        config.handshake_timeout_ms = 1000;
    });
    let mut idle = Vec::new();
    for _ in 0..1040 {
        idle.push(TcpStream::connect(addr(&host)).await.unwrap());
    }
    // Past the limit or not, the idle ones are closed once their hello is overdue, and the
    // client's refused attempts are retried until a slot is free.
    let client = within(
        "a client among idle connections",
        Client::connect_with(&addr(&host), options(PATIENCE)),
    )
    .await
    .unwrap();
    let topic = client.create_topic(CreateTopic::new("served", 1)).await.unwrap();
    assert_eq!(topic.topic, "served");
    drop(idle);
    host.shutdown().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_past_the_limit_is_refused_with_too_many_connections() {
    let dir = tempfile::tempdir().unwrap();
    let host = start_host_with(dir.path(), |config| config.max_connections = 2);
    let held = vec![
        raw_connection(&addr(&host)).await,
        raw_connection(&addr(&host)).await,
    ];
    let mut third = TcpStream::connect(addr(&host)).await.unwrap();
    third
        .write_all(&encode_frame(1, &Hello::current("third")))
        .await
        .unwrap();
    let (_, payload) = within("the refusal", read_frame(&mut third))
        .await
        .expect("a refused welcome, not a silent close");
    match codec::decode::<Welcome>(&payload).unwrap() {
        Welcome::Refused(error) => {
            assert!(error.is(ErrorCode::TooManyConnections), "{error}");
            assert!(error.message.contains("max_connections"), "{error}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    let error = Client::connect_with(&addr(&host), options(Duration::from_millis(500)))
        .await
        .err()
        .expect("still at the limit");
    assert!(error.is(ErrorCode::TooManyConnections), "{error}");

    drop(held);
    let client = within(
        "a client once a slot is free",
        Client::connect_with(&addr(&host), options(PATIENCE)),
    )
    .await
    .unwrap();
    assert!(client.list_topics().await.unwrap().is_empty());
    host.shutdown().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_that_sends_no_hello_is_closed_after_the_handshake_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let host = start_host_with(dir.path(), |config| config.handshake_timeout_ms = 200);
    let mut silent = TcpStream::connect(addr(&host)).await.unwrap();
    let mut byte = [0u8; 1];
    let read = within("the server to close", silent.read(&mut byte)).await;
    assert!(matches!(read, Ok(0)), "{read:?}");
    host.shutdown().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_connection_is_closed_but_not_while_its_own_fetch_waits() {
    let dir = tempfile::tempdir().unwrap();
    let host = start_host_with(dir.path(), |config| config.connections_max_idle_ms = 300);
    Client::connect(&addr(&host))
        .await
        .unwrap()
        .create_topic(CreateTopic::new("quiet", 1))
        .await
        .unwrap();

    // A fetch that waits three idle periods for records that never come is answered.
    let mut waiting = raw_connection(&addr(&host)).await;
    let fetch = Request::Fetch(Fetch {
        member: None,
        partitions: vec![FetchPartition {
            topic: "quiet".into(),
            partition: 0,
            offset: 0,
            max_bytes: 1 << 20,
        }],
        max_wait_ms: 900,
        max_bytes: 1 << 20,
    });
    waiting.write_all(&encode_frame(2, &fetch)).await.unwrap();
    let (request_id, payload) = within("the fetch answer", read_frame(&mut waiting))
        .await
        .expect("answered, not closed while waiting");
    assert_eq!(request_id, 2);
    assert!(matches!(
        codec::decode::<Response>(&payload).unwrap(),
        Response::Fetched(_)
    ));
    // Then nothing more is asked: the connection is closed.
    assert!(within("the idle close", read_frame(&mut waiting)).await.is_none());
    host.shutdown().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_being_read_share_one_memory_budget_and_wait_for_it() {
    let dir = tempfile::tempdir().unwrap();
    let host = start_host_with(dir.path(), |config| {
        config.max_frame_bytes = 1 << 20;
        config.queued_max_request_bytes = 2 << 20;
    });
    let client = Client::connect(&addr(&host)).await.unwrap();
    client.create_topic(CreateTopic::new("t", 1)).await.unwrap();
    // Two peers announce the largest request and send only part of it: the budget is taken.
    let mut stalled = Vec::new();
    for id in 0..2 {
        let mut peer = raw_connection(&addr(&host)).await;
        peer.write_all(&frame_header(id, 1 << 20)).await.unwrap();
        peer.write_all(&vec![0; 100_000]).await.unwrap();
        stalled.push(peer);
    }
    let producer = Producer::with_client(client.clone(), ProducerConfig::default())
        .await
        .unwrap();
    let send = producer.send("t", Record::new(vec![7u8; 300_000]));
    tokio::pin!(send);
    assert!(
        tokio::time::timeout(Duration::from_millis(500), &mut send)
            .await
            .is_err(),
        "a large produce waits while the requests being read hold the budget"
    );
    // Small requests fit their connection's own buffer and are served meanwhile.
    let other = Client::connect(&addr(&host)).await.unwrap();
    assert_eq!(other.list_topics().await.unwrap(), ["t"]);

    drop(stalled);
    let landed = within("the produce once the budget is free", send).await.unwrap();
    assert_eq!(landed.offset, 0);
    host.shutdown().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_topic_past_the_hosts_partition_budget_is_refused_before_anything_is_created() {
    let dir = tempfile::tempdir().unwrap();
    let host = start_host_with(dir.path(), |config| config.max_partitions = 100);
    let client = Client::connect(&addr(&host)).await.unwrap();
    let error = client
        .create_topic(CreateTopic::new("huge", 100_000))
        .await
        .unwrap_err();
    assert!(error.is(ErrorCode::InvalidTopicSettings), "{error}");
    assert!(error.to_string().contains("limit of 100"), "{error}");
    assert!(!dir.path().join("topics/huge").exists());
    client.create_topic(CreateTopic::new("fits", 100)).await.unwrap();
    host.shutdown().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commits_and_group_ids_past_their_limits_are_refused_and_nothing_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let host = start_host_with(dir.path(), |_| {});
    let client = Client::connect(&addr(&host)).await.unwrap();
    client.create_topic(CreateTopic::new("t", 1)).await.unwrap();
    let producer = Producer::with_client(client.clone(), ProducerConfig::default())
        .await
        .unwrap();
    for _ in 0..10 {
        producer.send("t", Record::new("r")).await.unwrap();
    }
    let commit = |group: String, offset: i64, metadata: usize| CommitOffsets {
        group,
        member: None,
        offsets: vec![OffsetCommit {
            partition: PartitionName::new("t", 0),
            offset,
            metadata: Some("m".repeat(metadata)),
        }],
    };
    let refusals = [
        (commit("g".into(), 5, 20 << 20), "offset.metadata.max.bytes"),
        (commit("g".into(), -1, 0), "negative"),
        (commit("g".into(), 11, 0), "past the partition's end (10)"),
        (commit("g".repeat(100_000), 5, 0), "at most 255 bytes"),
    ];
    for (refused, reason) in refusals {
        let error = client.commit_offsets(refused).await.unwrap_err();
        assert!(error.is(ErrorCode::InvalidGroupRequest), "{error}");
        assert!(error.to_string().contains(reason), "{error}");
        assert!(error.to_string().len() < 500, "{error}");
    }
    assert!(client.committed_offsets("g", None).await.unwrap().is_empty());
    client.commit_offsets(commit("g".into(), 10, 4096)).await.unwrap();
    assert_eq!(client.committed_offsets("g", None).await.unwrap()[0].offset, 10);
    host.shutdown().unwrap();
}

/// A peer on 127.0.0.1 that answers every connection with `answer`, then closes it.
async fn fake_peer(answer: &'static [u8]) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap().to_string();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut request = [0u8; 1024];
                let _ = socket.read(&mut request).await;
                let _ = socket.write_all(answer).await;
                let _ = socket.shutdown().await;
            });
        }
    });
    address
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_that_is_not_regroup_is_named_as_such_and_not_retried() {
    let http = fake_peer(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n").await;
    let error = within("the HTTP peer", Client::connect_with(&http, options(PATIENCE)))
        .await
        .err()
        .expect("an HTTP server is no Regroup host");
    assert!(matches!(error, ClientError::NotRegroup { .. }), "{error}");
    let message = error.to_string();
    assert!(
        message.contains(&format!("{http} is not a Regroup server")),
        "{message}"
    );
    assert!(message.contains("HTTP/1.1 400 Bad Request"), "{message}");

    for garbage in [
        &[0xff_u8; 32][..],
        &[3, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8][..],
        &[9, 9][..],
    ] {
        let peer = fake_peer(Box::leak(garbage.to_vec().into_boxed_slice())).await;
        let error = within("the garbage peer", Client::connect_with(&peer, options(PATIENCE)))
            .await
            .err()
            .expect("garbage is no welcome");
        assert!(matches!(error, ClientError::NotRegroup { .. }), "{error}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_that_accepts_and_says_nothing_fails_the_handshake_in_time() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let silent = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let options = ClientOptions {
        connection_setup_timeout: Duration::from_millis(200),
        ..options(PATIENCE)
    };
    let error = within("the silent peer", Client::connect_with(&address, options))
        .await
        .err()
        .expect("no welcome");
    assert!(matches!(error, ClientError::Timeout { .. }), "{error}");
    assert!(error.to_string().contains("handshake"), "{error}");
    silent.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_call_the_server_never_answers_ends_at_the_request_timeout() {
    // A peer that completes the handshake, then reads requests and answers none.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let mute = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((mut socket, _)) = listener.accept().await {
            let _ = read_frame(&mut socket).await;
            let welcome = Welcome::Accepted {
                version: 2,
                server: "mute".into(),
                max_frame_bytes: 1 << 20,
            };
            socket.write_all(&encode_frame(0, &welcome)).await.unwrap();
            held.push(socket);
        }
    });
    let client = Client::connect_with(&address, options(Duration::from_millis(300)))
        .await
        .unwrap();
    let error = within("the unanswered call", client.list_topics())
        .await
        .unwrap_err();
    match &error {
        ClientError::Timeout { what, after, .. } => {
            assert_eq!(what, "list-topics");
            assert_eq!(*after, Duration::from_millis(300));
        }
        other => panic!("expected a timeout, got {other}"),
    }
    mute.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connecting_where_nothing_listens_fails_within_the_request_timeout_naming_the_address() {
    let closed = {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        listener.local_addr().unwrap().to_string()
    };
    let error = within(
        "connecting to a closed port",
        Client::connect_with(&closed, options(Duration::from_millis(500))),
    )
    .await
    .err()
    .expect("nothing listens");
    assert!(matches!(error, ClientError::Connect { .. }), "{error}");
    assert!(error.to_string().contains(&closed), "{error}");
}
