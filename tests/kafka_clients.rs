//! Real Kafka clients against a real `regroup serve` (both listeners on 127.0.0.1 port 0):
//! librdkafka 2.16 through confluent-kafka, kafka-python, aiokafka, kafkajs and kcat (when on
//! the PATH), installed as [`regroup_tests::kafka`] says. Bad requests are sent as raw bytes.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use regroup_tests::cli::{ConsumerProcess, Server, ok, produce_lines, regroup};
use regroup_tests::kafka::{client_file, create_topic, kafka_addr, kcat, node_modules, python};

/// Runs `librdkafka.py BOOTSTRAP ARGS...`; its stdout, or a panic with its stderr.
fn librdkafka(server: &Server, args: &[&str]) -> String {
    let output = librdkafka_output(server, args);
    assert!(
        output.status.success(),
        "librdkafka.py {args:?} failed ({}):\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

fn librdkafka_output(server: &Server, args: &[&str]) -> Output {
    Command::new(python())
        .arg(client_file("librdkafka.py"))
        .arg(kafka_addr(server))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn librdkafka_produces_with_every_codec_idempotence_and_every_acks_and_reads_every_record_back_intact() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path(), None);
    create_topic(&server, "orders", 3);
    let out = librdkafka(&server, &["roundtrip", "orders", "3"]);
    assert!(
        out.contains("roundtrip: 280 records, codecs none gzip snappy lz4 zstd, acks all 0 1, 3 partitions"),
        "{out}"
    );
    // The host stored each once: the native side sees all 280.
    let described = ok(regroup(&["topics", "describe", "orders", "--json"], &server));
    let described: serde_json::Value = serde_json::from_str(&described).unwrap();
    let stored: u64 = described["partitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["high_watermark"].as_u64().unwrap() - p["log_start_offset"].as_u64().unwrap())
        .sum();
    assert_eq!(stored, 280, "{described}");
}

#[test]
fn metadata_gives_each_topic_its_id_kept_on_disk_across_restarts() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path(), None);
    create_topic(&server, "orders", 2);
    let stored = std::fs::read_to_string(data.path().join("topics/orders/topic.id")).unwrap();
    let told = librdkafka(&server, &["topic-id", "orders"]);
    assert_eq!(told.trim(), stored.trim());
    server.stop();
    let server = Server::start(data.path(), None);
    assert_eq!(librdkafka(&server, &["topic-id", "orders"]).trim(), stored.trim());
}

#[test]
fn records_cross_between_librdkafka_and_regroups_own_client_both_ways() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path(), None);
    create_topic(&server, "orders", 1);
    librdkafka(&server, &["produce", "orders", "alice", "from librdkafka"]);
    let consumer = ConsumerProcess::start(&server, &["--from-beginning"]);
    assert_eq!(consumer.take(1), ["from librdkafka"]);
    drop(consumer);

    produce_lines(&server, "orders", &["bob:from regroup".to_owned()]);
    let read = librdkafka(&server, &["consume", "orders", "2"]);
    assert_eq!(
        read.lines().collect::<Vec<_>>(),
        ["from librdkafka", "from regroup"]
    );
}

#[test]
fn a_transactional_producer_is_refused_with_a_clear_error() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path(), None);
    create_topic(&server, "orders", 1);
    let out = librdkafka(&server, &["transactional", "orders"]);
    assert!(out.contains("transactional: refused"), "{out}");
    // The host's own answer to InitProducerId with a transactional id (librdkafka gives up
    // earlier, on FindCoordinator, which this host does not serve yet).
    let mut connection = connect(&server);
    let mut body = Vec::new();
    put_string(&mut body, "tx-1");
    body.extend_from_slice(&60_000i32.to_be_bytes());
    send(&mut connection, 22, 0, 5, &body);
    let answer = receive(&mut connection).expect("an InitProducerId answer");
    assert_eq!(
        i32::from_be_bytes(answer[..4].try_into().unwrap()),
        5,
        "correlation id"
    );
    // throttle (4), then the error code: TRANSACTIONAL_ID_AUTHORIZATION_FAILED.
    assert_eq!(i16::from_be_bytes(answer[8..10].try_into().unwrap()), 53);
}

