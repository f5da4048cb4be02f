//! The `regroup` binary end to end, as a user runs it: `serve` as a real process on port 0 in a
//! temp directory, the client commands against it, consumers as processes killed with SIGKILL,
//! plugins dropped into the live plugin directory, and a restart on the same data.

use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use regroup_tests::cli::{
    ConsumerProcess, PATIENCE, Server, consume_from_beginning, describe, json, lines, ok, produce_lines,
    regroup, values,
};
use regroup_tests::{plugin_lib, publish, regroup_exe, wait_for};

#[test]
fn serve_produce_consume_then_a_restart_keeps_topics_records_and_offsets() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path(), None);
    ok(regroup(
        &["topics", "create", "orders", "--partitions", "3"],
        &server,
    ));
    let sent = lines(0, 30);
    produce_lines(&server, "orders", &sent);

    let read = consume_from_beginning(&server, 30);
    let mut read: Vec<String> = read.lines().map(str::to_owned).collect();
    read.sort();
    assert_eq!(read, values(&sent), "every record exactly once");
    let described = json(regroup(&["groups", "describe", "g", "--json"], &server));
    let lag: u64 = described["offsets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["lag"].as_u64().unwrap())
        .sum();
    assert_eq!(lag, 0, "{described}");

    server.stop();
    let server = Server::start(data.path(), None);
    let topic = json(regroup(&["topics", "describe", "orders", "--json"], &server));
    let ends: u64 = topic["partitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["high_watermark"].as_u64().unwrap())
        .sum();
    assert_eq!(ends, 30);
    let described = json(regroup(&["groups", "describe", "g", "--json"], &server));
    let committed: i64 = described["offsets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["committed"].as_i64().unwrap())
        .sum();
    assert_eq!(committed, 30, "{described}");
    // The group resumes where it left off: nothing old is read again, the new records are.
    produce_lines(&server, "orders", &lines(30, 35));
    let again = ok(regroup(
        &[
            "consume",
            "--topic",
            "orders",
            "--group",
            "g",
            "--max-records",
            "5",
        ],
        &server,
    ));
    let mut again: Vec<String> = again.lines().map(str::to_owned).collect();
    again.sort();
    assert_eq!(again, values(&lines(30, 35)));
}

#[test]
fn a_consumer_killed_with_sigkill_loses_its_partitions_and_another_resumes_from_its_commits() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path(), None);
    ok(regroup(
        &["topics", "create", "orders", "--partitions", "2"],
        &server,
    ));
    produce_lines(&server, "orders", &lines(0, 20));

    let mut first =
        ConsumerProcess::start(&server, &["--from-beginning", "--auto-commit-interval-ms", "100"]);
    assert_eq!(
        values(
            &first
                .take(20)
                .iter()
                .map(|v| format!("k:{v}"))
                .collect::<Vec<_>>()
        ),
        values(&lines(0, 20))
    );
    wait_for("the first consumer's commits", PATIENCE, || {
        let described = describe(&server)?;
        let committed: i64 = described["offsets"]
            .as_array()?
            .iter()
            .filter_map(|o| o["committed"].as_i64())
            .sum();
        (committed == 20).then_some(())
    });
    first.child.kill().unwrap(); // SIGKILL: no leave, no last commit
    first.child.wait().unwrap();

    let second = ConsumerProcess::start(&server, &["--from-beginning"]);
    wait_for(
        "the killed member's session to expire and its partitions to move",
        PATIENCE,
        || {
            let described = describe(&server)?;
            let members = described["members"].as_array()?;
            (members.len() == 1 && members[0]["partitions"].as_array()?.len() == 2).then_some(())
        },
    );
    produce_lines(&server, "orders", &lines(20, 26));
    let resumed = second.take(6);
    assert_eq!(
        values(&resumed.iter().map(|v| format!("k:{v}")).collect::<Vec<_>>()),
        values(&lines(20, 26))
    );
    assert!(
        second.records.recv_timeout(Duration::from_millis(500)).is_err(),
        "nothing read twice"
    );
}

