//! Strategies that are slow or crash, against real hosts, real plugin files and real members: a
//! group whose strategy misses its deadline settles on the next one and stays settled; an
//! in-process plugin that takes the host down is named in its last log line and runs isolated
//! after the restart.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use regroup::runtime::{Host, HostConfig};
use regroup_client::{Client, Consumer, ConsumerConfig, UserData};
use regroup_protocol::messages::groups::GroupInfo;
use regroup_protocol::messages::topics::CreateTopic;
use regroup_tests::host::{eventually, manual_consumer};
use regroup_tests::{plugin_lib, publish, regroup_exe, serve_command, wait_for};

const LIMIT: Duration = Duration::from_secs(60);

/// The member ids each member has had, in start order.
type MemberIds = Arc<Mutex<Vec<BTreeSet<String>>>>;

/// Members that poll until told to stop, each noting every member id it is given.
fn spawn_members(
    address: &str,
    configs: Vec<ConsumerConfig>,
    stop: &Arc<AtomicBool>,
) -> (Vec<tokio::task::JoinHandle<()>>, MemberIds) {
    let ids: MemberIds = Arc::new(Mutex::new(vec![BTreeSet::new(); configs.len()]));
    let tasks = configs
        .into_iter()
        .enumerate()
        .map(|(i, config)| {
            let (address, stop, ids) = (address.to_owned(), Arc::clone(stop), Arc::clone(&ids));
            tokio::spawn(async move {
                let Ok(mut consumer) = Consumer::connect(&address, config).await else {
                    return;
                };
                consumer.subscribe(&["events"]);
                while !stop.load(Ordering::SeqCst) {
                    if consumer.poll(Duration::from_millis(50)).await.is_err() {
                        return;
                    }
                    if let Some(assignment) = consumer.group_assignment() {
                        ids.lock().unwrap()[i].insert(assignment.member_id);
                    }
                }
                let _ = consumer.close().await;
            })
        })
        .collect();
    (tasks, ids)
}