#[test]
fn bad_requests_close_their_own_connection_and_the_host_serves_others() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path(), None);
    let mut bystander = connect(&server);
    assert_api_versions_answered(&mut bystander, 1);

    // A size past max_frame_bytes is refused from the size alone.
    let mut oversized = connect(&server);
    oversized.write_all(&i32::MAX.to_be_bytes()).unwrap();
    assert!(
        receive(&mut oversized).is_none(),
        "an oversized request closes the connection"
    );

    // A size too short to hold a request header.
    let mut malformed = connect(&server);
    malformed.write_all(&3i32.to_be_bytes()).unwrap();
    malformed.write_all(b"abc").unwrap();
    assert!(
        receive(&mut malformed).is_none(),
        "a malformed request closes the connection"
    );

    // An API key Kafka does not have, and one this host does not serve (DescribeAcls).
    for api_key in [9999, 29] {
        let mut unknown = connect(&server);
        send(&mut unknown, api_key, 0, 1, &[]);
        assert!(
            receive(&mut unknown).is_none(),
            "API {api_key} closes the connection"
        );
    }

    // A body that does not decode: Metadata v1 whose topic array claims more than is there.
    let mut undecodable = connect(&server);
    send(&mut undecodable, 3, 1, 1, &1000i32.to_be_bytes());
    assert!(
        receive(&mut undecodable).is_none(),
        "an undecodable body closes the connection"
    );

    // ApiVersions newer than served: a version 0 answer with UNSUPPORTED_VERSION and the ranges.
    let mut too_new = connect(&server);
    send(&mut too_new, 18, 99, 7, &[]);
    let answer = receive(&mut too_new).expect("an ApiVersions answer");
    assert_eq!(i32::from_be_bytes(answer[..4].try_into().unwrap()), 7);
    assert_eq!(
        i16::from_be_bytes(answer[4..6].try_into().unwrap()),
        35,
        "UNSUPPORTED_VERSION"
    );
    assert!(
        i32::from_be_bytes(answer[6..10].try_into().unwrap()) >= 6,
        "the served ranges follow"
    );

    // The connection opened before all that, and a new one, are still served.
    assert_api_versions_answered(&mut bystander, 2);
    assert_api_versions_answered(&mut connect(&server), 3);
}

#[test]
fn a_kafka_connection_past_max_connections_is_closed_and_a_freed_slot_serves_the_next() {
    let data = tempfile::tempdir().unwrap();
    let config = data.path().join("regroup.toml");
    // Two: the native listener holds one permit while it waits to accept (taken before accept,
    // so a connection it accepts is always served); the Kafka listener gets the other.
    std::fs::write(&config, "max_connections = 2\n").unwrap();
    let server = Server::start_with(&data.path().join("data"), |command| {
        command.arg("--config").arg(&config);
    });
    let mut first = connect(&server);
    assert_api_versions_answered(&mut first, 1);
    let mut second = connect(&server);
    send(&mut second, 18, 0, 2, &[]);
    assert!(
        receive(&mut second).is_none(),
        "past the limit the connection is closed"
    );
    drop(first);
    // The slot comes back once the host has seen the first connection close.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let mut next = connect(&server);
        send(&mut next, 18, 0, 3, &[]);
        if receive(&mut next).is_some() {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the freed slot never served anyone"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // Counted as Kafka's broker counts them, under this listener's name.
    let metrics = scrape_metrics(&server);
    let refused = metric(&metrics, "regroup_connections_refused_total{listener=\"kafka\"}");
    assert!(refused >= 1.0, "{metrics}");
    let accepted = metric(&metrics, "regroup_connections_accepted_total{listener=\"kafka\"}");
    assert!(accepted >= 2.0, "{metrics}");
}

#[test]
fn kafka_requests_are_counted_and_timed_per_api_in_the_metrics() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path(), None);
    create_topic(&server, "orders", 1);
    librdkafka(&server, &["produce", "orders", "k", "counted"]);
    let mut connection = connect(&server);
    for correlation_id in 1..=3 {
        assert_api_versions_answered(&mut connection, correlation_id);
    }
    // A request that closes its connection counts as an error.
    let mut undecodable = connect(&server);
    send(&mut undecodable, 3, 1, 1, &1000i32.to_be_bytes());
    assert!(receive(&mut undecodable).is_none());

    let metrics = scrape_metrics(&server);
    let api =
        |name: &str, api: &str| metric(&metrics, &format!("{name}{{listener=\"kafka\",api=\"{api}\"}}"));
    assert!(api("regroup_requests_total", "ApiVersions") >= 3.0, "{metrics}");
    assert!(api("regroup_requests_total", "Produce") >= 1.0, "{metrics}");
    assert!(
        api("regroup_request_duration_seconds_count", "Produce") >= 1.0,
        "{metrics}"
    );
    assert!(
        api("regroup_request_errors_total", "Metadata") >= 1.0,
        "{metrics}"
    );
}

