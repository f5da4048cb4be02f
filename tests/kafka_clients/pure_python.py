"""kafka-python and aiokafka (each its own pure-Python implementation of Kafka's protocol) against a
Regroup host's Kafka listener.

Usage: pure_python.py BOOTSTRAP CLIENT TOPIC COUNT
  CLIENT is kafka-python or aiokafka: produce COUNT records to partition 0 (keys, values,
  headers, timestamps; gzip), then read them back with assign() from the beginning and check
  each. Prints one line saying what was checked; exits 1 with a message on stderr otherwise.
"""

import asyncio
import sys
import time

TIMEOUT = 30


def fail(message):
    print(f"pure_python.py: {message}", file=sys.stderr)
    sys.exit(1)


def records(count):
    base = int(time.time() * 1000) - 60_000
    return [(f"key-{i}".encode(), f"value {i} ".encode() * 10, [("index", str(i).encode())], base + i)
            for i in range(count)]


def check(sent, got):
    if len(got) != len(sent):
        fail(f"{len(got)} records of {len(sent)} read back")
    for (key, value, headers, timestamp), message in zip(sent, got):
        if (message.key, message.value, list(message.headers), message.timestamp) != \
                (key, value, headers, timestamp):
            fail(f"record {key!r} came back as {message.key!r} {message.value[:20]!r} "
                 f"{message.headers} {message.timestamp}")


def kafka_python(bootstrap, topic, count):
    from kafka import KafkaConsumer, KafkaProducer, TopicPartition
    sent = records(count)
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", compression_type="gzip")
    for key, value, headers, timestamp in sent:
        producer.send(topic, key=key, value=value, headers=headers, partition=0, timestamp_ms=timestamp)
    producer.flush(TIMEOUT)
    producer.close()
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None)
    partition = TopicPartition(topic, 0)
    consumer.assign([partition])
    consumer.seek_to_beginning(partition)
    got = []
    deadline = time.monotonic() + TIMEOUT
    while len(got) < count and time.monotonic() < deadline:
        for batch in consumer.poll(timeout_ms=1000).values():
            got.extend(batch)
    consumer.close()
    check(sent, got)


async def aiokafka(bootstrap, topic, count):
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
    sent = records(count)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", compression_type="gzip",
                                enable_idempotence=True)
    await producer.start()
    try:
        for key, value, headers, timestamp in sent:
            await producer.send(topic, key=key, value=value, headers=headers, partition=0,
                                timestamp_ms=timestamp)
        await producer.flush()
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None)
    await consumer.start()
    got = []
    try:
        partition = TopicPartition(topic, 0)
        consumer.assign([partition])
        await consumer.seek_to_beginning(partition)
        deadline = time.monotonic() + TIMEOUT
        while len(got) < count and time.monotonic() < deadline:
            for batch in (await consumer.getmany(timeout_ms=1000)).values():
                got.extend(batch)
    finally:
        await consumer.stop()
    check(sent, got)


def main():
    bootstrap, client, topic, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    if client == "kafka-python":
        kafka_python(bootstrap, topic, count)
    elif client == "aiokafka":
        asyncio.run(aiokafka(bootstrap, topic, count))
    else:
        fail(f"unknown client {client}")
    print(f"{client}: {count} records produced and read back intact")


if __name__ == "__main__":
    main()
