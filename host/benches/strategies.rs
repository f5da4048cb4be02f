//! Kafka's strategies through the dynamic plugin, against the same code linked in, including
//! Kafka's incremental case (10,000 x 500,000, one member joins).
//!
//! Needs release builds of the binary (it probes plugins) and of the strategy cdylibs:
//!   cargo build --release -p regroup -p regroup-sticky -p regroup-cooperative-sticky \
//!     -p regroup-range -p regroup-roundrobin && cargo bench -p regroup --bench strategies
//!
//! criterion (10 samples, flat sampling) drives every measurement; each call is also recorded so
//! the run ends with a table of medians: the plugin next to the built-in of the same run (ratio of
//! the criterion medians, and the median ratio of 10 alternating plugin/built-in pairs, which load
//! from other work on the machine skews less), fresh + reassign sums, `range` and `roundrobin`
//! against the codec work of one call, and the peak resident memory of the largest cases, each
//! run in a child process of this binary.
//!
//! For `range` and `roundrobin` the plugin's own call (its exported `assign` on the group's bytes:
//! decode, assign, encode the reply) is also timed alone, against decoding the group plus
//! encoding the reply.
//!
//! Plugin and built-in both go through `Strategy::assign`: a thread with a deadline, then
//! `kit::validate` on the result; the plugin adds encoding the group, decoding it in the plugin,
//! encoding the reply there and decoding it here. Results are checked (valid, balanced, nothing
//! moved on reassignment, plugin result identical to the built-in's) before anything is timed.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use criterion::{Bencher, Criterion, SamplingMode};
mod support;

use abi_stable::library::AbiHeaderRef;
use abi_stable::std_types::RSlice;
use regroup::registry::{Registry, RegistryConfig, Source, Strategy};
use regroup_assignor_api::abi::{self, AssignReply, AssignorModRef};
use regroup_assignor_api::model::{Assignment, GroupSpec, Member, Protocol};
use regroup_assignor_api::{Assignor, codec, kit};

/// Set in a child process of this binary: run one case and print its peak resident memory.
const PEAK_ENV: &str = "REGROUP_STRATEGIES_BENCH_PEAK";

const PLUGINS: [(&str, &str); 4] = [
    ("sticky", "libregroup_sticky.so"),
    ("cooperative-sticky", "libregroup_cooperative_sticky.so"),
    ("range", "libregroup_range.so"),
    ("roundrobin", "libregroup_roundrobin.so"),
];

/// The four strategy cdylibs, renamed into a plugin directory: each takes its built-in's name over.
struct Plugins {
    registry: Registry,
    _dir: tempfile::TempDir,
}

fn plugins() -> Plugins {
    let dir = tempfile::tempdir().unwrap();
    for (name, file) in PLUGINS {
        let bytes = std::fs::read(support::release_artifact(file)).unwrap();
        let staging = dir.path().join(format!(".{name}.so.tmp"));
        std::fs::write(&staging, bytes).unwrap();
        std::fs::rename(&staging, dir.path().join(format!("{name}.so"))).unwrap();
    }
    let mut config = RegistryConfig::new(Some(dir.path().to_owned()), support::release_artifact("regroup"));
    config.settle_time = Duration::ZERO;
    config.deadline = Duration::from_secs(600);
    let registry = Registry::start(config).unwrap();
    for (name, _) in PLUGINS {
        let served = registry.get(name).unwrap();
        assert!(
            matches!(served.source, Source::File { .. }),
            "{name} is not served from its plugin file: {:?}",
            registry.rejected()
        );
    }
    Plugins { registry, _dir: dir }
}

/// A strategy cdylib's root module, loaded from a copy of its release build (as the registry
/// would, minus the probe): to time the plugin's own call, decode + assign + encode, alone.
fn module(file: &str, dir: &std::path::Path) -> AssignorModRef {
    let copy = dir.join(format!("direct-{file}"));
    std::fs::copy(support::release_artifact(file), &copy).unwrap();
    let symbol = format!(
        "{}{}\0",
        abi::ROOT_SYMBOL_PREFIX,
        file.trim_start_matches("lib").trim_end_matches(".so")
    );
    // SAFETY: our own release build of a strategy crate, which exports this root module.
    let library = unsafe { libloading::Library::new(&copy) }.unwrap();
    let header = unsafe { library.get::<AbiHeaderRef>(symbol.as_bytes()) }
        .map(|s| *s)
        .unwrap();
    std::mem::forget(library); // abi_stable's references into it are 'static
    header
        .upgrade()
        .unwrap()
        .init_root_module::<AssignorModRef>()
        .unwrap()
}

