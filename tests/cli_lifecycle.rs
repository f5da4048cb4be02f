//! The `regroup` binary as a new user meets it, end to end with real processes: `consume` stopped
//! by a signal or by its reader going away, a group whose committed offsets the log no longer
//! holds (retention, a topic deleted and created again), deleting a group's offsets, and the
//! small things a first hour runs into (a missing topic, plurals, `REGROUP_SERVER`, colours, a
//! plugin directory made after the host started, `demo | head`).

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Instant;

use regroup_tests::cli::{
    ConsumerProcess, PATIENCE, Server, consume_from_beginning, describe, json, lines, ok, produce_lines,
    regroup,
};
use regroup_tests::{plugin_lib, publish, regroup_exe, serve_command, wait_for};
use serde_json::Value;

fn signal(child: &Child, name: &str) {
    let status = Command::new("kill")
        .arg(format!("-{name}"))
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(status.success());
}

fn wait_exit(child: &mut Child) -> ExitStatus {
    wait_for("the process to exit", PATIENCE, || child.try_wait().unwrap())
}

/// The sum of the group's committed offsets on `topic`, as `groups describe` shows them.
fn committed(described: &Value) -> i64 {
    described["offsets"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|o| o["committed"].as_i64())
        .sum()
}

fn members(described: &Value) -> usize {
    described["members"].as_array().unwrap().len()
}

/// A topic of `partitions` holding `count` records.
fn topic_with_records(server: &Server, partitions: u32, count: usize) {
    ok(regroup(
        &[
            "topics",
            "create",
            "orders",
            "--partitions",
            &partitions.to_string(),
        ],
        server,
    ));
    produce_lines(server, "orders", &lines(0, count));
}

#[test]
fn sigterm_and_sigint_on_consume_commit_what_was_printed_leave_the_group_and_exit_0() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path(), None);
    topic_with_records(&server, 2, 12);
    for (name, committed_after) in [("TERM", 12), ("INT", 18)] {
        // No automatic commit before the signal: only the exit path can commit.
        let mut consumer = ConsumerProcess::start(
            &server,
            &["--from-beginning", "--auto-commit-interval-ms", "600000"],
        );
        let read = if name == "TERM" {
            consumer.take(12)
        } else {
            produce_lines(&server, "orders", &lines(12, 18));
            consumer.take(6)
        };
        assert!(!read.is_empty());
        wait_for("the member to be in the group", PATIENCE, || {
            (members(&describe(&server)?) == 1).then_some(())
        });
        signal(&consumer.child, name);
        let status = wait_exit(&mut consumer.child);
        assert!(status.success(), "SIG{name}: consume exited with {status}");
        let described = describe(&server).unwrap();
        assert_eq!(
            members(&described),
            0,
            "SIG{name}: the member left at once: {described}"
        );
        assert_eq!(
            committed(&described),
            committed_after,
            "SIG{name}: every printed record committed: {described}"
        );
    }
}

#[test]
fn consume_whose_reader_goes_away_commits_what_it_printed_leaves_and_exits_0() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path(), None);
    topic_with_records(&server, 1, 20);
    let mut consumer = Command::new(regroup_exe())
        .args(["consume", "--topic", "orders", "--group", "g", "--from-beginning"])
        .args(["--auto-commit-interval-ms", "600000", "--server", &server.addr])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut reader = BufReader::new(consumer.stdout.take().unwrap());
    for _ in 0..20 {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        assert!(line.starts_with("record-"), "{line:?}");
    }
    wait_for("the member to be in the group", PATIENCE, || {
        (members(&describe(&server)?) == 1).then_some(())
    });
    // The reader goes, as `head` does once it has its lines, while the consumer is idle.
    drop(reader);
    let status = wait_exit(&mut consumer);
    assert!(status.success(), "consume exited with {status}");
    let described = describe(&server).unwrap();
    assert_eq!(members(&described), 0, "{described}");
    assert_eq!(committed(&described), 20, "{described}");
}

