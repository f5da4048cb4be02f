//! `regroup assign`, the strategy simulator, run as a user runs it.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use regroup_tests::{plugin_lib, publish, regroup_exe};
use serde_json::{Value, json};

const EXAMPLE: &str = r#"{"generation": 5,
 "topics": {"orders": 6, "clicks": {"partitions": 4, "racks": [["r1","r2"],["r2","r3"],["r3","r1"],["r1","r2"]]}},
 "members": [
   {"id": "c1", "topics": ["orders", "clicks"], "user_data": "capacity=2",
    "owned": [["orders", 0], ["clicks", 3]], "generation": 4, "rack": "r1"},
   {"id": "c2", "instance_id": "host-b", "topics": ["orders"], "user_data_base64": "AAEC"},
   {"id": "c3", "topics": []}]}"#;

fn assign(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(regroup_exe())
        .arg("assign")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A command refused before it reads its input (an unknown strategy) may close stdin first.
    if let Err(e) = child.stdin.take().unwrap().write_all(stdin.as_bytes()) {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
    }
    child.wait_with_output().unwrap()
}

fn json_of(out: &Output) -> Value {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn the_documented_example_prints_every_member_sorted_with_a_summary() {
    let out = json_of(&assign(
        &["--strategy", "range", "--input", "-", "--json"],
        EXAMPLE,
    ));
    assert_eq!(out["strategy"], "range");
    assert_eq!(out["protocol"], "eager");
    // Kafka orders static members first: c2 (instance host-b) takes the first range of orders.
    assert_eq!(
        out["members"]["c2"]["partitions"],
        json!([["orders", 0], ["orders", 1], ["orders", 2]])
    );
    assert_eq!(
        out["members"]["c1"]["partitions"],
        json!([
            ["clicks", 0],
            ["clicks", 1],
            ["clicks", 2],
            ["clicks", 3],
            ["orders", 3],
            ["orders", 4],
            ["orders", 5]
        ])
    );
    assert_eq!(
        out["members"]["c3"]["partitions"],
        json!([]),
        "a member with nothing still appears"
    );
    assert_eq!(out["members"]["c1"]["user_data_base64"], Value::Null);
    assert_eq!(out["summary"]["min"], 0);
    assert_eq!(out["summary"]["max"], 7);
    assert_eq!(out["summary"]["moved"], 1, "orders-0 left c1");
    assert!(out["summary"]["elapsed_us"].is_u64());
}

#[test]
fn input_errors_name_what_and_where_and_exit_non_zero() {
    let bad = r#"{"topics": {"orders": 2}, "members": [{"id": "c1", "topics": ["orders"], "owned": [["orders", 5]]}]}"#;
    let out = assign(&["--strategy", "range", "--input", "-"], bad);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("members[0] (c1): owns orders-5, but \"orders\" has 2 partitions"),
        "{err}"
    );

    let out = assign(&["--strategy", "no-such-strategy", "--input", "-"], EXAMPLE);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no strategy \"no-such-strategy\"; available: "));
}

#[test]
fn a_cooperative_run_withholds_partitions_another_member_still_owns() {
    let dir = tempfile::tempdir().unwrap();
    publish(&plugin_lib("fixture-misbehaving"), dir.path(), "misbehaving.so");
    // `misbehaving` gives everything to the first member listed.
    let group = r#"{"topics": {"orders": 3}, "members": [
        {"id": "c1", "topics": ["orders"], "owned": [["orders", 0]]},
        {"id": "c2", "topics": ["orders"], "owned": [["orders", 1]]}]}"#;
    let dir_arg = dir.path().to_str().unwrap();
    let out = json_of(&assign(
        &[
            "--strategy",
            "misbehaving",
            "--plugin-dir",
            dir_arg,
            "--input",
            "-",
            "--json",
        ],
        group,
    ));
    assert_eq!(out["protocol"], "cooperative");
    assert_eq!(
        out["members"]["c1"]["partitions"],
        json!([["orders", 0], ["orders", 2]])
    );
    assert_eq!(out["members"]["c1"]["pending"], json!([["orders", 1]]));
    assert_eq!(out["members"]["c2"]["partitions"], json!([]));

    let eager = json_of(&assign(
        &[
            "--strategy",
            "misbehaving",
            "--plugin-dir",
            dir_arg,
            "--protocol",
            "eager",
            "--input",
            "-",
            "--json",
        ],
        group,
    ));
    assert_eq!(
        eager["members"]["c1"]["partitions"],
        json!([["orders", 0], ["orders", 1], ["orders", 2]])
    );
}

#[test]
fn steps_replay_changes_carrying_each_assignment_forward() {
    let steps = r#"{"group": {"topics": {"t": 4}, "members": [{"id": "a", "topics": ["t"]}]},
        "steps": [{"join": {"id": "b", "topics": ["t"]}}, {"set_topic": {"name": "t", "partitions": 6}}, {"leave": "a"}]}"#;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("steps.json");
    std::fs::write(&path, steps).unwrap();
    let out = json_of(&assign(
        &["--strategy", "range", "--steps", path.to_str().unwrap(), "--json"],
        "",
    ));
    let steps = out["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 4);
    assert_eq!(steps[0]["change"], "initial group");
    assert_eq!(steps[0]["summary"]["moved"], 0);
    assert_eq!(steps[1]["change"], "b joins");
    assert_eq!(steps[1]["summary"]["moved"], 2, "a gives t-2 and t-3 to b");
    assert_eq!(
        steps[3]["members"]["b"]["partitions"].as_array().unwrap().len(),
        6
    );
    assert!(steps[3]["members"].get("a").is_none());
}

