//! librdkafka consumer-protocol groups (KIP-848, `group.protocol=consumer`) on a real
//! `regroup serve`, driven by `kafka_clients/consumer_groups.py` (clients installed as
//! [`regroup_tests::kafka`] says): server-side assignors named by `group.remote.assignor`, built-in
//! and plugin; a plugin file replaced under three consuming members; an unknown assignor; a static
//! member's restart; OffsetFetch v9 checked by member epoch; a deleted topic.

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use regroup_tests::cli::{Server, ok, produce_lines, regroup};
use regroup_tests::kafka::{create_topic, kafka_addr, python, workspace};
use regroup_tests::{plugin_lib, publish, wait_for};

const PATIENCE: Duration = Duration::from_secs(60);

/// A host whose consumer-protocol members heartbeat every 300 ms.
fn server(data: &Path, plugins: Option<&Path>) -> Server {
    Server::start_with(data, |command| {
        if let Some(dir) = plugins {
            command.arg("--plugin-dir").arg(dir);
        }
        command.args(["--group-consumer-heartbeat-interval-ms", "300"]);
    })
}

fn script(server: &Server, args: &[&str]) -> Command {
    let mut command = Command::new(python());
    command
        .arg(workspace().join("tests/kafka_clients/consumer_groups.py"))
        .arg(kafka_addr(server))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

fn finished(child: Child) -> String {
    let output: Output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "consumer_groups.py failed ({}):\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

fn records(range: std::ops::Range<usize>) -> Vec<String> {
    range.map(|i| format!("k{i}:v{i}")).collect()
}

/// `regroup groups describe GROUP --json`; `null` while the group does not exist yet.
fn describe(server: &Server, group: &str) -> serde_json::Value {
    let output = regroup(&["groups", "describe", group, "--json"], server);
    if !output.status.success() {
        return serde_json::Value::Null;
    }
    serde_json::from_slice(&output.stdout).unwrap()
}

/// Each member's partitions, by member id; panics if describe shows a partition twice.
fn holdings(described: &serde_json::Value) -> Vec<(String, Vec<String>)> {
    let mut seen = BTreeSet::new();
    let members = described["members"].as_array().cloned().unwrap_or_default();
    members
        .iter()
        .map(|m| {
            let partitions: Vec<String> = m["partitions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p.as_str().unwrap().to_owned())
                .collect();
            for p in &partitions {
                assert!(seen.insert(p.clone()), "{p} held by two members: {described}");
            }
            (m["member_id"].as_str().unwrap().to_owned(), partitions)
        })
        .collect()
}

fn stable_with(described: &serde_json::Value, members: usize, strategy: &str) -> bool {
    described["state"] == "stable"
        && described["members"]
            .as_array()
            .is_some_and(|m| m.len() == members)
        && described["strategy"]["name"] == strategy
}

#[test]
fn three_librdkafka_members_share_a_topic_under_the_builtin_assignor_they_name() {
    let data = tempfile::tempdir().unwrap();
    let server = server(data.path(), None);
    create_topic(&server, "orders", 6);
    produce_lines(&server, "orders", &records(0..60));
    let stop = data.path().join("stop");
    let child = script(
        &server,
        &["group", "g", "orders", "60", "range", "3", stop.to_str().unwrap()],
    )
    .spawn()
    .unwrap();
    let described = wait_for("three members on range, stable", PATIENCE, || {
        let d = describe(&server, "g");
        holdings(&d);
        stable_with(&d, 3, "range").then_some(d)
    });
    let counts: Vec<usize> = holdings(&described).iter().map(|(_, p)| p.len()).collect();
    assert_eq!(counts, [2, 2, 2], "{described}");
    // librdkafka's AdminClient describes it through ConsumerGroupDescribe: same members, each
    // holding its target.
    let admin = finished(script(&server, &["describe", "g"]).spawn().unwrap());
    let mut lines = admin.lines();
    assert_eq!(
        lines.next(),
        Some("type CONSUMER state STABLE assignor range members 3"),
        "{admin}"
    );
    for ((id, partitions), line) in holdings(&described).iter().zip(lines) {
        let held = partitions.join(",");
        assert_eq!(line, format!("member {id} {held} target {held}"), "{admin}");
    }
    std::fs::write(&stop, b"").unwrap();
    let out = finished(child);
    assert!(
        out.contains("consumed 60 of 60; members 3; two owners never"),
        "{out}"
    );
}

#[test]
fn a_replaced_plugin_moves_a_consuming_librdkafka_group_to_its_new_target_without_restarts() {
    let data = tempfile::tempdir().unwrap();
    let plugins = tempfile::tempdir().unwrap();
    publish(
        &plugin_lib("fixture-versioned-v1"),
        plugins.path(),
        "versioned.so",
    );
    let server = server(data.path(), Some(plugins.path()));
    create_topic(&server, "orders", 4);
    produce_lines(&server, "orders", &records(0..100));
    let stop = data.path().join("stop");
    let child = script(
        &server,
        &[
            "group",
            "g",
            "orders",
            "200",
            "versioned",
            "3",
            stop.to_str().unwrap(),
        ],
    )
    .spawn()
    .unwrap();
    // Version 1 gives every partition to the first member (by member id).
    let before = wait_for("three members on versioned 1.0.0, stable", PATIENCE, || {
        let d = describe(&server, "g");
        holdings(&d);
        (stable_with(&d, 3, "versioned") && d["strategy"]["version"] == "1.0.0").then_some(d)
    });
    let before = holdings(&before);
    assert_eq!(before[0].1.len(), 4, "{before:?}");
    publish(
        &plugin_lib("fixture-versioned-v2"),
        plugins.path(),
        "versioned.so",
    );
    // Version 2 gives them to the second; every describe on the way shows single owners.
    let after = wait_for("the group on versioned 2.0.0, stable", PATIENCE, || {
        let d = describe(&server, "g");
        holdings(&d);
        (stable_with(&d, 3, "versioned") && d["strategy"]["version"] == "2.0.0").then_some(d)
    });
    let after = holdings(&after);
    assert_eq!(after[1].1.len(), 4, "{after:?}");
    let ids = |h: &[(String, Vec<String>)]| h.iter().map(|(id, _)| id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&before), ids(&after), "no member restarted or rejoined");
    produce_lines(&server, "orders", &records(100..200));
    std::fs::write(&stop, b"").unwrap();
    let out = finished(child);
    assert!(
        out.contains("consumed 200 of 200; members 3; two owners never"),
        "{out}"
    );
    let revocations: usize = out
        .lines()
        .find_map(|l| l.strip_prefix("revocations with partitions "))
        .and_then(|n| n.parse().ok())
        .unwrap();
    assert!(
        revocations >= 1,
        "the partitions moved through a revocation: {out}"
    );
}

fn compact_string(buffer: &mut Vec<u8>, text: Option<&str>) {
    match text {
        None => buffer.push(0),
        Some(text) => {
            buffer.push(text.len() as u8 + 1);
            buffer.extend_from_slice(text.as_bytes());
        }
    }
}

/// Sends one request raw (a flexible version: request header v2) and returns its answer past the
/// response header (correlation id checked, header tags skipped).
fn raw_request(server: &Server, api_key: i16, version: i16, body: &[u8]) -> Vec<u8> {
    let mut request = Vec::new();
    request.extend_from_slice(&api_key.to_be_bytes());
    request.extend_from_slice(&version.to_be_bytes());
    request.extend_from_slice(&7i32.to_be_bytes());
    request.extend_from_slice(&8i16.to_be_bytes());
    request.extend_from_slice(b"raw-test");
    request.push(0); // header tags
    request.extend_from_slice(body);
    let mut stream = TcpStream::connect(kafka_addr(server)).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    stream.write_all(&(request.len() as i32).to_be_bytes()).unwrap();
    stream.write_all(&request).unwrap();
    let mut size = [0u8; 4];
    stream.read_exact(&mut size).unwrap();
    let mut answer = vec![0; i32::from_be_bytes(size) as usize];
    stream.read_exact(&mut answer).unwrap();
    assert_eq!(answer[..4], 7i32.to_be_bytes());
    assert_eq!(answer[4], 0, "no header tags");
    answer.split_off(5)
}

/// A joining member's ConsumerGroupHeartbeat v1 (member id `member`), as bytes (schemas: Kafka's
/// JSON specs), sent raw; returns the answer's error code and message (a client would hide the
/// message) and the member epoch it was given.
fn raw_join(
    server: &Server,
    group: &str,
    member: &str,
    topic: &str,
    assignor: &str,
) -> (i16, Option<String>, i32) {
    let mut request = Vec::new();
    compact_string(&mut request, Some(group));
    compact_string(&mut request, Some(member));
    request.extend_from_slice(&0i32.to_be_bytes()); // member epoch
    compact_string(&mut request, None); // instance id
    compact_string(&mut request, None); // rack
    request.extend_from_slice(&30_000i32.to_be_bytes());
    request.push(2); // one subscribed topic name
    compact_string(&mut request, Some(topic));
    compact_string(&mut request, None); // regex
    compact_string(&mut request, Some(assignor));
    request.push(1); // owned: none
    request.push(0); // tags
    let answer = raw_request(server, 68, 1, &request); // ConsumerGroupHeartbeat
    // Throttle time, then the error code, message, member id and member epoch.
    let code = i16::from_be_bytes([answer[4], answer[5]]);
    let (length, rest) = (answer[6] as usize, &answer[7..]);
    let message = (length > 0).then(|| String::from_utf8(rest[..length - 1].to_vec()).unwrap());
    let rest = &rest[length.saturating_sub(1)..];
    let rest = &rest[(rest[0] as usize).max(1)..]; // member id
    let epoch = i32::from_be_bytes(rest[..4].try_into().unwrap());
    (code, message, epoch)
}

/// OffsetFetch v9 of every offset of `group` by `member` at `epoch`, sent raw; returns the
/// group's error code.
fn raw_offset_fetch(server: &Server, group: &str, member: Option<&str>, epoch: i32) -> i16 {
    let mut request = vec![2]; // one group
    compact_string(&mut request, Some(group));
    compact_string(&mut request, member);
    request.extend_from_slice(&epoch.to_be_bytes());
    request.push(0); // topics: null, i.e. all
    request.push(0); // group tags
    request.push(0); // require stable: no
    request.push(0); // tags
    let answer = raw_request(server, 9, 9, &request);
    // Throttle time, one group: its id, its topics (none when refused or nothing is committed),
    // its error code.
    assert_eq!(answer[4], 2, "one group answered");
    let rest = &answer[5 + answer[5] as usize..];
    assert_eq!(rest[0], 1, "no topics");
    i16::from_be_bytes([rest[1], rest[2]])
}

#[test]
fn an_offset_fetch_v9_is_checked_by_the_consumer_group_members_epoch() {
    let data = tempfile::tempdir().unwrap();
    let server = server(data.path(), None);
    create_topic(&server, "orders", 2);
    let (code, _, epoch) = raw_join(&server, "g", "raw-member", "orders", "uniform");
    assert_eq!((code, epoch > 0), (0, true), "joined at epoch {epoch}");
    assert_eq!(raw_offset_fetch(&server, "g", Some("raw-member"), epoch), 0);
    assert_eq!(
        raw_offset_fetch(&server, "g", Some("raw-member"), epoch - 1),
        113,
        "STALE_MEMBER_EPOCH"
    );
    assert_eq!(
        raw_offset_fetch(&server, "g", Some("someone-else"), epoch),
        25,
        "UNKNOWN_MEMBER_ID"
    );
    // An admin tool names no member.
    assert_eq!(raw_offset_fetch(&server, "g", None, -1), 0);
}

#[test]
fn an_unknown_assignor_is_refused_with_the_names_the_host_serves() {
    let data = tempfile::tempdir().unwrap();
    let server = server(data.path(), None);
    create_topic(&server, "orders", 2);
    // librdkafka stops on it, as on any fatal error (it shows Kafka's text for the code) ...
    let out = finished(
        script(&server, &["unknown-assignor", "g", "orders", "nosuch"])
            .spawn()
            .unwrap(),
    );
    assert!(
        out.contains("The assignor or its version range is not supported by the consumer group"),
        "{out}"
    );
    // ... and the answer's message says what the host serves.
    let (code, message, _) = raw_join(&server, "g", "raw-member", "orders", "nosuch");
    assert_eq!(code, 112, "UNSUPPORTED_ASSIGNOR");
    assert_eq!(
        message.as_deref(),
        Some(
            "group \"g\": assignor \"nosuch\" is not served by this host; it serves [cooperative-sticky, range, roundrobin, sticky, uniform]"
        )
    );
    // Nothing was left behind by the refused members.
    assert_eq!(describe(&server, "g"), serde_json::Value::Null);
}

#[test]
fn a_static_librdkafka_member_that_restarts_within_its_session_keeps_its_partitions() {
    let data = tempfile::tempdir().unwrap();
    let server = server(data.path(), None);
    create_topic(&server, "orders", 4);
    produce_lines(&server, "orders", &records(0..20));
    let out = finished(
        script(&server, &["static", "g", "orders", "1.0"])
            .spawn()
            .unwrap(),
    );
    let line = |prefix: &str| {
        out.lines()
            .find_map(|l| l.strip_prefix(prefix))
            .unwrap_or_else(|| panic!("no {prefix:?} in {out}"))
            .to_owned()
    };
    assert_eq!(line("s1 before "), line("s1 after "), "{out}");
    assert!(!line("s1 before ").is_empty());
    assert_eq!(line("s2 callbacks during the restart "), "0", "{out}");
}

/// The server's own path, from the log's deletion to the coordinator (the coordinator's side is
/// unit-tested with its members' heartbeats).
#[test]
fn a_deleted_topic_gives_a_consumer_group_reading_it_a_new_group_epoch() {
    let data = tempfile::tempdir().unwrap();
    let server = server(data.path(), None);
    create_topic(&server, "orders", 2);
    let (code, _, _) = raw_join(&server, "g", "raw-member", "orders", "uniform");
    assert_eq!(code, 0);
    let before = describe(&server, "g");
    assert_eq!(
        before["members"][0]["partitions"],
        serde_json::json!(["orders-0", "orders-1"]),
        "{before}"
    );
    let epoch = before["generation"].as_i64().unwrap();
    ok(regroup(&["topics", "delete", "orders"], &server));
    // Well within the silent member's session (45 s), whose expiry would bump the epoch too.
    wait_for("the group's next epoch", Duration::from_secs(10), || {
        (describe(&server, "g")["generation"].as_i64().unwrap() > epoch).then_some(())
    });
}
