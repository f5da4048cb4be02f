//! Plugin boundary and hot-swap figures (a bench binary, not criterion: the slow parts spawn
//! processes and the memory figure needs one long run).
//!
//! Needs release builds of the binary and the range plugin:
//!   cargo build --release -p regroup -p regroup-range && cargo bench -p regroup --bench plugins
//!
//! Sections can be chosen by name: `cargo bench -p regroup --bench plugins -- boundary` runs only
//! the boundary figures (`loading`, `boundary`, `memory`; all by default).
//!
//! Prints: time to vet (structure, shadow copy, probe) and load a new plugin and to reload a
//! changed one; one assignment of 1,000,000 partitions over 2,000 members by the same `range` code
//! linked in, loaded in-process and isolated, with ratios; resident memory after 1,000 reloads.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

mod support;

use regroup::registry::{Isolation, Registry, RegistryConfig, Source, Strategy};
use regroup_assignor_api::abi::AssignReply;
use regroup_assignor_api::model::{GroupSpec, Protocol};
use regroup_assignor_api::{Assignor, codec, kit};

fn config(dir: &Path, isolation: Isolation) -> RegistryConfig {
    let mut config = RegistryConfig::new(Some(dir.to_owned()), support::release_artifact("regroup"));
    config.settle_time = Duration::ZERO; // measure loading, not the wait for a file to settle
    config.default_isolation = isolation;
    config.deadline = Duration::from_secs(600);
    config
}

/// The range plugin's bytes plus `n` as trailing bytes: a distinct content every time.
fn variant(lib: &[u8], n: u64) -> Vec<u8> {
    let mut bytes = lib.to_vec();
    bytes.extend_from_slice(&n.to_le_bytes());
    bytes
}

fn publish(dir: &Path, bytes: &[u8]) {
    let staging = dir.join(".range.so.tmp");
    std::fs::write(&staging, bytes).unwrap();
    std::fs::rename(&staging, dir.join("range.so")).unwrap();
}

fn served_hash(registry: &Registry) -> String {
    registry.get("range").unwrap().hash.clone()
}

fn time_assign(strategy: &Strategy, group: &Arc<GroupSpec>, runs: usize) -> Duration {
    let assign = || {
        strategy
            .assign(Arc::clone(group), Duration::from_secs(600))
            .unwrap()
    };
    drop(assign()); // warm up
    median_of(runs, assign)
}

fn main() {
    regroup::runtime::keep_freed_memory(); // as the `regroup` binary runs
    // `cargo bench` passes `--bench`; any other argument names the sections to run.
    let chosen: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let wanted = |section: &str| chosen.is_empty() || chosen.iter().any(|c| c == section);
    let lib = std::fs::read(support::release_artifact("libregroup_range.so")).unwrap();
    if wanted("loading") {
        loading(&lib);
    }
    if wanted("boundary") {
        boundary(&lib);
    }
    if wanted("memory") {
        memory(&lib);
    }
}

fn loading(lib: &[u8]) {
    println!("== loading");
    let dir = tempfile::tempdir().unwrap();
    let registry = Registry::start(config(dir.path(), Isolation::InProcess)).unwrap();
    let mut new_load = Vec::new();
    for n in 0..20 {
        let bytes = variant(lib, n);
        publish(dir.path(), &bytes);
        let start = Instant::now();
        registry.rescan();
        new_load.push(start.elapsed());
        assert!(matches!(
            registry.get("range").unwrap().source,
            Source::File { .. }
        ));
    }
    let probe = support::median(
        (0..20)
            .map(|_| {
                let start = Instant::now();
                regroup::registry::check_file(
                    &dir.path().join("range.so"),
                    &support::release_artifact("regroup"),
                    Duration::from_secs(10),
                    None,
                )
                .unwrap();
                start.elapsed()
            })
            .collect(),
    );
    println!(
        "reload of a changed plugin (hash, checks, shadow copy, probe, load): median {} over 20",
        support::ms(support::median(new_load))
    );
    println!(
        "  of which the probe in a child process: median {}",
        support::ms(probe)
    );
    let before = served_hash(&registry);
    publish(dir.path(), &variant(lib, 3)); // a content loaded before: reused
    let start = Instant::now();
    registry.rescan();
    let reuse = start.elapsed();
    assert_ne!(served_hash(&registry), before);
    println!(
        "return to a version loaded before (hash only): {}",
        support::ms(reuse)
    );
}