fn builtins() -> Registry {
    let mut config = RegistryConfig::new(None, support::release_artifact("regroup"));
    config.deadline = Duration::from_secs(600);
    Registry::start(config).unwrap()
}

fn assign(strategy: &Strategy, spec: &Arc<GroupSpec>) -> Assignment {
    strategy
        .assign(Arc::clone(spec), Duration::from_secs(600))
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Every call's duration, by criterion id, for the summary at the end.
static TIMES: Mutex<BTreeMap<String, Vec<Duration>>> = Mutex::new(BTreeMap::new());

/// Times each call of `f` (its result is dropped outside the timing) and records it under `id`.
fn timed<T>(b: &mut Bencher<'_>, id: &str, mut f: impl FnMut() -> T) {
    b.iter_custom(|iters| {
        let mut times = Vec::with_capacity(iters as usize);
        for _ in 0..iters {
            times.push(support::time_call(|| black_box(f())));
        }
        let total = times.iter().sum();
        TIMES
            .lock()
            .unwrap()
            .entry(id.to_owned())
            .or_default()
            .extend(times);
        total
    });
}

/// Per-pair ratios plugin / built-in, by case, from calls alternating between the two.
static PAIRED: Mutex<BTreeMap<String, Vec<f64>>> = Mutex::new(BTreeMap::new());

/// Alternates plugin and built-in `pairs` times (after one warm-up call each) and records the
/// ratio of each pair: on a machine shared with other work, load that comes and goes between two
/// criterion functions skews their ratio, but hits both halves of a pair alike.
fn paired(id: &str, plugin: &Strategy, builtin: &Strategy, spec: &Arc<GroupSpec>, pairs: usize) {
    drop((assign(plugin, spec), assign(builtin, spec)));
    let ratios = support::alternating_ratios(
        pairs,
        || support::time_call(|| assign(plugin, spec)),
        || support::time_call(|| assign(builtin, spec)),
    );
    PAIRED.lock().unwrap().insert(id.to_owned(), ratios);
}

fn paired_ratio(id: &str) -> String {
    let paired = PAIRED.lock().unwrap();
    let Some(ratios) = paired.get(id) else {
        return "-".to_owned();
    };
    format!("{:.2}x", support::median_ratio(ratios))
}

fn median(id: &str) -> Option<Duration> {
    let times = TIMES.lock().unwrap();
    let mut samples = times.get(id)?.clone();
    samples.sort();
    Some(samples[samples.len() / 2])
}

fn ratio(a: Duration, b: Duration) -> String {
    format!("{:.2}x", a.as_secs_f64() / b.as_secs_f64())
}

/// The 2,000 x 1,000,000 cases: fresh, then the reassignment, per strategy, plugin and built-in.
fn bench_large(c: &mut Criterion, plugins: &Registry, builtins: &Registry, label: &str, narrow: bool) {
    let mut g = c.benchmark_group(format!("2000x1M {label}"));
    configure(&mut g);
    for (name, protocol) in [
        ("sticky", Protocol::Eager),
        ("cooperative-sticky", Protocol::Cooperative),
    ] {
        let (plugin, builtin) = (plugins.get(name).unwrap(), builtins.get(name).unwrap());
        let fresh = Arc::new(kit::large_group(2_000, 500, 2_000, narrow, protocol));
        let first = assign(&plugin, &fresh);
        assert_eq!(
            first,
            assign(&builtin, &fresh),
            "{name}: plugin and built-in differ"
        );
        let again = Arc::new(kit::next_round(&fresh, &first));
        let second = assign(&plugin, &again);
        assert_eq!(
            second,
            assign(&builtin, &again),
            "{name}: plugin and built-in differ"
        );
        for (spec, out) in [(&fresh, &first), (&again, &second)] {
            let balance = kit::balance(spec, out);
            assert!(balance.spread() <= 1, "{name} {label}: {balance}");
        }
        assert_eq!(
            kit::movement(&again, &second),
            0,
            "{name} {label}: only the first member's old partitions move"
        );
        drop((first, second));
        for (phase, spec) in [("fresh", &fresh), ("reassign", &again)] {
            paired(
                &format!("2000x1M {label}/{name} {phase}"),
                &plugin,
                &builtin,
                spec,
                10,
            );
            for (via, strategy) in [("plugin", &plugin), ("built-in", &builtin)] {
                let id = format!("2000x1M {label}/{name} {phase} {via}");
                g.bench_function(format!("{name} {phase} {via}"), |b| {
                    timed(b, &id, || assign(strategy, spec))
                });
            }
        }
    }
    g.finish();
}

/// The boundary's steps for one plugin call on `spec`, each timed alone: the host encodes the
/// group, the plugin's own call (decode, assign, encode the reply; no thread, no validation),
/// the host decodes the reply, and validates it.
fn bench_boundary_steps(
    g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    group: &str,
    prefix: &str,
    spec: &GroupSpec,
    direct: AssignorModRef,
) {
    let bytes = codec::encode(spec);
    let reply_bytes = (direct.assign())(RSlice::from_slice(&bytes)).to_vec();
    let AssignReply(Ok(out)) = codec::decode::<AssignReply>(&reply_bytes).unwrap() else {
        panic!("{prefix}: the plugin failed")
    };
    g.bench_function(format!("{prefix} group encode"), |b| {
        timed(b, &format!("{group}/{prefix} group encode"), || {
            codec::encode(spec)
        })
    });
    // What the plugin's call does besides the algorithm, run here alone.
    g.bench_function(format!("{prefix} group decode"), |b| {
        timed(b, &format!("{group}/{prefix} group decode"), || {
            codec::decode::<GroupSpec>(&bytes).unwrap()
        })
    });
    let reply = AssignReply(Ok(out.clone()));
    g.bench_function(format!("{prefix} reply encode"), |b| {
        timed(b, &format!("{group}/{prefix} reply encode"), || {
            codec::encode(&reply)
        })
    });
    g.bench_function(format!("{prefix} plugin call"), |b| {
        timed(b, &format!("{group}/{prefix} plugin call"), || {
            (direct.assign())(RSlice::from_slice(&bytes))
        })
    });
    g.bench_function(format!("{prefix} reply decode"), |b| {
        timed(b, &format!("{group}/{prefix} reply decode"), || {
            codec::decode::<AssignReply>(&reply_bytes).unwrap()
        })
    });
    g.bench_function(format!("{prefix} validate"), |b| {
        timed(b, &format!("{group}/{prefix} validate"), || {
            kit::validate(spec, &out).unwrap()
        })
    });
}

fn bench_wide(c: &mut Criterion, plugins: &Registry, builtins: &Registry, dir: &std::path::Path) {
    let mut g = c.benchmark_group("10000x500k uniform");
    configure(&mut g);
    let wide = Arc::new(kit::large_group(10_000, 250, 2_000, false, Protocol::Eager));
    let (plugin, builtin) = (plugins.get("sticky").unwrap(), builtins.get("sticky").unwrap());
    let direct = regroup_sticky::assign(&wide).unwrap();
    kit::validate(&wide, &direct).unwrap();
    assert!(kit::balance(&wide, &direct).spread() <= 1);
    assert_eq!(direct, assign(&plugin, &wide));
    // Kafka's incremental benchmark: every member owns its fresh assignment at generation 1 and
    // one more member joins, owning nothing.
    let mut join = (*wide).clone();
    join.generation = 2;
    for (member, got) in join.members.iter_mut().zip(&direct.members) {
        member.owned = got.partitions.clone();
        member.owned_generation = Some(1);
    }
    let joiner = Member::new("member-10000", join.members[0].topics.clone());
    join.members.push(joiner);
    let join = Arc::new(join);
    drop(direct);
    paired("10000x500k uniform/sticky fresh", &plugin, &builtin, &wide, 10);
    g.bench_function("sticky fresh algorithm", |b| {
        timed(b, "10000x500k uniform/sticky fresh algorithm", || {
            regroup_sticky::assign(&wide).unwrap()
        })
    });
    for (via, strategy) in [("plugin", &plugin), ("built-in", &builtin)] {
        let id = format!("10000x500k uniform/sticky fresh {via}");
        g.bench_function(format!("sticky fresh {via}"), |b| {
            timed(b, &id, || assign(strategy, &wide))
        });
    }
    let joined = regroup_sticky::assign(&join).unwrap();
    kit::validate(&join, &joined).unwrap();
    assert!(kit::balance(&join, &joined).spread() <= 1);
    drop(joined);
    let direct = module("libregroup_sticky.so", dir);
    bench_boundary_steps(&mut g, "10000x500k uniform", "sticky fresh", &wide, direct);
    bench_boundary_steps(&mut g, "10000x500k uniform", "sticky join", &join, direct);
    g.bench_function("sticky join algorithm", |b| {
        timed(b, "10000x500k uniform/sticky join algorithm", || {
            regroup_sticky::assign(&join).unwrap()
        })
    });
    for name in ["sticky", "cooperative-sticky"] {
        let (plugin, builtin) = (plugins.get(name).unwrap(), builtins.get(name).unwrap());
        assert_eq!(assign(&plugin, &join), assign(&builtin, &join), "{name}");
        paired(
            &format!("10000x500k uniform/{name} join"),
            &plugin,
            &builtin,
            &join,
            10,
        );
        for (via, strategy) in [("plugin", &plugin), ("built-in", &builtin)] {
            let id = format!("10000x500k uniform/{name} join {via}");
            g.bench_function(format!("{name} join {via}"), |b| {
                timed(b, &id, || assign(strategy, &join))
            });
        }
    }
    g.finish();
}

/// `range` and `roundrobin` at 1,000,000 partitions, and the codec work one plugin call implies.
fn bench_kafka(c: &mut Criterion, plugins: &Registry, builtins: &Registry, dir: &std::path::Path) {
    let mut g = c.benchmark_group("2000x1M eager");
    configure(&mut g);
    let spec = Arc::new(kit::large_group(2_000, 500, 2_000, false, Protocol::Eager));
    let bytes = codec::encode(&*spec);
    assert_eq!(codec::decode::<GroupSpec>(&bytes).unwrap(), *spec);
    g.bench_function("codec group encode", |b| {
        timed(b, "2000x1M eager/codec group encode", || codec::encode(&*spec))
    });
    g.bench_function("codec group decode", |b| {
        timed(b, "2000x1M eager/codec group decode", || {
            codec::decode::<GroupSpec>(&bytes).unwrap()
        })
    });
    for name in ["range", "roundrobin"] {
        let (plugin, builtin) = (plugins.get(name).unwrap(), builtins.get(name).unwrap());
        let out = assign(&plugin, &spec);
        assert_eq!(out, assign(&builtin, &spec), "{name}: plugin and built-in differ");
        assert!(kit::balance(&spec, &out).spread() <= 1);
        let reply = AssignReply(Ok(out));
        let reply_bytes = codec::encode(&reply);
        assert_eq!(codec::decode::<AssignReply>(&reply_bytes).unwrap(), reply);
        let AssignReply(Ok(out)) = &reply else {
            unreachable!()
        };
        paired(&format!("2000x1M eager/{name}"), &plugin, &builtin, &spec, 10);
        let algorithm: Box<dyn Assignor> = match name {
            "range" => Box::new(regroup_range::RangeAssignor),
            _ => Box::new(regroup_roundrobin::RoundRobinAssignor),
        };
        assert_eq!(algorithm.assign(&spec).unwrap(), *out);
        g.bench_function(format!("{name} algorithm"), |b| {
            timed(b, &format!("2000x1M eager/{name} algorithm"), || {
                algorithm.assign(&spec).unwrap()
            })
        });
        let file = PLUGINS.iter().find(|(n, _)| *n == name).unwrap().1;
        let direct = module(file, dir);
        let call = |bytes: &[u8]| (direct.assign())(RSlice::from_slice(bytes));
        assert_eq!(codec::decode::<AssignReply>(&call(&bytes)).unwrap(), reply);
        g.bench_function(format!("{name} plugin call"), |b| {
            timed(b, &format!("2000x1M eager/{name} plugin call"), || call(&bytes))
        });
        for (via, strategy) in [("plugin", &plugin), ("built-in", &builtin)] {
            let id = format!("2000x1M eager/{name} {via}");
            g.bench_function(format!("{name} {via}"), |b| {
                timed(b, &id, || assign(strategy, &spec))
            });
        }
        g.bench_function(format!("{name} codec reply encode"), |b| {
            timed(b, &format!("2000x1M eager/{name} codec reply encode"), || {
                codec::encode(&reply)
            })
        });
        g.bench_function(format!("{name} codec reply decode"), |b| {
            timed(b, &format!("2000x1M eager/{name} codec reply decode"), || {
                codec::decode::<AssignReply>(&reply_bytes).unwrap()
            })
        });
        g.bench_function(format!("{name} validate"), |b| {
            timed(b, &format!("2000x1M eager/{name} validate"), || {
                kit::validate(&spec, out).unwrap()
            })
        });
    }
    g.finish();
}

fn configure(g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>) {
    g.sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
}

fn summary_large(label: &str, target: &str, java: [(&str, f64, f64); 2]) {
    println!("\n== 2,000 members x 1,000,000 partitions (500 topics x 2,000), {label}: {target}");
    println!(
        "{:<20} {:<10} {:>12} {:>12} {:>7} {:>7}   Kafka Java",
        "strategy", "phase", "plugin", "built-in", "ratio", "paired"
    );
    for (name, java_fresh, java_reassign) in java {
        let get = |phase: &str, via: &str| median(&format!("2000x1M {label}/{name} {phase} {via}"));
        let rows = [
            (
                "fresh",
                get("fresh", "plugin"),
                get("fresh", "built-in"),
                java_fresh,
            ),
            (
                "reassign",
                get("reassign", "plugin"),
                get("reassign", "built-in"),
                java_reassign,
            ),
        ];
        for (phase, plugin, builtin, java) in rows {
            if let (Some(p), Some(b)) = (plugin, builtin) {
                println!(
                    "{name:<20} {phase:<10} {:>12} {:>12} {:>7} {:>7}   {java:.2} s",
                    support::ms(p),
                    support::ms(b),
                    ratio(p, b),
                    paired_ratio(&format!("2000x1M {label}/{name} {phase}"))
                );
            }
        }
        if let (Some(pf), Some(bf), Some(pr), Some(br)) = (rows[0].1, rows[0].2, rows[1].1, rows[1].2) {
            let (p, b) = (pf + pr, bf + br);
            println!(
                "{name:<20} {:<10} {:>12} {:>12} {:>7} {:>7}   {:.2} s  (plugin sum is {:.1}x faster than Java's)",
                "sum",
                support::ms(p),
                support::ms(b),
                ratio(p, b),
                "",
                java_fresh + java_reassign,
                (java_fresh + java_reassign) / p.as_secs_f64()
            );
        }
    }
}

fn summary() {
    println!("\n\n######## summary: medians of every timed call (criterion's warm-up included), this run");
    summary_large(
        "uniform",
        "target fresh + reassign < 0.5 s",
        [("sticky", 0.31, 2.34), ("cooperative-sticky", 0.32, 1.57)],
    );
    summary_large(
        "non-uniform",
        "the last member subscribes to one topic; target fresh + reassign < 2 s",
        [("sticky", 4.73, 6.33), ("cooperative-sticky", 5.39, 3.83)],
    );

    println!(
        "\n== 10,000 members x 500,000 partitions (250 topics x 2,000), uniform, fresh: target < 15 ms (algorithm)"
    );
    let w = |what: &str| median(&format!("10000x500k uniform/sticky fresh {what}"));
    if let (Some(a), Some(p), Some(b)) = (w("algorithm"), w("plugin"), w("built-in")) {
        println!("sticky algorithm (regroup_sticky::assign): {}", support::ms(a));
        println!(
            "sticky via plugin:   {}  ({} built-in, paired {}; {} algorithm)",
            support::ms(p),
            ratio(p, b),
            paired_ratio("10000x500k uniform/sticky fresh"),
            ratio(p, a)
        );
        println!(
            "sticky built-in:     {}  ({} algorithm)",
            support::ms(b),
            ratio(b, a)
        );
    }

    println!(
        "\n== 10,000 x 500,000, one member joins (every other member owns its fresh assignment): Kafka's UniformAssignor median 8.5-12.6 ms"
    );
    if let Some(a) = median("10000x500k uniform/sticky join algorithm") {
        println!("sticky algorithm (regroup_sticky::assign): {}", support::ms(a));
    }
    for name in ["sticky", "cooperative-sticky"] {
        let j = |via: &str| median(&format!("10000x500k uniform/{name} join {via}"));
        if let (Some(p), Some(b)) = (j("plugin"), j("built-in")) {
            println!(
                "{name:<20} via plugin {}, built-in {}  ({}, paired {})",
                support::ms(p),
                support::ms(b),
                ratio(p, b),
                paired_ratio(&format!("10000x500k uniform/{name} join"))
            );
        }
    }

    println!("\n== the boundary's steps alone, sticky, 10,000 x 500,000 (medians)");
    for case in ["fresh", "join"] {
        let step = |what: &str| median(&format!("10000x500k uniform/sticky {case} {what}"));
        if let (Some(enc), Some(call), Some(dec), Some(val), Some(alg), Some(pdec), Some(penc)) = (
            step("group encode"),
            step("plugin call"),
            step("reply decode"),
            step("validate"),
            step("algorithm"),
            step("group decode"),
            step("reply encode"),
        ) {
            println!(
                "{case:<6} host: group encode {}, reply decode {}, validate {};  plugin call {} = algorithm alone {} + the rest {} (of which group decode {}, reply encode {}, each alone)",
                support::ms(enc),
                support::ms(dec),
                support::ms(val),
                support::ms(call),
                support::ms(alg),
                support::ms(call.saturating_sub(alg)),
                support::ms(pdec),
                support::ms(penc)
            );
        }
    }

    println!(
        "\n== range and roundrobin, 2,000 members x 1,000,000 partitions, via plugin: target <= 3x the codec work"
    );
    let k = |what: &str| median(&format!("2000x1M eager/{what}"));
    let (Some(enc), Some(dec)) = (k("codec group encode"), k("codec group decode")) else {
        return;
    };
    println!(
        "group envelope: encode {}, decode {}",
        support::ms(enc),
        support::ms(dec)
    );
    for name in ["range", "roundrobin"] {
        let got = (
            k(&format!("{name} plugin")),
            k(&format!("{name} built-in")),
            k(&format!("{name} codec reply encode")),
            k(&format!("{name} codec reply decode")),
            k(&format!("{name} validate")),
            k(&format!("{name} algorithm")),
            k(&format!("{name} plugin call")),
        );
        let (Some(p), Some(b), Some(renc), Some(rdec), Some(val), Some(alg), Some(call)) = got else {
            continue;
        };
        let io = dec + renc; // what the plugin side must do: decode its input, encode its output
        let round_trip = enc + dec + renc + rdec; // every codec step of one call, both sides
        println!(
            "{name:<11} plugin {}  built-in {} ({} built-in, paired {})  algorithm alone {}  validate {}  reply encode {} decode {}",
            support::ms(p),
            support::ms(b),
            ratio(p, b),
            paired_ratio(&format!("2000x1M eager/{name}")),
            support::ms(alg),
            support::ms(val),
            support::ms(renc),
            support::ms(rdec)
        );
        println!(
            "{:<11} plugin / (decode group + encode reply = {}): {};  plugin / (all four codec steps = {}): {};  algorithm alone / all four: {}",
            "",
            support::ms(io),
            ratio(p, io),
            support::ms(round_trip),
            ratio(p, round_trip),
            ratio(alg, round_trip)
        );
        println!(
            "{:<11} the plugin's own call (decode group, assign, encode reply; no thread, no validation) {}: {} decode group + encode reply;  algorithm alone / (decode group + encode reply): {}",
            "",
            support::ms(call),
            ratio(call, io),
            ratio(alg, io)
        );
    }
}

/// In a child: a largest case (2,000 x 1M, sticky fresh then reassign) via `via`; prints the peak
/// resident memory before the inputs, with them, after the fresh run and at the end.
fn peak_child(case: &str) {
    let (via, shape) = case.split_once(' ').unwrap();
    let (registry, _plugins) = match via {
        "plugin" => {
            let p = plugins();
            (p.registry.clone(), Some(p))
        }
        _ => (builtins(), None),
    };
    let strategy = registry.get("sticky").unwrap();
    let started = support::status_kib("VmHWM");
    let fresh = Arc::new(kit::large_group(
        2_000,
        500,
        2_000,
        shape == "non-uniform",
        Protocol::Eager,
    ));
    let with_input = support::status_kib("VmHWM");
    let first = assign(&strategy, &fresh);
    let after_fresh = support::status_kib("VmHWM");
    let again = Arc::new(kit::next_round(&fresh, &first));
    drop(first);
    let second = assign(&strategy, &again);
    let end = support::status_kib("VmHWM");
    // Checked after the reading: the kit's movement count alone takes far more memory than the run.
    assert_eq!(kit::movement(&again, &second), 0);
    println!("{started} {with_input} {after_fresh} {end}");
}

fn peak(via: &str) -> Option<[u64; 4]> {
    let out = Command::new(std::env::current_exe().unwrap())
        .env(PEAK_ENV, via)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "peak child ({via}) failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let numbers: Vec<u64> = text
        .lines()
        .last()?
        .split_whitespace()
        .map(|n| n.parse().unwrap())
        .collect();
    numbers.try_into().ok()
}

fn main() {
    regroup::runtime::keep_freed_memory(); // as the `regroup` binary runs
    if let Ok(via) = std::env::var(PEAK_ENV) {
        peak_child(&via);
        return;
    }
    let setup = Instant::now();
    let plugins = plugins();
    let builtins = builtins();
    println!(
        "plugins loaded from their files in {} (probe included)",
        support::ms(setup.elapsed())
    );
    // Criterion's filter (the first argument not a flag) also picks the groups to set up, so
    // `-- 10000x500k` skips the other groups' preparation and paired runs; `-- peak` runs only the
    // memory figures.
    let filter: Option<String> = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let wanted = |group: &str| {
        filter
            .as_deref()
            .is_none_or(|f| group.contains(f) || f.starts_with(group))
    };
    let mut c = Criterion::default().configure_from_args();
    if wanted("2000x1M uniform") {
        bench_large(&mut c, &plugins.registry, &builtins, "uniform", false);
    }
    if wanted("2000x1M non-uniform") {
        bench_large(&mut c, &plugins.registry, &builtins, "non-uniform", true);
    }
    if wanted("10000x500k uniform") {
        bench_wide(&mut c, &plugins.registry, &builtins, plugins._dir.path());
    }
    if wanted("2000x1M eager") {
        bench_kafka(&mut c, &plugins.registry, &builtins, plugins._dir.path());
    }
    c.final_summary();
    drop((plugins, builtins));
    summary();

    if !wanted("peak") {
        return;
    }
    println!(
        "\n== peak resident memory (VmHWM), 2,000 x 1M, sticky fresh then reassign, each case in a child process"
    );
    let mib = |kib: u64| format!("{:.0} MiB", kib as f64 / 1024.0);
    for case in [
        "plugin non-uniform",
        "built-in non-uniform",
        "plugin uniform",
        "built-in uniform",
    ] {
        match peak(case) {
            Some([started, input, fresh, end]) => println!(
                "{case:<21} peak {:>8}  (registry loaded {}, fresh input built {}, after the fresh run {}, after the reassign {})",
                mib(end),
                mib(started),
                mib(input),
                mib(fresh),
                mib(end)
            ),
            None => println!("{case:<21} no figure"),
        }
    }
}
