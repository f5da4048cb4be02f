//! Kafka clients in consumer groups on a real `regroup serve`: librdkafka (confluent-kafka)
//! driven by `kafka_clients/groups.py`, kafka-python and aiokafka by `pure_python_groups.py`,
//! kafkajs by `kafkajs.js`, installed as [`regroup_tests::kafka`] says.

use std::process::{Command, Output, Stdio};

use regroup_tests::cli::{Server, ok, produce_lines, regroup};
use regroup_tests::kafka::{client_file, create_topic, kafka_addr, node_modules, python, workspace};

/// Runs `groups.py BOOTSTRAP ARGS...`; its stdout, or a panic with its stderr.
fn groups_py(server: &Server, args: &[&str]) -> String {
    let output = groups_py_output(server, args);
    assert!(
        output.status.success(),
        "groups.py {args:?} failed ({}):\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

fn groups_py_output(server: &Server, args: &[&str]) -> Output {
    Command::new(python())
        .arg(workspace().join("tests/kafka_clients/groups.py"))
        .arg(kafka_addr(server))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// A host whose classic groups wait 200 ms for more members before their first rebalance
/// (Kafka's default of 3 s would only slow the tests down).
fn start_server(data: &std::path::Path) -> Server {
    Server::start_with(data, |command| {
        command.args(["--group-initial-rebalance-delay-ms", "200"]);
    })
}

/// Three librdkafka members share a topic, a fourth joins, one is killed, the rest close; then
/// one restarts: see `share` in groups.py for what it checks.
fn three_share_a_fourth_joins_one_is_killed(strategy: &str) {
    let data = tempfile::tempdir().unwrap();
    let server = start_server(data.path());
    create_topic(&server, "orders", 6);
    let out = groups_py(&server, &["share", "g", "orders", strategy]);
    assert!(
        out.contains(&format!(
            "{strategy}: 600 records consumed, none lost; no partition held twice"
        )) && out.contains("the restarted member read only the 10 new records"),
        "{out}"
    );
}

#[test]
fn classic_range_group_loses_no_record_never_holds_a_partition_twice_and_resumes_from_commits() {
    three_share_a_fourth_joins_one_is_killed("range");
}

#[test]
fn classic_roundrobin_group_loses_no_record_never_holds_a_partition_twice_and_resumes_from_commits() {
    three_share_a_fourth_joins_one_is_killed("roundrobin");
}

#[test]
fn classic_cooperative_sticky_group_loses_no_record_never_holds_a_partition_twice_and_resumes_from_commits() {
    three_share_a_fourth_joins_one_is_killed("cooperative-sticky");
}

fn records(count: usize) -> Vec<String> {
    (0..count).map(|i| format!("k{i}:v{i}")).collect()
}

#[test]
fn offsets_committed_from_outside_a_group_are_fetched_back_and_an_unknown_partition_is_refused_alone() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path(), None);
    create_topic(&server, "orders", 2);
    produce_lines(&server, "orders", &records(20));
    let out = groups_py(
        &server,
        &["commit", "tools", "orders", "0:3:checkpoint", "1:5", "7:1"],
    );
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines,
        [
            // librdkafka reports the one refused partition as the commit's error ...
            "commit refused: UNKNOWN_TOPIC_OR_PART",
            // ... while the others were stored.
            "fetched orders-0: 3 checkpoint",
            "fetched orders-1: 5",
            "fetched orders-7: -1001",
        ],
        "{out}"
    );
    // The native side sees the same offsets.
    let described = ok(regroup(&["groups", "describe", "tools", "--json"], &server));
    let described: serde_json::Value = serde_json::from_str(&described).unwrap();
    let offsets = described["offsets"].to_string();
    assert!(
        offsets.contains("\"committed\":3") && offsets.contains("\"committed\":5"),
        "{described}"
    );
}

#[test]
fn a_second_static_member_with_the_same_instance_id_fences_the_first() {
    let data = tempfile::tempdir().unwrap();
    let server = start_server(data.path());
    create_topic(&server, "orders", 3);
    let out = groups_py(&server, &["static", "g", "orders"]);
    assert!(
        out.contains("Static consumer fenced by other consumer with same group.instance.id")
            && out.contains("the second holds all 3 partitions"),
        "{out}"
    );
}

