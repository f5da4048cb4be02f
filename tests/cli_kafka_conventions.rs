//! The `regroup` binary follows Kafka's tools where they overlap, end to end with real processes:
//! topic configs by Kafka's names on `topics create --config` and `topics alter` (in force at
//! once and kept across a restart), and `groups reset-offsets` that only shows its plan unless
//! `--execute` is given and needs an explicit target.

use regroup_tests::cli::{
    ConsumerProcess, PATIENCE, Server, consume_from_beginning, describe, json, lines, ok, produce_lines,
    regroup,
};
use regroup_tests::wait_for;
use serde_json::Value;

fn topic(server: &Server) -> Value {
    json(regroup(&["topics", "describe", "orders", "--json"], server))
}

fn config(topic: &Value, key: &str) -> String {
    topic["configs"][key].as_str().unwrap().to_owned()
}

fn refused(args: &[&str], server: &Server) -> String {
    let output = regroup(args, server);
    assert!(!output.status.success(), "{args:?} should be refused");
    String::from_utf8(output.stderr).unwrap()
}

#[test]
fn topic_configs_by_kafka_names_are_set_at_create_altered_live_and_kept_across_a_restart() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path(), None);
    let created = ok(regroup(
        &[
            "topics",
            "create",
            "orders",
            "--config",
            "retention.ms=60000",
            "--config",
            "retention.bytes=-1",
            "--config",
            "segment.ms=3600000",
            "--config",
            "flush.policy=interval_ms:200",
        ],
        &server,
    ));
    assert_eq!(created.trim(), "created orders with 1 partition");
    let described = topic(&server);
    assert_eq!(config(&described, "retention.ms"), "60000");
    assert_eq!(config(&described, "retention.bytes"), "-1");
    assert_eq!(config(&described, "segment.ms"), "3600000");
    assert_eq!(config(&described, "flush.policy"), "interval_ms:200");
    assert_eq!(
        config(&described, "segment.bytes"),
        "1073741824",
        "the host's default"
    );

    // Three produces of ~1 KiB each share one segment, then each gets its own once segments
    // are smaller than a produce: the altered size is in force without a restart.
    let batch = |from| lines(from, from + 40);
    produce_lines(&server, "orders", &batch(0));
    produce_lines(&server, "orders", &batch(40));
    assert_eq!(topic(&server)["partitions"][0]["segments"], 1);
    let altered = ok(regroup(
        &[
            "topics",
            "alter",
            "orders",
            "--config",
            "segment.bytes=1024",
            "--delete-config",
            "retention.ms",
        ],
        &server,
    ));
    assert!(
        altered.starts_with("altered orders: retention.ms=604800000 "),
        "{altered}"
    );
    assert!(altered.contains(" segment.bytes=1024 "), "{altered}");
    for from in [80, 120, 160] {
        produce_lines(&server, "orders", &batch(from));
    }
    assert_eq!(topic(&server)["partitions"][0]["segments"], 4);

    server.stop();
    let server = Server::start(data.path(), None);
    let described = topic(&server);
    assert_eq!(config(&described, "segment.bytes"), "1024");
    assert_eq!(config(&described, "retention.ms"), "604800000");
    assert_eq!(config(&described, "segment.ms"), "3600000");
    assert_eq!(config(&described, "flush.policy"), "interval_ms:200");
}

#[test]
fn a_bad_topic_config_is_refused_naming_key_value_and_rule_and_changes_nothing() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path(), None);
    let stderr = refused(
        &["topics", "create", "orders", "--config", "segment.bytes=10"],
        &server,
    );
    assert!(
        stderr.contains("segment.bytes=10: must be a whole number within 64..=2147483647"),
        "{stderr}"
    );
    let stderr = refused(
        &["topics", "create", "orders", "--config", "retention.hours=1"],
        &server,
    );
    assert!(
        stderr.contains("unknown topic config \"retention.hours\""),
        "{stderr}"
    );
    assert_eq!(ok(regroup(&["topics", "list"], &server)), "");

    ok(regroup(&["topics", "create", "orders"], &server));
    let stderr = refused(
        &[
            "topics",
            "alter",
            "orders",
            "--config",
            "flush.policy=interval_ms:0",
        ],
        &server,
    );
    assert!(
        stderr.contains("flush.policy=interval_ms:0: a flush interval must be at least 1 ms"),
        "{stderr}"
    );
    assert_eq!(config(&topic(&server), "flush.policy"), "every_batch");
    let stderr = refused(&["topics", "alter", "orders"], &server);
    assert!(stderr.contains("--config"), "one change at least: {stderr}");
}

