//! `regroup demo`: a host on a temporary directory, a topic, records, three consumers in one group,
//! then a strategy plugin dropped into the plugin directory: the group moves onto it while every
//! consumer keeps running, and back when the file is removed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use clap::Args;

use super::block_on;
use crate::client::{
    Client, Consumer, ConsumerConfig, GroupAssignment, OffsetReset, Producer, ProducerConfig, RebalanceEvent,
    StrategyChoice, UserData,
};
use crate::log::Record;
use crate::protocol::messages::topics::CreateTopic;
use crate::runtime::{Host, HostConfig};

const TOPIC: &str = "orders";
const GROUP: &str = "billing";
const PARTITIONS: u32 = 6;
const RECORDS: u64 = 600;
const PLUGIN: &str = "capacity-weighted";
/// How long any one step may take before the demo gives up.
const PATIENCE: Duration = Duration::from_secs(30);

#[derive(Args)]
pub struct DemoArgs {
    /// The plugin to drop in [default: libregroup_capacity_weighted.so beside this executable,
    /// built by `cargo build --workspace`].
    #[arg(long)]
    plugin: Option<PathBuf>,
}

/// The cdylib `cargo build --workspace` puts beside the `regroup` binary.
fn default_plugin() -> Result<PathBuf, String> {
    let exe = super::helper_exe()?;
    let dir = exe.parent().ok_or("the regroup executable has no directory")?;
    let name = format!("libregroup_capacity_weighted.{}", std::env::consts::DLL_EXTENSION);
    [dir.join(&name), dir.join("deps").join(&name)]
        .into_iter()
        .find(|p| p.exists())
        .ok_or_else(|| {
            format!(
                "{name} not found beside {}: run `cargo build --workspace` first, or pass --plugin FILE",
                exe.display()
            )
        })
}

struct Member {
    name: &'static str,
    capacity: u32,
    events: mpsc::Receiver<RebalanceEvent>,
    latest: Option<GroupAssignment>,
    consumed: Arc<AtomicU64>,
}

pub fn run(args: DemoArgs) -> Result<ExitCode, String> {
    let plugin = match args.plugin {
        Some(path) => path,
        None => default_plugin()?,
    };
    let data = tempfile::Builder::new()
        .prefix("regroup-demo-")
        .tempdir()
        .map_err(|e| e.to_string())?;
    let plugin_dir = data.path().join("plugins");
    std::fs::create_dir(&plugin_dir).map_err(|e| e.to_string())?;
    let mut config = HostConfig::for_tests(data.path().join("data"));
    config.plugin_dir = Some(plugin_dir.clone());
    config.helper_exe = Some(super::helper_exe()?);
    let host = Host::start(config).map_err(|e| e.to_string())?;
    let addr = host.local_addr().to_string();
    out!("1. host started on {addr}, data in {}", data.path().display())?;
    out!(
        "   strategies served: {}",
        host.registry().names().into_iter().collect::<Vec<_>>().join(", ")
    )?;

    let outcome = block_on(demo(&addr, &plugin, &plugin_dir));
    host.shutdown().map_err(|e| e.to_string())?;
    outcome?;
    out!("8. host stopped; demo done")?;
    Ok(ExitCode::SUCCESS)
}