/// A librdkafka member of group `group` on `orders`, running until dropped.
struct Member(std::process::Child);

impl Member {
    fn start(server: &Server, group: &str) -> Member {
        let child = Command::new(python())
            .arg(workspace().join("tests/kafka_clients/groups.py"))
            .arg(kafka_addr(server))
            .args(["member", group, "orders", "range"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        Member(child)
    }
}

impl Drop for Member {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn describe_json(server: &Server, group: &str) -> serde_json::Value {
    serde_json::from_str(&ok(regroup(&["groups", "describe", group, "--json"], server))).unwrap()
}

#[test]
fn a_classic_group_is_listed_and_described_by_regroup_and_by_kafkas_admin_api_and_a_native_member_is_refused()
{
    let data = tempfile::tempdir().unwrap();
    let server = start_server(data.path());
    create_topic(&server, "orders", 3);
    let member = Member::start(&server, "g");
    let described = regroup_tests::wait_for(
        "the member's assignment",
        std::time::Duration::from_secs(30),
        || {
            // The group is unknown until the member's first join.
            let output = regroup(&["groups", "describe", "g", "--json"], &server);
            let described: serde_json::Value = serde_json::from_slice(&output.stdout).ok()?;
            (described["state"] == "stable").then_some(described)
        },
    );
    assert_eq!(described["type"], "classic", "{described}");
    assert_eq!(described["protocol_type"], "consumer", "{described}");
    assert_eq!(described["strategy"]["name"], "range", "{described}");
    let m = &described["members"][0];
    assert_eq!(m["client_id"], "rdkafka", "{described}");
    assert_eq!(m["client_host"], "/127.0.0.1", "{described}");
    // The consumer protocol's subscription and assignment, decoded.
    assert_eq!(m["topics"], serde_json::json!(["orders"]), "{described}");
    assert_eq!(
        m["partitions"],
        serde_json::json!(["orders-0", "orders-1", "orders-2"]),
        "{described}"
    );
    let listed = ok(regroup(&["groups", "list"], &server));
    assert!(
        listed
            .lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>() == ["g", "classic", "stable", "1", "range"]),
        "{listed}"
    );

    let admin = groups_py(&server, &["admin", "g"]);
    assert_eq!(
        admin.lines().collect::<Vec<_>>(),
        [
            "listed g state STABLE type CLASSIC simple False",
            "described g state STABLE assignor range",
            "  member client rdkafka host /127.0.0.1 partitions orders-0 orders-1 orders-2",
        ],
        "{admin}"
    );

    // Regroup's own consumer speaks the native protocol: refused while the classic group has
    // members.
    let refused = regroup(&["consume", "--topic", "orders", "--group", "g"], &server);
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("group \"g\" is a classic group"), "{stderr}");

    assert_eq!(
        groups_py(&server, &["delete", "g"]).trim(),
        "delete refused: NON_EMPTY_GROUP"
    );
    drop(member);
    // The killed member's session (3 s) expires; then the empty group can be deleted.
    regroup_tests::wait_for("the group to empty", std::time::Duration::from_secs(30), || {
        (describe_json(&server, "g")["state"] == "empty").then_some(())
    });
    assert_eq!(groups_py(&server, &["delete", "g"]).trim(), "deleted g");
}

#[test]
fn a_kafka_client_and_regroups_own_consumer_in_different_groups_each_keep_their_own_offsets() {
    let data = tempfile::tempdir().unwrap();
    let server = start_server(data.path());
    create_topic(&server, "orders", 2);
    produce_lines(&server, "orders", &records(10));
    let kafka = groups_py(&server, &["drain", "kafka", "orders", "10"]);
    assert!(kafka.starts_with("drained 10:"), "{kafka}");
    let native = |extra: &[&str]| {
        let args = [
            "consume",
            "--topic",
            "orders",
            "--group",
            "native",
            "--max-records",
            "10",
        ];
        ok(regroup(&[&args[..], extra].concat(), &server))
    };
    assert_eq!(native(&["--from-beginning"]).lines().count(), 10);
    // Ten more: each group resumes from its own commits and reads only those.
    let more: Vec<String> = (10..20).map(|i| format!("k{i}:v{i}")).collect();
    produce_lines(&server, "orders", &more);
    let kafka = groups_py(&server, &["drain", "kafka", "orders", "10"]);
    let expected: Vec<String> = (10..20).map(|i| format!("v{i}")).collect();
    let mut sorted = expected.clone();
    sorted.sort();
    assert_eq!(kafka.trim(), format!("drained 10: {}", sorted.join(" ")));
    let read = native(&[]);
    let mut lines: Vec<&str> = read.lines().collect();
    lines.sort();
    assert_eq!(lines, sorted, "{read}");
    for group in ["kafka", "native"] {
        let described = describe_json(&server, group);
        let committed: u64 = described["offsets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["committed"].as_u64().unwrap())
            .sum();
        assert_eq!(committed, 20, "{group}: {described}");
    }
}

/// Two members of `client` (kafka-python or aiokafka) share a topic, one leaves, the other takes
/// over: see `kafka_clients/pure_python_groups.py`.
fn two_share_one_leaves_the_other_takes_over(client: &str) {
    let data = tempfile::tempdir().unwrap();
    let server = start_server(data.path());
    create_topic(&server, "orders", 4);
    produce_lines(&server, "orders", &records(100));
    let output = Command::new(python())
        .arg(workspace().join("tests/kafka_clients/pure_python_groups.py"))
        .arg(kafka_addr(&server))
        .args([client, "g", "orders", "100"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "pure_python_groups.py {client} failed ({}):\n{out}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        out.contains(&format!(
            "{client}: two members shared 4 partitions (2 and 2), one left, the other took over all 4 and read the 50 new records; 150 records, none lost"
        )),
        "{out}"
    );
}

#[test]
fn kafka_python_members_share_a_topic_and_one_takes_over_when_the_other_leaves() {
    two_share_one_leaves_the_other_takes_over("kafka-python");
}

#[test]
fn aiokafka_members_share_a_topic_and_one_takes_over_when_the_other_leaves() {
    two_share_one_leaves_the_other_takes_over("aiokafka");
}

#[test]
fn kafkajs_members_share_a_topic_one_leaves_the_other_takes_over_and_each_record_is_consumed_once() {
    let data = tempfile::tempdir().unwrap();
    let server = start_server(data.path());
    create_topic(&server, "orders", 4);
    produce_lines(&server, "orders", &records(100));
    let output = Command::new("node")
        .env("NODE_PATH", node_modules())
        .arg(client_file("kafkajs.js"))
        .args([kafka_addr(&server), "group", "g", "orders", "100"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "kafkajs.js group failed ({}):\n{out}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        out.trim(),
        "kafkajs: two members shared 4 partitions (2 and 2), one left, the other took over all 4 and read the 50 new records; 150 records, each consumed once"
    );
    // The survivor committed everything it read before it left.
    let described = describe_json(&server, "g");
    let committed: u64 = described["offsets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["committed"].as_u64().unwrap())
        .sum();
    assert_eq!(committed, 150, "{described}");
}

#[test]
fn a_session_timeout_outside_the_hosts_bounds_is_refused_with_invalid_session_timeout() {
    let data = tempfile::tempdir().unwrap();
    // The tests' host accepts sessions of 1 s and more.
    let server = start_server(data.path());
    create_topic(&server, "orders", 1);
    let mut member = Command::new(python())
        .arg(workspace().join("tests/kafka_clients/groups.py"))
        .arg(kafka_addr(&server))
        .args(["member", "g", "orders", "range"])
        .env("SESSION_TIMEOUT_MS", "500")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let events = regroup_tests::cli::lines_of(member.stdout.take().unwrap());
    let refused = (0..20)
        .filter_map(|_| events.recv_timeout(std::time::Duration::from_secs(30)).ok())
        .find(|line| line.contains("\"event\": \"error\""));
    let _ = member.kill();
    let _ = member.wait();
    let refused = refused.expect("the member reports an error");
    assert!(refused.contains("INVALID_SESSION_TIMEOUT"), "{refused}");
    // Nothing of the refused member stays behind.
    let listed = ok(regroup(&["groups", "list"], &server));
    assert_eq!(listed.lines().count(), 1, "{listed}");
}