/// The host's Prometheus text.
fn scrape_metrics(server: &Server) -> String {
    let addr = server
        .metrics_addr
        .as_deref()
        .expect("serve names its metrics address");
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    stream
        .write_all(b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut text = String::new();
    stream.read_to_string(&mut text).unwrap();
    text
}

/// The value of the sample written exactly as `sample` (name and labels), or 0 when absent.
fn metric(text: &str, sample: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(sample)?.strip_prefix(' '))
        .map_or(0.0, |value| value.trim().parse().unwrap())
}

#[test]
fn a_fetch_waits_for_min_bytes_until_a_record_arrives_and_min_bytes_0_answers_at_once() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path(), None);
    create_topic(&server, "orders", 1);
    // min_bytes 0: answered at once, with an empty (not null) records field. The host caps the
    // wait at 30 s, past the socket's read timeout, so a wait would fail the read.
    let mut eager = connect(&server);
    eager.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    send(&mut eager, 1, 4, 1, &fetch_v4("orders", 0, 60_000, 0));
    let answer = receive(&mut eager).expect("a fetch answer");
    assert_eq!(
        fetched_records(&answer),
        Some(0),
        "an empty records field, not null"
    );

    // min_bytes 1: the answer waits for the record produced after the fetch was sent.
    let mut waiting = connect(&server);
    send(&mut waiting, 1, 4, 2, &fetch_v4("orders", 0, 25_000, 1));
    std::thread::sleep(Duration::from_millis(200));
    librdkafka(&server, &["produce", "orders", "k", "late record"]);
    let answer = receive(&mut waiting).expect("a fetch answer");
    assert!(
        fetched_records(&answer).unwrap() > 0,
        "the late record is in the answer"
    );
    assert!(
        answer.windows(11).any(|w| w == b"late record"),
        "served as stored"
    );
}

/// A Fetch v4 body for one partition from offset 0.
fn fetch_v4(topic: &str, partition: i32, max_wait_ms: i32, min_bytes: i32) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(&(-1i32).to_be_bytes()); // replica id: a consumer
    body.extend_from_slice(&max_wait_ms.to_be_bytes());
    body.extend_from_slice(&min_bytes.to_be_bytes());
    body.extend_from_slice(&(1i32 << 20).to_be_bytes()); // max bytes
    body.push(0); // isolation level
    body.extend_from_slice(&1i32.to_be_bytes());
    put_string(&mut body, topic);
    body.extend_from_slice(&1i32.to_be_bytes());
    body.extend_from_slice(&partition.to_be_bytes());
    body.extend_from_slice(&0i64.to_be_bytes()); // fetch offset
    body.extend_from_slice(&(1i32 << 20).to_be_bytes()); // partition max bytes
    body
}

/// The records length of the first partition of a Fetch v4 answer (`None` when null), after
/// checking it carries no error.
fn fetched_records(answer: &[u8]) -> Option<i32> {
    let i32_at = |at: usize| i32::from_be_bytes(answer[at..at + 4].try_into().unwrap());
    // correlation id, throttle, topic count, topic name, partition count
    let name_len = i16::from_be_bytes(answer[12..14].try_into().unwrap()) as usize;
    let partition = 14 + name_len + 4;
    let error = i16::from_be_bytes(answer[partition + 4..partition + 6].try_into().unwrap());
    assert_eq!(error, 0, "the partition's error code");
    // index, error, high watermark, last stable offset, aborted transactions (count, none)
    let aborted = partition + 4 + 2 + 8 + 8;
    assert!(i32_at(aborted) <= 0);
    let length = i32_at(aborted + 4);
    (length >= 0).then_some(length)
}

