"""Host CPU per GB produced and per GB consumed through the Kafka listener (librdkafka, through
confluent-kafka) against the native listener (`regroup produce --count` and `regroup consume`), in
the same run on the same host, for the README's figures; not part of the tests.

Usage: cpu_per_gb.py REGROUP_BINARY HOST_PID NATIVE_ADDR KAFKA_BOOTSTRAP RECORD_BYTES TOTAL_MB
Creates topics cpu-native-SIZE and cpu-kafka-SIZE (one partition each) with the binary, then for
each listener produces TOTAL_MB of RECORD_BYTES records and consumes them back from the start. The
host's CPU (user + system, from /proc/HOST_PID/stat) is read before and after each phase; the
clients' CPU is not counted. Prints one line per phase: wall time, MB/s, host CPU s and s/GB.
"""

import os
import subprocess
import sys
import time

from confluent_kafka import OFFSET_BEGINNING, Consumer, Producer, TopicPartition

TICKS = os.sysconf("SC_CLK_TCK")


def host_cpu(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    # utime and stime are fields 14 and 15 of stat; fields[0] here is field 3.
    return (int(fields[11]) + int(fields[12])) / TICKS


def measure(pid, label, mb, phase):
    cpu, start = host_cpu(pid), time.perf_counter()
    phase()
    wall, used = time.perf_counter() - start, host_cpu(pid) - cpu
    print(f"{label}: {mb:.0f} MB in {wall:.2f} s ({mb / wall:.0f} MB/s); host CPU {used:.2f} s, "
          f"{used / (mb / 1000):.2f} s/GB", flush=True)


def kafka_produce(bootstrap, topic, size, count):
    producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "linger.ms": 5,
                         "batch.size": 1_000_000, "queue.buffering.max.kbytes": 1_048_576})
    value = b"x" * size
    for _ in range(count):
        while True:
            try:
                producer.produce(topic, value=value, partition=0)
                break
            except BufferError:
                producer.poll(0.01)
    if producer.flush(300):
        sys.exit("records unacknowledged")


def kafka_consume(bootstrap, topic, count):
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "unused",
                         "fetch.max.bytes": 52_428_800, "max.partition.fetch.bytes": 10_485_760})
    consumer.assign([TopicPartition(topic, 0, OFFSET_BEGINNING)])
    got = 0
    while got < count:
        # Never more than are left: consume() waits its whole timeout for a batch it cannot fill.
        messages = consumer.consume(min(10_000, count - got), 10.0)
        if not messages:
            sys.exit(f"consume stalled at {got} of {count}")
        got += len(messages)
    consumer.close()


def main():
    binary, pid, native, bootstrap = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    size, total_mb = int(sys.argv[5]), int(sys.argv[6])
    count = total_mb * 1_000_000 // size
    mb = count * size / 1e6
    regroup = lambda *args, **kw: subprocess.run([binary, *args, "--server", native], check=True, **kw)
    for listener in ["native", "kafka"]:
        regroup("topics", "create", f"cpu-{listener}-{size}", "--partitions", "1",
                stdout=subprocess.DEVNULL)
    topic = f"cpu-native-{size}"
    measure(pid, f"native produce {size} B", mb, lambda: regroup(
        "produce", "--topic", topic, "--count", str(count), "--size", str(size),
        stdout=subprocess.DEVNULL))
    measure(pid, f"native consume {size} B", mb, lambda: regroup(
        "consume", "--topic", topic, "--group", f"cpu-{size}", "--from-beginning",
        "--max-records", str(count), stdout=subprocess.DEVNULL))
    topic = f"cpu-kafka-{size}"
    measure(pid, f"kafka produce {size} B", mb, lambda: kafka_produce(bootstrap, topic, size, count))
    measure(pid, f"kafka consume {size} B", mb, lambda: kafka_consume(bootstrap, topic, count))


if __name__ == "__main__":
    main()
