"""Produce and consume throughput through a Regroup host's Kafka listener with librdkafka
(confluent-kafka), for the README's figures; not part of the tests.

Usage: throughput.py BOOTSTRAP TOPIC RECORD_BYTES TOTAL_MB
The topic must exist (one partition is enough). Prints MB/s for producing (acks=all, idempotent,
no compression) and for consuming the same records back with assign().
"""

import sys
import time

from confluent_kafka import OFFSET_BEGINNING, Consumer, Producer, TopicPartition


def main():
    bootstrap, topic, size, total_mb = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    count = total_mb * 1024 * 1024 // size
    value = b"x" * size
    producer = Producer({
        "bootstrap.servers": bootstrap,
        "enable.idempotence": True,
        "linger.ms": 5,
        "batch.size": 1_000_000,
        "queue.buffering.max.kbytes": 1_048_576,
    })
    start = time.perf_counter()
    for _ in range(count):
        while True:
            try:
                producer.produce(topic, value=value, partition=0)
                break
            except BufferError:
                producer.poll(0.01)
    left = producer.flush(120)
    produced = time.perf_counter() - start
    if left:
        sys.exit(f"{left} records unacknowledged")
    consumer = Consumer({
        "bootstrap.servers": bootstrap,
        "group.id": "unused",
        "fetch.max.bytes": 52_428_800,
        "max.partition.fetch.bytes": 10_485_760,
    })
    consumer.assign([TopicPartition(topic, 0, OFFSET_BEGINNING)])
    start = time.perf_counter()
    got = 0
    while got < count:
        # Never more than are left: consume() waits its whole timeout for a batch it cannot fill.
        messages = consumer.consume(min(10_000, count - got), 5.0)
        if not messages:
            sys.exit(f"consume stalled at {got} of {count}")
        got += len(messages)
    consumed = time.perf_counter() - start
    mb = count * size / 1e6
    print(f"{size}-byte records, {count} of them ({mb:.0f} MB): produce {mb / produced:.1f} MB/s, "
          f"consume {mb / consumed:.1f} MB/s")


if __name__ == "__main__":
    main()