fn connect(server: &Server) -> TcpStream {
    let stream = TcpStream::connect(kafka_addr(server)).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    stream
}

fn put_string(buffer: &mut Vec<u8>, text: &str) {
    buffer.extend_from_slice(&(text.len() as i16).to_be_bytes());
    buffer.extend_from_slice(text.as_bytes());
}

/// A request with header version 1 (api key, version, correlation id, client id).
fn send(stream: &mut TcpStream, api_key: i16, version: i16, correlation_id: i32, body: &[u8]) {
    let mut request = Vec::new();
    request.extend_from_slice(&api_key.to_be_bytes());
    request.extend_from_slice(&version.to_be_bytes());
    request.extend_from_slice(&correlation_id.to_be_bytes());
    put_string(&mut request, "raw-test");
    request.extend_from_slice(body);
    let mut frame = (request.len() as i32).to_be_bytes().to_vec();
    frame.extend_from_slice(&request);
    stream.write_all(&frame).unwrap();
}

/// The next answer (without its size), or `None` when the host closed the connection.
fn receive(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut size = [0u8; 4];
    match stream.read_exact(&mut size) {
        Ok(()) => {}
        Err(error) if error.kind() == std::io::ErrorKind::UnexpectedEof => return None,
        Err(error) if error.kind() == std::io::ErrorKind::ConnectionReset => return None,
        Err(error) => panic!("reading an answer: {error}"),
    }
    let mut answer = vec![0; i32::from_be_bytes(size) as usize];
    stream.read_exact(&mut answer).unwrap();
    Some(answer)
}

fn assert_api_versions_answered(stream: &mut TcpStream, correlation_id: i32) {
    send(stream, 18, 0, correlation_id, &[]);
    let answer = receive(stream).expect("an ApiVersions answer");
    assert_eq!(
        i32::from_be_bytes(answer[..4].try_into().unwrap()),
        correlation_id
    );
    assert_eq!(
        i16::from_be_bytes(answer[4..6].try_into().unwrap()),
        0,
        "no error"
    );
}

#[test]
fn confluent_admin_client_creates_grows_configures_describes_and_deletes_topics_with_kafkas_errors() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path(), None);
    let out = librdkafka(&server, &["admin", "events"]);
    let expected = [
        "create: ok",
        "create validate_only: ok",
        "listed after validate_only: False",
        "create again: TOPIC_ALREADY_EXISTS: topic \"events\" already exists",
        "create replication 3: INVALID_REPLICATION_FACTOR: replication factor 3 is not served",
        "create bad name: TOPIC_EXCEPTION: invalid topic name \"no spaces please\"",
        "create bad value: INVALID_CONFIG: topic \"events-bad\": retention.ms=soon",
        "create unknown config: INVALID_CONFIG: topic \"events-bad\": unknown topic config \"cleanup.policy\"",
        "configs: flush.policy=every_batch(default) retention.bytes=-1(default) retention.ms=60000(topic) \
         segment.bytes=1048576(topic) segment.ms=604800000(default)",
        "grow to 5: ok",
        "grow to 2: INVALID_PARTITIONS",
        "partitions: 5",
        "alter: ok",
        "configs: flush.policy=every_batch(default) retention.bytes=-1(default) retention.ms=120000(topic) \
         segment.bytes=1073741824(default) segment.ms=604800000(default)",
        "alter bad value: INVALID_CONFIG: invalid settings for topic \"events\": segment.bytes=1",
        "broker: num.partitions=1 auto.create.topics.enable=false",
        "delete: ok",
        "delete again: UNKNOWN_TOPIC_OR_PART",
        "listed after delete: False",
    ];
    let lines: Vec<&str> = out.lines().collect();
    for wanted in expected {
        assert!(
            lines.iter().any(|line| line.starts_with(wanted)),
            "no line starting {wanted:?} in:\n{out}"
        );
    }
    let cluster_id = std::fs::read_to_string(data.path().join("cluster.id")).unwrap();
    assert!(
        out.contains(&format!("cluster: {} nodes [1] controller 1", cluster_id.trim())),
        "{out}"
    );
    // The native side agrees: the topic is gone, and none of the refused ones was made.
    let listed = ok(regroup(&["topics", "list"], &server));
    assert!(!listed.contains("events"), "{listed}");
}