fn settled_on_range(group: &GroupInfo, members: usize) -> bool {
    group.state == "stable"
        && group.members.len() == members
        && group.strategy.as_ref().is_some_and(|s| s.0 == "range")
        && group.members.iter().all(|m| m.partitions.len() == 6 / members)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_whose_strategy_misses_its_deadline_settles_on_the_next_and_stays_settled() {
    let dir = tempfile::tempdir().unwrap();
    let plugins = dir.path().join("plugins");
    std::fs::create_dir(&plugins).unwrap();
    publish(&plugin_lib("fixture-misbehaving"), &plugins, "misbehaving.so");
    let mut config = HostConfig::for_tests(dir.path().join("data"));
    config.plugin_dir = Some(plugins);
    config.helper_exe = Some(regroup_exe());
    config.tick_interval_ms = 10;
    config.flush = regroup::log::FlushPolicy::Os;
    // The deadline is longer than the members' sessions, as in the report this pins down: every
    // member's session would have lapsed by the time the fallback's answers went out.
    config.plugin_deadline_ms = 2_500;
    let session = Duration::from_millis(2_000);
    let host = Host::start(config).unwrap();
    let address = host.local_addr().to_string();
    let admin = Client::connect(&address).await.unwrap();
    admin.create_topic(CreateTopic::new("events", 6)).await.unwrap();

    // Three members prefer `misbehaving`, which sleeps 4 s (past the deadline), then `range`.
    let configs = (0..3)
        .map(|_| {
            manual_consumer("slow", session)
                .with_strategies(&["misbehaving", "range"])
                .with_user_data("misbehaving", UserData::Bytes(b"sleep:4000".to_vec()))
        })
        .collect();
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let (members, ids) = spawn_members(&address, configs, &stop);
    let group = eventually("three members settled on range", LIMIT, || async {
        let group = admin.describe_group("slow").await.ok()?;
        settled_on_range(&group, 3).then_some(group)
    })
    .await;
    println!(
        "figure: 3 members settled on range {} ms after they started (strategy deadline 2500 ms, sessions 2000 ms)",
        started.elapsed().as_millis()
    );

    // Three sessions later nothing has expired and no rebalance has run.
    tokio::time::sleep(session * 3).await;
    let later = admin.describe_group("slow").await.unwrap();
    assert!(settled_on_range(&later, 3), "{later:#?}");
    assert_eq!(later.generation, group.generation, "{later:#?}");
    let failures = later.last_rebalance.unwrap().failures.join("; ");
    assert!(
        failures.contains("\"misbehaving\""),
        "describe says why: {failures}"
    );
    let ids = ids.lock().unwrap().clone();
    assert!(
        ids.iter().all(|seen| seen.len() == 1),
        "no member was ever removed and rejoined under a new id: {ids:?}"
    );

    stop.store(true, Ordering::SeqCst);
    for member in members {
        member.await.unwrap();
    }
}

/// `regroup serve` as a process, its log (stderr) in a file.
struct Server {
    child: Child,
    addr: String,
}

impl Server {
    fn start(data_dir: &Path, plugin_dir: &Path, log: &Path) -> Server {
        let mut child = serve_command(data_dir)
            .arg("--plugin-dir")
            .arg(plugin_dir)
            .env_remove("RUST_LOG")
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(log).unwrap())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let addr = line
            .split_whitespace()
            .nth(3)
            .unwrap_or_else(|| panic!("no address in {line:?}"))
            .to_owned();
        Server { child, addr }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A member of `group` that asks `misbehaving` to abort, listing `range` as its fallback.
fn aborting_member(group: &str) -> ConsumerConfig {
    manual_consumer(group, Duration::from_secs(10))
        .with_strategies(&["misbehaving", "range"])
        .with_user_data("misbehaving", UserData::Bytes(b"abort".to_vec()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_in_process_plugin_that_kills_the_host_is_named_in_its_last_log_line_and_isolated_after_restart() {
    let dir = tempfile::tempdir().unwrap();
    let (data, plugins, log) = (
        dir.path().join("data"),
        dir.path().join("plugins"),
        dir.path().join("serve.log"),
    );
    std::fs::create_dir(&plugins).unwrap();
    publish(&plugin_lib("fixture-misbehaving"), &plugins, "misbehaving.so");

    let mut server = Server::start(&data, &plugins, &log);
    let admin = Client::connect(&server.addr).await.unwrap();
    admin.create_topic(CreateTopic::new("events", 6)).await.unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let (members, _) = spawn_members(&server.addr, vec![aborting_member("crashy")], &stop);
    let status = wait_for("the host to die", LIMIT, || server.child.try_wait().unwrap());
    assert!(!status.success(), "{status}");
    let text = std::fs::read_to_string(&log).unwrap();
    let last = text.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("");
    assert!(
        last.contains("misbehaving") && last.contains("crashy"),
        "the last log line names the strategy and the group: {last:?}"
    );
    for member in members {
        member.abort();
    }

    // Restarted on the same data: it says what it does, runs the plugin isolated, and the
    // same request now costs only the worker process; the group falls back to range.
    let restart_log = dir.path().join("restart.log");
    let server = Server::start(&data, &plugins, &restart_log);
    let text = std::fs::read_to_string(&restart_log).unwrap();
    assert!(
        text.lines()
            .any(|l| l.contains("misbehaving") && l.contains("runs isolated")),
        "{text}"
    );
    let admin = Client::connect(&server.addr).await.unwrap();
    let listed = admin.list_plugins().await.unwrap();
    let misbehaving = listed
        .strategies
        .iter()
        .find(|p| p.name == "misbehaving")
        .unwrap();
    assert_eq!(misbehaving.isolation, "isolated");
    let (members, _) = spawn_members(&server.addr, vec![aborting_member("crashy")], &stop);
    let group = eventually("the group on range", LIMIT, || async {
        let group = admin.describe_group("crashy").await.ok()?;
        (group.state == "stable" && group.strategy.as_ref().is_some_and(|s| s.0 == "range")).then_some(group)
    })
    .await;
    let failures = group.last_rebalance.unwrap().failures.join("; ");
    assert!(failures.contains("SIGABRT"), "{failures}");
    stop.store(true, Ordering::SeqCst);
    for member in members {
        member.await.unwrap();
    }
}