#[test]
fn demo_piped_into_a_reader_that_stops_after_one_line_exits_0_without_a_panic() {
    let mut demo = Command::new(regroup_exe())
        .args(["demo", "--plugin"])
        .arg(plugin_lib("regroup-capacity-weighted"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(demo.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.starts_with("1. host started"), "{first:?}");
    // The reader is gone (dropped with the BufReader): the next line meets a closed pipe.
    let mut stderr = String::new();
    demo.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    let status = wait_exit(&mut demo);
    assert!(status.success(), "demo exited with {status}: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn demo_with_its_logs_on_the_same_closed_pipe_exits_0() {
    // `regroup demo 2>&1 | head -2`: the logs meet the closed pipe too.
    let (reader, writer) = std::io::pipe().unwrap();
    let mut demo = Command::new(regroup_exe())
        .args(["demo", "--plugin"])
        .arg(plugin_lib("regroup-capacity-weighted"))
        .stdout(writer.try_clone().unwrap())
        .stderr(writer)
        .spawn()
        .unwrap();
    let mut reader = BufReader::new(reader);
    for _ in 0..2 {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
    }
    drop(reader);
    let status = wait_exit(&mut demo);
    assert!(status.success(), "demo exited with {status}");
}

/// A host whose retention runs every 100 ms, so a test sees it act.
fn start_with_fast_retention(data: &Path) -> Server {
    let config = data.join("regroup.toml");
    std::fs::write(&config, "retention_check_interval_ms = 100\n").unwrap();
    Server::start_with(&data.join("data"), |command| {
        command.arg("--config").arg(&config);
    })
}

#[test]
fn a_group_behind_the_log_start_after_retention_resets_once_and_commits_the_new_position() {
    let data = tempfile::tempdir().unwrap();
    let server = start_with_fast_retention(data.path());
    ok(regroup(
        &[
            "topics",
            "create",
            "orders",
            "--partitions",
            "1",
            "--config",
            "retention.ms=1000",
        ],
        &server,
    ));
    produce_lines(&server, "orders", &lines(0, 10));
    consume_from_beginning(&server, 4);
    assert_eq!(committed(&describe(&server).unwrap()), 4);
    // The partition receives nothing more: retention deletes its one (active) segment.
    wait_for("retention to delete the records", PATIENCE, || {
        let topic = json(regroup(&["topics", "describe", "orders", "--json"], &server));
        (topic["partitions"][0]["log_start_offset"].as_u64()? == 10).then_some(())
    });
    produce_lines(&server, "orders", &lines(10, 13));
    let consume = Command::new(regroup_exe())
        .args(["consume", "--topic", "orders", "--group", "g", "--from-beginning"])
        .args(["--idle-exit-ms", "1500", "--server", &server.addr])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&consume.stderr);
    assert!(consume.status.success(), "{stderr}");
    let read = String::from_utf8(consume.stdout).unwrap();
    assert_eq!(read.lines().count(), 3, "the records after the log start: {read}");
    let resets = stderr.matches("offset 4 is out of range").count();
    assert_eq!(resets, 1, "applied and logged once: {stderr}");
    assert!(
        stderr.contains("auto.offset.reset=earliest moves the position to 10"),
        "{stderr}"
    );
    assert_eq!(committed(&describe(&server).unwrap()), 13);
}

#[test]
fn a_topic_deleted_and_created_again_is_read_from_its_start_and_describe_never_fails() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path(), None);
    topic_with_records(&server, 3, 30);
    consume_from_beginning(&server, 30);
    assert_eq!(committed(&describe(&server).unwrap()), 30);
    ok(regroup(&["topics", "delete", "orders"], &server));
    // Kafka's rule: deleting a topic deletes every group's offsets on it.
    let described = describe(&server).expect("describe works after the topic is gone");
    assert_eq!(described["offsets"].as_array().unwrap().len(), 0, "{described}");

    topic_with_records(&server, 2, 4);
    let again = consume_from_beginning(&server, 4);
    assert_eq!(again.lines().count(), 4, "{again}");
    let described = describe(&server).unwrap();
    assert_eq!(committed(&described), 4, "{described}");
}