#[test]
fn topics_are_auto_created_on_metadata_and_produce_only_when_the_host_allows_it() {
    // Off by default: Metadata naming a topic that does not exist answers
    // UNKNOWN_TOPIC_OR_PARTITION and creates nothing.
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path(), None);
    assert_eq!(metadata_v1_error(&server, "ghost"), 3);
    let listed = ok(regroup(&["topics", "list"], &server));
    assert!(!listed.contains("ghost"), "{listed}");
    server.stop();

    let data = tempfile::tempdir().unwrap();
    let server = Server::start_with(data.path(), |command| {
        command.args(["--auto-create-topics-enable", "true", "--num-partitions", "3"]);
    });
    assert_eq!(metadata_v1_error(&server, "ghost"), 0);
    librdkafka(
        &server,
        &["produce", "orders", "k", "first record of a new topic"],
    );
    for topic in ["ghost", "orders"] {
        let described = ok(regroup(&["topics", "describe", topic, "--json"], &server));
        let described: serde_json::Value = serde_json::from_str(&described).unwrap();
        assert_eq!(
            described["partitions"].as_array().unwrap().len(),
            3,
            "{described}"
        );
    }
    let consumer = ConsumerProcess::start(&server, &["--from-beginning"]);
    assert_eq!(consumer.take(1), ["first record of a new topic"]);
}

/// The error code Metadata v1 gives the one topic it is asked about.
fn metadata_v1_error(server: &Server, topic: &str) -> i16 {
    let mut connection = connect(server);
    let mut body = 1i32.to_be_bytes().to_vec();
    put_string(&mut body, topic);
    send(&mut connection, 3, 1, 9, &body);
    let answer = receive(&mut connection).expect("a Metadata answer");
    let i16_at = |at: usize| i16::from_be_bytes(answer[at..at + 2].try_into().unwrap());
    // correlation id, broker count, node id, host, port, rack (null), controller, topic count
    let host_len = i16_at(12) as usize;
    let after_broker = 14 + host_len + 4 + 2;
    i16_at(after_broker + 4 + 4)
}

#[test]
fn list_offsets_by_timestamp_and_max_timestamp_give_the_records_offset_and_timestamp() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path(), None);
    create_topic(&server, "orders", 1);
    let out = librdkafka(&server, &["times", "orders"]);
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        [
            "30 min: offset 1 at 60 min",
            "2 h: offset 2 at 120 min",
            "3 h: offset -1 at none",
            "max: offset 2 at 120 min",
        ],
        "{out}"
    );
}

/// Runs a client's command; its stdout, or a panic with its stderr.
fn run_client(command: &mut Command) -> String {
    let output = command.stdin(Stdio::null()).output().unwrap();
    assert!(
        output.status.success(),
        "{command:?} failed ({}):\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn kafka_python_and_aiokafka_produce_and_read_back_every_record_intact() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path(), None);
    for client in ["kafka-python", "aiokafka"] {
        create_topic(&server, client, 1);
        let out = run_client(Command::new(python()).arg(client_file("pure_python.py")).args([
            kafka_addr(&server),
            client,
            client,
            "60",
        ]));
        assert_eq!(
            out.trim(),
            format!("{client}: 60 records produced and read back intact")
        );
    }
    // Regroup's own consumer reads what they produced.
    let described = ok(regroup(&["topics", "describe", "aiokafka", "--json"], &server));
    let described: serde_json::Value = serde_json::from_str(&described).unwrap();
    assert_eq!(described["partitions"][0]["high_watermark"], 60, "{described}");
}

#[test]
fn kafkajs_produces_lists_offsets_and_its_consumer_reads_back_every_record_intact() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path(), None);
    create_topic(&server, "orders", 1);
    let out = run_client(
        Command::new("node")
            .env("NODE_PATH", node_modules())
            .arg(client_file("kafkajs.js"))
            .args([kafka_addr(&server), "roundtrip", "orders", "50"]),
    );
    assert_eq!(
        out.trim(),
        "kafkajs: 50 records produced (idempotent, none and gzip) and read back intact by a kafkajs consumer; offsets 0..50"
    );
    let consumer = ConsumerProcess::start(&server, &["--from-beginning"]);
    assert_eq!(consumer.take(1), ["kafkajs value 0"]);
}