#[test]
fn a_plugin_dropped_into_a_live_host_switches_the_group_and_removing_it_falls_back() {
    let data = tempfile::tempdir().unwrap();
    let plugins = tempfile::tempdir().unwrap();
    let server = Server::start(data.path(), Some(plugins.path()));
    ok(regroup(
        &["topics", "create", "orders", "--partitions", "4"],
        &server,
    ));
    let consumer = ConsumerProcess::start(
        &server,
        &[
            "--strategy",
            "capacity-weighted,range",
            "--user-data",
            "capacity-weighted=capacity=2",
        ],
    );
    let strategy_and_member = || {
        let described = describe(&server)?;
        let member = described["members"].get(0)?["member_id"].as_str()?.to_owned();
        let stable = described["state"] == "stable" || described["state"] == "Stable";
        Some((described["strategy"]["name"].as_str()?.to_owned(), member, stable))
    };
    let (_, member) = wait_for("the group on range", PATIENCE, || {
        strategy_and_member().and_then(|(s, m, stable)| (s == "range" && stable).then_some(((), m)))
    });

    let file = publish(
        &plugin_lib("regroup-capacity-weighted"),
        plugins.path(),
        "capacity-weighted.so",
    );
    wait_for("the group on capacity-weighted", PATIENCE, || {
        strategy_and_member().and_then(|(s, m, _)| {
            (s == "capacity-weighted").then(|| assert_eq!(m, member, "the consumer did not restart"))
        })
    });
    let served = json(
        Command::new(regroup_exe())
            .args(["plugins", "list", "--json", "--server", &server.addr])
            .output()
            .unwrap(),
    );
    assert!(
        served["strategies"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["name"] == "capacity-weighted")
    );

    std::fs::remove_file(file).unwrap();
    wait_for("the group back on range", PATIENCE, || {
        strategy_and_member().and_then(|(s, m, _)| (s == "range").then(|| assert_eq!(m, member)))
    });
    drop(consumer);
}

#[test]
fn the_demo_shows_a_group_moving_onto_a_dropped_plugin_and_back() {
    let out = Command::new(regroup_exe())
        .args(["demo", "--plugin"])
        .arg(plugin_lib("regroup-capacity-weighted"))
        .output()
        .unwrap();
    let text = ok(out);
    assert!(text.contains("the group moved onto capacity-weighted"), "{text}");
    assert!(text.contains("share=0.500 partitions=3 capacity=3"), "{text}");
    assert!(text.contains("the group fell back to range"), "{text}");
    assert!(text.contains("together all 600, each once"), "{text}");
}

#[test]
fn a_produce_whose_host_was_killed_fails_at_its_delivery_timeout_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(dir.path(), None);
    ok(regroup(&["topics", "create", "t", "--partitions", "2"], &server));
    // Only the delivery timeout can end it in time: requests may retry for ten minutes.
    let mut child = Command::new(regroup_exe())
        .args(["produce", "--topic", "t", "--delivery-timeout-ms", "2000"])
        .args(["--request-timeout-ms", "600000", "--server", &server.addr])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(lines(0, 100).join("\n").as_bytes()).unwrap();
    stdin.flush().unwrap();
    thread::sleep(Duration::from_millis(300));
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    stdin.write_all(b"\nafter the kill\n").unwrap();
    drop(stdin);

    let (done, output) = mpsc::channel();
    thread::spawn(move || done.send(child.wait_with_output().unwrap()));
    let output = output
        .recv_timeout(2 * PATIENCE)
        .expect("produce exits on its own once its delivery timeout has passed");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(
        stderr.contains("not acknowledged within the delivery timeout of 2000 ms"),
        "{stderr}"
    );
    assert!(
        stderr.contains("WARN") && stderr.contains(&server.addr) && stderr.contains("retrying"),
        "the first failure to reconnect is logged with the address: {stderr}"
    );
}