#[test]
fn a_running_consumer_reads_a_topic_deleted_and_created_again_under_it() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path(), None);
    topic_with_records(&server, 3, 6);
    let consumer = ConsumerProcess::start(&server, &["--from-beginning", "--auto-commit-interval-ms", "100"]);
    assert_eq!(consumer.take(6).len(), 6);
    wait_for("the first records' commits", PATIENCE, || {
        (committed(&describe(&server)?) == 6).then_some(())
    });
    ok(regroup(&["topics", "delete", "orders"], &server));
    // The group notices (it rebalances onto nothing); the member's commits of the old positions
    // are refused meanwhile, so no offset of the deleted topic comes back.
    wait_for("the member to hold nothing", PATIENCE, || {
        let described = describe(&server)?;
        let member = described["members"].get(0)?;
        (member["partitions"].as_array()?.is_empty() && described["state"] == "stable").then_some(())
    });
    assert_eq!(describe(&server).unwrap()["offsets"], serde_json::json!([]));
    topic_with_records(&server, 2, 4);
    let mut again = consumer.take(4);
    again.sort();
    let mut sent: Vec<String> = lines(0, 4)
        .iter()
        .map(|l| l.split_once(':').unwrap().1.to_owned())
        .collect();
    sent.sort();
    assert_eq!(again, sent, "the new topic's records, from its start");
    let described = describe(&server).expect("describe works throughout");
    assert_eq!(members(&described), 1, "{described}");
}

#[test]
fn describe_shows_offsets_of_a_partition_that_is_gone_instead_of_failing() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path(), None);
    topic_with_records(&server, 1, 5);
    consume_from_beginning(&server, 5);
    server.stop();
    // The topic's files removed by hand while the host was down: its offsets are left stale.
    std::fs::remove_dir_all(data.path().join("topics").join("orders")).unwrap();
    let server = Server::start(data.path(), None);
    let text = ok(regroup(&["groups", "describe", "g"], &server));
    assert!(text.contains("orders-0"), "{text}");
    assert!(text.contains("partition no longer exists"), "{text}");
    let described = describe(&server).unwrap();
    assert_eq!(described["offsets"][0]["committed"], 5, "{described}");
    assert_eq!(described["offsets"][0]["end"], Value::Null, "{described}");
}

#[test]
fn groups_delete_and_delete_offsets_act_on_empty_groups_and_are_refused_while_members_remain() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path(), None);
    topic_with_records(&server, 2, 10);
    ok(regroup(&["topics", "create", "other"], &server));
    produce_lines(&server, "other", &lines(0, 3));
    for topic in ["orders", "other"] {
        ok(regroup(
            &[
                "consume",
                "--topic",
                topic,
                "--group",
                "g",
                "--from-beginning",
                "--idle-exit-ms",
                "500",
            ],
            &server,
        ));
    }
    let member = ConsumerProcess::start(&server, &[]);
    wait_for("the member to join", PATIENCE, || {
        (members(&describe(&server)?) == 1).then_some(())
    });
    for args in [
        &["groups", "delete", "g"][..],
        &["groups", "delete-offsets", "g", "--topic", "other"][..],
    ] {
        let refused = regroup(args, &server);
        assert!(!refused.status.success(), "{args:?}");
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(stderr.contains("cannot delete"), "{args:?}: {stderr}");
        assert!(
            stderr.contains("group \"g\": it has 1 member"),
            "{args:?}: {stderr}"
        );
    }
    drop(member); // SIGKILL: the member stays until its session times out
    wait_for("the group to be empty", PATIENCE, || {
        (members(&describe(&server)?) == 0).then_some(())
    });

    let deleted = ok(regroup(
        &["groups", "delete-offsets", "g", "--topic", "other"],
        &server,
    ));
    assert_eq!(
        deleted.trim(),
        "deleted the committed offsets of group g on 1 partition: other-0 (was 3)"
    );
    let described = describe(&server).unwrap();
    let topics: Vec<&str> = described["offsets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["topic"].as_str().unwrap())
        .collect();
    assert_eq!(topics, ["orders", "orders"], "{described}");
    let nothing = regroup(&["groups", "delete-offsets", "g", "--topic", "other"], &server);
    assert!(!nothing.status.success());
    let stderr = String::from_utf8_lossy(&nothing.stderr);
    assert!(
        stderr.contains("has no committed offset on topic \"other\""),
        "{stderr}"
    );

    assert_eq!(
        ok(regroup(&["groups", "delete", "g"], &server)).trim(),
        "deleted group g"
    );
    let gone = regroup(&["groups", "describe", "g"], &server);
    assert!(!gone.status.success());
    assert!(String::from_utf8_lossy(&gone.stderr).contains("group \"g\" does not exist"));
}