/// Each partition's committed offset of group `g`, by partition.
fn committed(server: &Server) -> Vec<i64> {
    let described = describe(server).unwrap();
    described["offsets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["committed"].as_i64().unwrap())
        .collect()
}

fn reset(server: &Server, target: &[&str]) -> (String, String) {
    let mut args = vec!["groups", "reset-offsets", "g", "--topic", "orders"];
    args.extend_from_slice(target);
    let output = regroup(&args, server);
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(output.status.success(), "{target:?}: {stderr}");
    (String::from_utf8(output.stdout).unwrap(), stderr)
}

#[test]
fn reset_offsets_shows_its_plan_changes_nothing_without_execute_and_needs_a_target() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path(), None);
    ok(regroup(
        &["topics", "create", "orders", "--partitions", "2"],
        &server,
    ));
    produce_lines(&server, "orders", &lines(0, 20));
    consume_from_beginning(&server, 20);
    let ends = committed(&server);
    assert_eq!(ends.iter().sum::<i64>(), 20);

    let stderr = refused(&["groups", "reset-offsets", "g", "--topic", "orders"], &server);
    assert!(stderr.contains("--to-earliest"), "a target is required: {stderr}");
    let stderr = refused(
        &[
            "groups",
            "reset-offsets",
            "g",
            "--topic",
            "orders",
            "--to-earliest",
            "--to-latest",
        ],
        &server,
    );
    assert!(
        stderr.contains("cannot be used with"),
        "one target only: {stderr}"
    );

    let (plan, stderr) = reset(&server, &["--to-earliest"]);
    assert_eq!(
        plan,
        format!(
            "PARTITION  CURRENT-OFFSET  NEW-OFFSET\norders-0   {:<14}  0\norders-1   {:<14}  0\n",
            ends[0], ends[1]
        )
    );
    assert!(
        stderr.contains("dry run: nothing changed; add --execute"),
        "{stderr}"
    );
    assert_eq!(committed(&server), ends, "a dry run changes nothing");
    reset(&server, &["--to-earliest", "--dry-run"]);
    assert_eq!(committed(&server), ends);

    let (_, stderr) = reset(&server, &["--to-earliest", "--execute"]);
    assert!(
        stderr.contains("committed the new offsets of group g on 2 partitions"),
        "{stderr}"
    );
    assert_eq!(committed(&server), [0, 0]);
    reset(&server, &["--shift-by", "3", "--execute"]);
    assert_eq!(committed(&server), [3.min(ends[0]), 3.min(ends[1])]);
    reset(&server, &["--shift-by", "-5", "--execute"]);
    assert_eq!(committed(&server), [0, 0], "brought within the log");
    reset(&server, &["--to-offset", "1000", "--execute"]);
    assert_eq!(committed(&server), ends, "brought within the log");
    reset(&server, &["--to-datetime", "2000-01-01T00:00:00Z", "--execute"]);
    assert_eq!(committed(&server), [0, 0], "every record is later");
    reset(&server, &["--to-datetime", "2999-01-01T00:00:00", "--execute"]);
    assert_eq!(committed(&server), ends, "no record that late: the end");
    let stderr = refused(
        &[
            "groups",
            "reset-offsets",
            "g",
            "--topic",
            "orders",
            "--to-datetime",
            "yesterday",
        ],
        &server,
    );
    assert!(stderr.contains("--to-datetime \"yesterday\""), "{stderr}");

    let consumer = ConsumerProcess::start(&server, &[]);
    wait_for("the member to join", PATIENCE, || {
        (describe(&server)?["members"].as_array()?.len() == 1).then_some(())
    });
    let stderr = refused(
        &[
            "groups",
            "reset-offsets",
            "g",
            "--topic",
            "orders",
            "--to-earliest",
        ],
        &server,
    );
    assert!(
        stderr.contains("cannot reset the offsets of group g: it has 1 member;"),
        "{stderr}"
    );
    drop(consumer);
    assert_eq!(committed(&server), ends);
}
