//! Kafka clients in consumer groups on a real `regroup serve`: librdkafka (confluent-kafka)
//! driven by `kafka_clients/groups.py`, installed as [`regroup_tests::kafka`] says.

use std::process::{Command, Output, Stdio};

use regroup_tests::cli::{Server, ok, produce_lines, regroup};
use regroup_tests::kafka::{create_topic, kafka_addr, python, workspace};

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