#[test]
fn consuming_a_topic_that_does_not_exist_says_so() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path(), None);
    let started = Instant::now();
    // Bounded, so that a consumer that says nothing fails the test instead of hanging it.
    let out = regroup(
        &[
            "consume",
            "--topic",
            "nosuch",
            "--group",
            "g",
            "--idle-exit-ms",
            "3000",
        ],
        &server,
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("topic \"nosuch\" does not exist"), "{stderr}");
    assert!(started.elapsed() < PATIENCE);
}

#[test]
fn produce_size_without_count_is_refused_and_counts_are_singular_when_one() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path(), None);
    let refused = regroup(&["produce", "--topic", "orders", "--size", "10"], &server);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--count"));

    let created = ok(regroup(
        &["topics", "create", "orders", "--partitions", "1"],
        &server,
    ));
    assert_eq!(created.trim(), "created orders with 1 partition");
    let grown = ok(regroup(
        &["topics", "add-partitions", "orders", "--total", "2"],
        &server,
    ));
    assert_eq!(grown.trim(), "orders now has 2 partitions");
    let one = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "echo hello | {} produce --topic orders --server {}",
            regroup_exe().display(),
            server.addr
        ))
        .output()
        .unwrap();
    assert!(one.status.success());
    assert!(String::from_utf8_lossy(&one.stderr).contains("1 record acknowledged"));
    let generated = ok(regroup(
        &["produce", "--topic", "orders", "--count", "1"],
        &server,
    ));
    assert!(generated.starts_with("1 record of 1024 bytes"), "{generated}");
}

#[test]
fn plugins_list_asks_the_host_named_by_regroup_server() {
    let data = tempfile::tempdir().unwrap();
    let plugins = tempfile::tempdir().unwrap();
    publish(
        &plugin_lib("regroup-capacity-weighted"),
        plugins.path(),
        "capacity-weighted.so",
    );
    let server = Server::start(data.path(), Some(plugins.path()));
    // Run where there is no ./plugins: a local listing would have only the built-ins.
    let elsewhere = tempfile::tempdir().unwrap();
    let listed = json(
        Command::new(regroup_exe())
            .args(["plugins", "list", "--json"])
            .env("REGROUP_SERVER", &server.addr)
            .current_dir(elsewhere.path())
            .output()
            .unwrap(),
    );
    let names: Vec<&str> = listed["strategies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"capacity-weighted"), "{listed}");
}

#[test]
fn a_host_started_before_its_plugin_directory_exists_serves_plugins_dropped_in_once_it_does() {
    let data = tempfile::tempdir().unwrap();
    let cwd = tempfile::tempdir().unwrap();
    let server = Server::start_with(data.path(), |command| {
        command
            .args(["--rescan-interval-ms", "100"])
            .current_dir(cwd.path());
    });
    let plugins = cwd.path().join("plugins");
    std::fs::create_dir(&plugins).unwrap();
    publish(
        &plugin_lib("regroup-capacity-weighted"),
        &plugins,
        "capacity-weighted.so",
    );
    wait_for("the host to serve the dropped plugin", PATIENCE, || {
        let listed = json(regroup(&["plugins", "list", "--json"], &server));
        listed["strategies"]
            .as_array()?
            .iter()
            .any(|s| s["name"] == "capacity-weighted")
            .then_some(())
    });
}

#[test]
fn logs_written_to_a_pipe_carry_no_colour_codes() {
    let data = tempfile::tempdir().unwrap();
    let mut serve = serve_command(data.path())
        .args(["--plugin-dir"])
        .arg(data.path().join("no-plugins-here"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The log up to its warning that the plugin directory is missing, which every start gives.
    let mut lines = Vec::new();
    for line in BufReader::new(serve.stderr.take().unwrap()).lines().take(20) {
        let line = line.unwrap();
        let warning = line.contains("WARN");
        lines.push(line);
        if warning {
            break;
        }
    }
    let _ = serve.kill();
    let _ = serve.wait();
    assert!(lines.last().is_some_and(|l| l.contains("WARN")), "{lines:?}");
    for line in &lines {
        assert!(!line.contains('\u{1b}'), "ANSI escape in {line:?}");
    }
}