async fn demo(addr: &str, plugin: &Path, plugin_dir: &Path) -> Result<(), String> {
    let error = |e: crate::client::ClientError| e.to_string();
    let client = Client::connect(addr).await.map_err(error)?;
    client
        .create_topic(CreateTopic::new(TOPIC, PARTITIONS))
        .await
        .map_err(error)?;
    let producer = Producer::connect(addr, ProducerConfig::default())
        .await
        .map_err(error)?;
    for n in 0..RECORDS {
        producer
            .enqueue(
                TOPIC,
                Record::new(format!("order {n}")).with_key(format!("customer-{}", n % 50)),
            )
            .await
            .map_err(error)?;
    }
    producer.flush().await.map_err(error)?;
    out!("2. topic {TOPIC} created with {PARTITIONS} partitions; {RECORDS} records produced")?;

    let stop = Arc::new(AtomicBool::new(false));
    let mut members = Vec::new();
    let mut tasks = Vec::new();
    for (name, capacity) in [("consumer-a", 1), ("consumer-b", 2), ("consumer-c", 3)] {
        let (tx, rx) = mpsc::channel();
        let consumed = Arc::new(AtomicU64::new(0));
        let mut config = ConsumerConfig::new(GROUP);
        config.strategies = vec![
            StrategyChoice {
                name: PLUGIN.into(),
                user_data: UserData::Bytes(format!("capacity={capacity}").into_bytes()),
            },
            StrategyChoice {
                name: "range".into(),
                user_data: UserData::Empty,
            },
        ];
        config.auto_offset_reset = OffsetReset::Earliest;
        config.session_timeout = Duration::from_secs(6);
        config.heartbeat_interval = Duration::from_millis(100);
        let mut consumer = Consumer::connect(addr, config).await.map_err(error)?;
        consumer.subscribe_with(&[TOPIC], tx);
        let (stop, count) = (stop.clone(), consumed.clone());
        tasks.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let records = consumer.poll(Duration::from_millis(50)).await?;
                count.fetch_add(records.len() as u64, Ordering::Relaxed);
            }
            consumer.close().await
        }));
        members.push(Member {
            name,
            capacity,
            events: rx,
            latest: None,
            consumed,
        });
    }
    out!(
        "3. three consumers joined group {GROUP}, each listing [{PLUGIN}, range]; {PLUGIN} is not loaded yet"
    )?;
    wait_for_strategy(&mut members, "range").await?;
    print_assignments(&members)?;
    wait_until("every record to be consumed", || {
        members
            .iter()
            .map(|m| m.consumed.load(Ordering::Relaxed))
            .sum::<u64>()
            >= RECORDS
    })
    .await?;
    let counts: Vec<String> = members
        .iter()
        .map(|m| format!("{} {}", m.name, m.consumed.load(Ordering::Relaxed)))
        .collect();
    out!(
        "   records consumed: {} (together all {RECORDS}, each once)",
        counts.join(", ")
    )?;

    let dropped = plugin_dir.join(format!("{PLUGIN}.so"));
    let staging = plugin_dir.join(format!(".{PLUGIN}.so.tmp"));
    std::fs::copy(plugin, &staging).map_err(|e| format!("cannot copy {}: {e}", plugin.display()))?;
    std::fs::rename(&staging, &dropped).map_err(|e| e.to_string())?;
    let started = Instant::now();
    out!(
        "4. dropped {} into the plugin directory; no consumer restarts",
        dropped.display()
    )?;
    wait_for_strategy(&mut members, PLUGIN).await?;
    out!(
        "5. the group moved onto {PLUGIN} in {} ms:",
        started.elapsed().as_millis()
    )?;
    print_assignments(&members)?;

    std::fs::remove_file(&dropped).map_err(|e| e.to_string())?;
    let started = Instant::now();
    out!("6. removed the plugin file")?;
    wait_for_strategy(&mut members, "range").await?;
    out!(
        "7. the group fell back to range in {} ms:",
        started.elapsed().as_millis()
    )?;
    print_assignments(&members)?;

    stop.store(true, Ordering::Relaxed);
    for task in tasks {
        task.await.map_err(|e| e.to_string())?.map_err(error)?;
    }
    producer.close().await.map_err(error)?;
    Ok(())
}

/// Waits until every member holds an assignment made by `strategy` and together they hold every
/// partition, reading the rebalance callbacks the consumers deliver.
async fn wait_for_strategy(members: &mut [Member], strategy: &str) -> Result<(), String> {
    let deadline = Instant::now() + PATIENCE;
    loop {
        for member in members.iter_mut() {
            while let Ok(event) = member.events.try_recv() {
                if let RebalanceEvent::Assigned(_, assignment) = event {
                    member.latest = Some(assignment);
                }
            }
        }
        let on_strategy = members.iter().all(|m| {
            m.latest
                .as_ref()
                .is_some_and(|a| a.strategy.as_deref() == Some(strategy))
        });
        let held: usize = members
            .iter()
            .filter_map(|m| m.latest.as_ref())
            .map(|a| a.partitions.len())
            .sum();
        if on_strategy && held == PARTITIONS as usize {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!(
                "the group did not settle on {strategy} within {PATIENCE:?}"
            ));
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn wait_until(what: &str, done: impl Fn() -> bool) -> Result<(), String> {
    let deadline = Instant::now() + PATIENCE;
    while !done() {
        if Instant::now() > deadline {
            return Err(format!("gave up waiting for {what}"));
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    Ok(())
}

fn print_assignments(members: &[Member]) -> Result<(), String> {
    let mut by_member = BTreeMap::new();
    for m in members {
        let Some(a) = &m.latest else { continue };
        let partitions: Vec<String> = a.partitions.iter().map(|p| p.partition.to_string()).collect();
        let data = String::from_utf8_lossy(&a.user_data).into_owned();
        by_member.insert(
            m.name,
            (
                m.capacity,
                a.generation,
                a.strategy.clone().unwrap_or_default(),
                partitions,
                data,
            ),
        );
    }
    for (name, (capacity, generation, strategy, partitions, data)) in by_member {
        let data = if data.is_empty() {
            String::new()
        } else {
            format!("  assignor says: {data}")
        };
        out!(
            "   {name} (capacity {capacity}): partitions [{}] of {TOPIC}, generation {generation}, {strategy}{data}",
            partitions.join(", ")
        )?;
    }
    Ok(())
}