#[test]
fn missing_topics_are_ignored_with_a_warning_per_member_and_topic_as_kafka_does() {
    // Kafka's nonexistent-topic cases: consumer subscribes to topic2, which does not exist, and
    // still lists partitions of the deleted topic3 as owned.
    let group = r#"{"topics": {"topic": 3}, "members": [
        {"id": "consumer", "topics": ["topic", "topic2"], "owned": [["topic", 0], ["topic3", 0], ["topic3", 1]], "generation": 1},
        {"id": "other", "topics": ["topic2"]}]}"#;
    for strategy in ["range", "roundrobin", "sticky", "cooperative-sticky"] {
        let out = assign(&["--strategy", strategy, "--input", "-", "--json"], group);
        let err = String::from_utf8_lossy(&out.stderr);
        let parsed = json_of(&out);
        assert_eq!(
            parsed["members"]["consumer"]["partitions"],
            json!([["topic", 0], ["topic", 1], ["topic", 2]]),
            "{strategy}"
        );
        assert_eq!(parsed["members"]["other"]["partitions"], json!([]), "{strategy}");
        let warnings: Vec<&str> = err.lines().filter(|l| l.starts_with("warning: ")).collect();
        assert_eq!(
            warnings,
            [
                "warning: members[0] (consumer): subscribes to \"topic2\", which is not in \"topics\"; ignored",
                "warning: members[0] (consumer): owns partitions of \"topic3\", which is not in \"topics\"; dropped",
                "warning: members[1] (other): subscribes to \"topic2\", which is not in \"topics\"; ignored",
            ],
            "{strategy}: {err}"
        );
    }
}

/// Runs cooperative-sticky's first step on `group` and returns each member's granted partitions.
fn cooperative_first_step(group: &str, members: &[&str]) -> Vec<Value> {
    let out = json_of(&assign(
        &["--strategy", "cooperative-sticky", "--input", "-", "--json"],
        group,
    ));
    assert_eq!(out["protocol"], "cooperative");
    members
        .iter()
        .map(|m| out["members"][*m]["partitions"].clone())
        .collect()
}

#[test]
fn a_stale_generations_claims_withhold_nothing_in_the_cooperative_first_step() {
    // Kafka's example: consumer1 owns these at generation 10, consumer2 claims them at 9.
    let group = r#"{"topics": {"topic": 3, "topic2": 3}, "members": [
        {"id": "consumer1", "topics": ["topic", "topic2"], "owned": [["topic", 0], ["topic", 2], ["topic2", 1]], "generation": 10},
        {"id": "consumer2", "topics": ["topic", "topic2"], "owned": [["topic", 0], ["topic", 2], ["topic2", 1]], "generation": 9}]}"#;
    assert_eq!(
        cooperative_first_step(group, &["consumer1", "consumer2"]),
        [
            json!([["topic", 0], ["topic", 2], ["topic2", 1]]),
            json!([["topic", 1], ["topic2", 0], ["topic2", 2]])
        ]
    );
}

#[test]
fn kafkas_rack_aware_cooperative_case_keeps_only_on_rack_partitions_in_the_first_step() {
    let group = r#"{"topics": {
        "t1": {"racks": [["a"], ["b"], ["c"], ["a"], ["b"], ["c"]]},
        "t2": {"racks": [["a"], ["b"], ["c"], ["a"], ["b"], ["c"], ["a"]]},
        "t3": {"racks": [["b"], ["c"]]}}, "members": [
        {"id": "consumer0", "rack": "a", "topics": ["t1", "t2", "t3"], "owned": [["t1", 0], ["t1", 1], ["t1", 2], ["t1", 3], ["t1", 4]]},
        {"id": "consumer1", "rack": "b", "topics": ["t1", "t2", "t3"], "owned": [["t1", 5], ["t2", 0], ["t2", 1], ["t2", 2], ["t2", 3]]},
        {"id": "consumer2", "rack": "c", "topics": ["t1", "t3"], "owned": [["t2", 4], ["t2", 5], ["t2", 6], ["t3", 0], ["t3", 1]]}]}"#;
    assert_eq!(
        cooperative_first_step(group, &["consumer0", "consumer1", "consumer2"]),
        [json!([["t1", 3]]), json!([["t2", 1]]), json!([["t3", 1]])]
    );
}

#[test]
fn the_group_id_in_the_input_reaches_a_plugin_that_reads_it() {
    let dir = tempfile::tempdir().unwrap();
    publish(
        &plugin_lib("fixture-reads-group-id"),
        dir.path(),
        "reads-group-id.so",
    );
    let dir_arg = dir.path().to_str().unwrap();
    let run = |group: &str| {
        json_of(&assign(
            &[
                "--strategy",
                "reads-group-id",
                "--plugin-dir",
                dir_arg,
                "--input",
                "-",
                "--json",
            ],
            group,
        ))
    };
    let named = run(
        r#"{"group_id": "orders-readers", "topics": {"orders": 2}, "members": [{"id": "c1", "topics": ["orders"]}]}"#,
    );
    // base64 of "orders-readers"
    assert_eq!(named["members"]["c1"]["user_data_base64"], "b3JkZXJzLXJlYWRlcnM=");
    let unnamed = run(r#"{"topics": {"orders": 2}, "members": [{"id": "c1", "topics": ["orders"]}]}"#);
    assert_eq!(unnamed["members"]["c1"]["user_data_base64"], "bm9uZQ==");
}
