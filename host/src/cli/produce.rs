//! `regroup produce`: records from standard input, one per line, or generated load with a
//! summary. Exits 0 only when every record was acknowledged.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Args;

use super::{Server, block_on, plural};
use crate::client::{Producer, ProducerConfig};
use crate::log::{Compression, Record};

#[derive(Args)]
pub struct ProduceArgs {
    /// The topic to write to.
    #[arg(long)]
    topic: String,
    /// Split each line at the first occurrence of this into key and value [default: none, the
    /// whole line is the value].
    #[arg(long)]
    key_separator: Option<String>,
    /// Generate this many records instead of reading standard input [default: read standard
    /// input].
    #[arg(long)]
    count: Option<u64>,
    /// Size in bytes of each generated record [default: 1024]; only with --count.
    #[arg(long, requires = "count")]
    size: Option<usize>,
    /// How long a batch waits for more records, in ms (Kafka's linger.ms).
    #[arg(long, default_value_t = 5)]
    linger_ms: u64,
    /// How long a record may wait for its acknowledgement, retries included, in ms (Kafka's
    /// delivery.timeout.ms).
    #[arg(long, default_value_t = 120_000)]
    delivery_timeout_ms: u64,
    /// Compress each batch: none, gzip, snappy, lz4 or zstd (Kafka's `compression.type`).
    #[arg(long, default_value = "none")]
    compression: Compression,
    #[command(flatten)]
    server: Server,
}

pub fn run(args: ProduceArgs) -> Result<ExitCode, String> {
    block_on(async move {
        let defaults = ProducerConfig::default();
        let config = ProducerConfig {
            linger: Duration::from_millis(args.linger_ms),
            delivery_timeout: Duration::from_millis(args.delivery_timeout_ms),
            compression: args.compression,
            client: args.server.options(defaults.client.clone()),
            ..defaults
        };
        let producer = Producer::connect(&args.server.addr, config)
            .await
            .map_err(|e| e.to_string())?;
        match args.count {
            Some(count) => generated(&producer, &args.topic, count, args.size.unwrap_or(1024)).await?,
            None => from_stdin(&producer, &args.topic, args.key_separator.as_deref()).await?,
        }
        producer.close().await.map_err(|e| e.to_string())?;
        Ok(ExitCode::SUCCESS)
    })
}

async fn from_stdin(producer: &Producer, topic: &str, separator: Option<&str>) -> Result<(), String> {
    let mut deliveries = Vec::new();
    for (n, line) in std::io::stdin().lock().lines().enumerate() {
        let line = line.map_err(|e| format!("cannot read standard input: {e}"))?;
        let record = match separator.and_then(|s| line.split_once(s)) {
            Some((key, value)) => Record::new(value.to_owned()).with_key(key.to_owned()),
            None => Record::new(line),
        };
        let delivery = producer
            .enqueue(topic, record)
            .await
            .map_err(|e| format!("line {}: {e}", n + 1))?;
        deliveries.push((n + 1, delivery));
    }
    let total = deliveries.len();
    for (line, delivery) in deliveries {
        delivery
            .await
            .map_err(|e| format!("line {line} was not acknowledged: {e}"))?;
    }
    note!("{} acknowledged", plural(total as u64, "record"));
    Ok(())
}

async fn generated(producer: &Producer, topic: &str, count: u64, size: usize) -> Result<(), String> {
    let value = vec![b'x'; size];
    let started = Instant::now();
    // Acknowledgements are awaited by a second task so sending never waits on them.
    let (tx, mut rx) = tokio::sync::mpsc::channel(64 * 1024);
    let waiter = tokio::spawn(async move {
        let mut latencies = Vec::with_capacity(count as usize);
        let mut failed = None;
        let show = std::io::stderr().is_terminal();
        while let Some((sent, delivery)) = rx.recv().await {
            let delivery: crate::client::Delivery = delivery;
            match delivery.await {
                Ok(_) => latencies.push(Instant::elapsed(&sent)),
                Err(e) => failed = failed.or(Some(e.to_string())),
            }
            if show && latencies.len() % 1000 == 0 {
                progress(latencies.len() as u64, count);
            }
        }
        (latencies, failed)
    });
    for _ in 0..count {
        let delivery = producer
            .enqueue(topic, Record::new(value.clone()))
            .await
            .map_err(|e| e.to_string())?;
        if tx.send((Instant::now(), delivery)).await.is_err() {
            break;
        }
    }
    drop(tx);
    let (mut latencies, failed) = waiter.await.map_err(|e| e.to_string())?;
    let elapsed = started.elapsed().as_secs_f64();
    note!();
    if let Some(error) = failed {
        return Err(format!(
            "{} of {count} records acknowledged; first failure: {error}",
            latencies.len()
        ));
    }
    if latencies.is_empty() {
        out!("no records sent")?;
        return Ok(());
    }
    latencies.sort_unstable();
    let percentile = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    out!(
        "{} of {size} bytes in {elapsed:.2} s: {:.0} records/s, {:.1} MB/s; latency p50 {:.2} ms, p99 {:.2} ms, p99.9 {:.2} ms",
        plural(count, "record"),
        count as f64 / elapsed,
        count as f64 * size as f64 / elapsed / 1e6,
        ms(percentile(0.50)),
        ms(percentile(0.99)),
        ms(percentile(0.999)),
    )?;
    Ok(())
}

fn progress(done: u64, total: u64) {
    const WIDTH: u64 = 40;
    let filled = (done * WIDTH / total.max(1)) as usize;
    let _ = write!(
        std::io::stderr(),
        "\r[{}{}] {done}/{total}",
        "#".repeat(filled),
        ".".repeat(WIDTH as usize - filled)
    );
    let _ = std::io::stderr().flush();
}