#[test]
fn kcat_lists_produces_and_consumes_when_it_is_on_the_path() {
    // kcat is never installed by a test; without it this says so on stderr and checks nothing.
    let Some(kcat) = kcat() else {
        return;
    };
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path(), None);
    create_topic(&server, "orders", 2);
    let listed = run_client(Command::new(&kcat).args(["-b", kafka_addr(&server), "-L"]));
    assert!(listed.contains("topic \"orders\" with 2 partitions"), "{listed}");
    let mut producer = Command::new(&kcat)
        .args(["-b", kafka_addr(&server), "-P", "-t", "orders", "-p", "0", "-K:"])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    producer
        .stdin
        .take()
        .unwrap()
        .write_all(b"k1:first\nk2:second\n")
        .unwrap();
    assert!(producer.wait().unwrap().success());
    let consumed = run_client(Command::new(&kcat).args([
        "-b",
        kafka_addr(&server),
        "-C",
        "-t",
        "orders",
        "-p",
        "0",
        "-o",
        "beginning",
        "-c",
        "2",
        "-e",
        "-f",
        "%k=%s\\n",
    ]));
    assert_eq!(consumed.lines().collect::<Vec<_>>(), ["k1=first", "k2=second"]);
}

#[test]
fn delete_topics_v6_deletes_by_topic_id_and_answers_unknown_topic_id_for_one_that_is_gone() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path(), None);
    create_topic(&server, "orders", 1);
    let stored = std::fs::read_to_string(data.path().join("topics/orders/topic.id")).unwrap();
    let hex: String = stored.trim().chars().filter(|c| *c != '-').collect();
    let id: Vec<u8> = (0..16)
        .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
        .collect();
    let mut connection = connect(&server);
    for (correlation_id, expected_error) in [(1i32, 0i16), (2, 100)] {
        // Header v2 (the client id, then no tagged fields); one topic by id, its name null.
        let mut request = Vec::new();
        request.extend_from_slice(&20i16.to_be_bytes());
        request.extend_from_slice(&6i16.to_be_bytes());
        request.extend_from_slice(&correlation_id.to_be_bytes());
        put_string(&mut request, "raw-test");
        request.push(0);
        request.extend_from_slice(&[2, 0]); // one topic; a null name
        request.extend_from_slice(&id);
        request.push(0);
        request.extend_from_slice(&30_000i32.to_be_bytes());
        request.push(0);
        let mut frame = (request.len() as i32).to_be_bytes().to_vec();
        frame.extend_from_slice(&request);
        connection.write_all(&frame).unwrap();
        let answer = receive(&mut connection).expect("a DeleteTopics answer");
        // correlation id, header tags, throttle, one response, then its name (compact, nullable)
        assert_eq!(answer[..4], correlation_id.to_be_bytes());
        assert_eq!(answer[9], 2, "one response");
        let name_len = answer[10] as usize; // length + 1; 0 for null
        let after_name = 11 + name_len.saturating_sub(1);
        if expected_error == 0 {
            assert_eq!(&answer[11..after_name], b"orders", "the deleted topic is named");
        }
        assert_eq!(&answer[after_name..after_name + 16], &id[..], "its id");
        let error = i16::from_be_bytes([answer[after_name + 16], answer[after_name + 17]]);
        assert_eq!(error, expected_error, "UNKNOWN_TOPIC_ID the second time");
    }
    let listed = ok(regroup(&["topics", "list"], &server));
    assert!(!listed.contains("orders"), "{listed}");
}
