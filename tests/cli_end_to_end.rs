//! The `regroup` binary end to end, as a user runs it: `serve` as a real process on port 0 in a
//! temp directory, the client commands against it, consumers as processes killed with SIGKILL,
//! plugins dropped into the live plugin directory, and a restart on the same data.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Output, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use regroup_tests::{plugin_lib, publish, regroup_exe, wait_for};
use serde_json::Value;

const PATIENCE: Duration = Duration::from_secs(30);

/// `regroup serve` as a child process; stopped with SIGTERM (gracefully) or killed on drop.
struct Server {
    child: Child,
    addr: String,
}

impl Server {
    fn start(data_dir: &Path, plugin_dir: Option<&Path>) -> Server {
        let mut command = Command::new(regroup_exe());
        command
            .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(data_dir)
            // The consumers here use 1.5 s sessions, below Kafka's 6 s minimum.
            .args(["--group-min-session-timeout-ms", "1000"]);
        if let Some(dir) = plugin_dir {
            command.arg("--plugin-dir").arg(dir);
        }
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        // "regroup listening on 127.0.0.1:PORT (data ..."
        let addr = line
            .split_whitespace()
            .nth(3)
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_owned();
        Server { child, addr }
    }

    /// SIGTERM, then wait: the graceful shutdown path.
    fn stop(mut self) {
        Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status()
            .unwrap();
        let status = self.child.wait().unwrap();
        assert!(status.success(), "serve exited with {status}");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn regroup(args: &[&str], server: &Server) -> Output {
    Command::new(regroup_exe())
        .args(args)
        .args(["--server", &server.addr])
        .output()
        .unwrap()
}

fn ok(output: Output) -> String {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

fn json(output: Output) -> Value {
    serde_json::from_str(&ok(output)).unwrap()
}

/// The group's description, or `None` while the host does not know the group yet.
fn describe(server: &Server) -> Option<Value> {
    let output = regroup(&["groups", "describe", "g", "--json"], server);
    output
        .status
        .success()
        .then(|| serde_json::from_slice(&output.stdout).unwrap())
}

fn produce_lines(server: &Server, topic: &str, lines: &[String]) {
    let mut child = Command::new(regroup_exe())
        .args([
            "produce",
            "--topic",
            topic,
            "--key-separator",
            ":",
            "--server",
            &server.addr,
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(lines.join("\n").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

fn lines(from: usize, to: usize) -> Vec<String> {
    (from..to).map(|n| format!("key-{}:record-{n}", n % 7)).collect()
}

/// A `regroup consume` process whose stdout lines arrive on a channel.
struct ConsumerProcess {
    child: Child,
    records: mpsc::Receiver<String>,
}

impl ConsumerProcess {
    fn start(server: &Server, extra: &[&str]) -> ConsumerProcess {
        let mut child = Command::new(regroup_exe())
            .args([
                "consume",
                "--topic",
                "orders",
                "--group",
                "g",
                "--session-timeout-ms",
                "1500",
            ])
            .args(["--server", &server.addr])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        ConsumerProcess {
            records: lines_of(child.stdout.take().unwrap()),
            child,
        }
    }

    fn take(&self, count: usize) -> Vec<String> {
        (0..count)
            .map(|_| self.records.recv_timeout(PATIENCE).expect("a record"))
            .collect()
    }
}

impl Drop for ConsumerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn lines_of(stdout: ChildStdout) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

fn values(lines: &[String]) -> Vec<String> {
    let mut v: Vec<String> = lines
        .iter()
        .map(|l| l.split_once(':').unwrap().1.to_owned())
        .collect();
    v.sort();
    v
}

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

    let read = ok(regroup(
        &[
            "consume",
            "--topic",
            "orders",
            "--group",
            "g",
            "--from-beginning",
            "--max-records",
            "30",
        ],
        &server,
    ));
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