fn boundary(lib: &[u8]) {
    println!("\n== boundary cost: range, 1,000,000 partitions over 2,000 members");
    // 500 topics x 2,000 partitions, 2,000 members subscribed to all.
    let group = Arc::new(kit::large_group(2_000, 500, 2_000, false, Protocol::Eager));
    let bytes = codec::encode(&*group);
    let encode = median_of(9, || codec::encode(&*group));
    let decode = median_of(9, || codec::decode::<GroupSpec>(&bytes).unwrap());
    println!(
        "group envelope: {} bytes, encode {}, decode {}",
        bytes.len(),
        support::ms(encode),
        support::ms(decode)
    );
    let builtin = Registry::start(RegistryConfig::new(None, support::release_artifact("regroup"))).unwrap();
    let linked = time_assign(&builtin.get("range").unwrap(), &group, 9);
    let dir = tempfile::tempdir().unwrap();
    publish(dir.path(), lib);
    let in_process = Registry::start(config(dir.path(), Isolation::InProcess)).unwrap();
    let dynamic = time_assign(&in_process.get("range").unwrap(), &group, 9);
    let isolated_registry = Registry::start(config(dir.path(), Isolation::Isolated)).unwrap();
    let isolated = time_assign(&isolated_registry.get("range").unwrap(), &group, 9);
    let ratio = |d: Duration| d.as_secs_f64() / linked.as_secs_f64();
    let (plugin, linked_in) = (in_process.get("range").unwrap(), builtin.get("range").unwrap());
    let call =
        |s: &Strategy| support::time_call(|| s.assign(Arc::clone(&group), Duration::from_secs(600)).unwrap());
    let paired = support::median_ratio(&support::alternating_ratios(
        15,
        || call(&plugin),
        || call(&linked_in),
    ));
    println!("linked in (built-in):  median {}", support::ms(linked));
    println!(
        "dynamic, in-process:   median {}  ({:.2}x linked; paired {:.2}x; target <= 1.10x)",
        support::ms(dynamic),
        ratio(dynamic),
        paired
    );
    println!(
        "dynamic, isolated:     median {}  ({:.2}x linked, {:.2}x in-process; target <= 2x in-process)",
        support::ms(isolated),
        ratio(isolated),
        isolated.as_secs_f64() / dynamic.as_secs_f64()
    );
    println!(
        "(each includes validating the result; median of 9 after one warm-up; paired: the median ratio of 15 calls alternating with the linked one, which load that comes and goes skews less)"
    );

    // Where the in-process difference goes: the same steps timed alone, each a median of 9.
    let result = regroup_range::RangeAssignor.assign(&group).unwrap();
    let reply = AssignReply(Ok(result.clone()));
    let reply_bytes = codec::encode(&reply);
    let algorithm = median_of(9, || regroup_range::RangeAssignor.assign(&group).unwrap());
    let validate = median_of(9, || kit::validate(&group, &result).unwrap());
    let reply_encode = median_of(9, || codec::encode(&reply));
    let reply_decode = median_of(9, || codec::decode::<AssignReply>(&reply_bytes).unwrap());
    let codec_steps = encode + decode + reply_encode + reply_decode;
    println!(
        "alone: algorithm {}, validate {}; the plugin's codec steps: group encode {} + decode {} + reply ({} bytes) encode {} + decode {} = {}",
        support::ms(algorithm),
        support::ms(validate),
        support::ms(encode),
        support::ms(decode),
        reply_bytes.len(),
        support::ms(reply_encode),
        support::ms(reply_decode),
        support::ms(codec_steps)
    );
    println!(
        "in-process minus linked: {}, of which the codec steps alone {} and the rest {} (the same copies on cold memory); 1.10x would allow {}",
        support::ms(dynamic.saturating_sub(linked)),
        support::ms(codec_steps),
        support::ms(dynamic.saturating_sub(linked).saturating_sub(codec_steps)),
        support::ms(linked / 10)
    );
}

/// The median time of `runs` calls of `f`, its result dropped outside the timing.
fn median_of<T>(runs: usize, mut f: impl FnMut() -> T) -> Duration {
    support::median((0..runs).map(|_| support::time_call(&mut f)).collect())
}

fn memory(lib: &[u8]) {
    println!("\n== resident memory over 1,000 reloads of a changed plugin");
    let dir = tempfile::tempdir().unwrap();
    let registry = Registry::start(config(dir.path(), Isolation::InProcess)).unwrap();
    publish(dir.path(), &variant(lib, 1_000_000));
    registry.rescan();
    let base = support::status_kib("VmRSS");
    let start = Instant::now();
    for n in 0..1_000u64 {
        publish(dir.path(), &variant(lib, n + 2_000_000));
        registry.rescan();
    }
    let distinct = support::status_kib("VmRSS");
    println!(
        "1,000 distinct versions: {} KiB -> {} KiB resident (+{} KiB, {:.0} KiB per version; libraries are never unloaded), {:.1} s",
        base,
        distinct,
        distinct - base,
        (distinct - base) as f64 / 1000.0,
        start.elapsed().as_secs_f64()
    );
    for n in 0..1_000u64 {
        publish(dir.path(), &variant(lib, 2_000_000 + n % 2));
        registry.rescan();
    }
    let flapping = support::status_kib("VmRSS");
    println!(
        "then 1,000 swaps between two versions loaded before: {} KiB (+{} KiB)",
        flapping,
        flapping - distinct
    );
}
