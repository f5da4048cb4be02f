"""Classic consumer groups of the pure-Python Kafka clients (kafka-python, aiokafka: their own
protocol implementations, independent of librdkafka) on a Regroup host's Kafka listener.

Usage: pure_python_groups.py BOOTSTRAP CLIENT GROUP TOPIC COUNT
  CLIENT is kafka-python or aiokafka. TOPIC holds COUNT records already. Two members share
  TOPIC until every record is read; one leaves the group; the other must take over every
  partition and read the records produced after.
Exits 1 with a message on stderr when anything is not as expected.
"""

import asyncio
import sys
import threading
import time

TIMEOUT = 30
MORE = 50


def fail(message):
    print(f"pure_python_groups.py: {message}", file=sys.stderr)
    sys.exit(1)


def wait_until(what, check):
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    fail(f"gave up after {TIMEOUT} s waiting until {what}")


def summary(client, partitions, shared, count):
    print(f"{client}: two members shared {partitions} partitions ({shared[0]} and {shared[1]}), "
          f"one left, the other took over all {partitions} and read the {MORE} new records; "
          f"{count + MORE} records, none lost")


def kafka_python(bootstrap, group, topic, count):
    from kafka import KafkaConsumer, KafkaProducer

    class Member(threading.Thread):
        def __init__(self):
            super().__init__(daemon=True)
            self.consumer = KafkaConsumer(
                topic, bootstrap_servers=bootstrap, group_id=group, auto_offset_reset="earliest",
                session_timeout_ms=6000, heartbeat_interval_ms=500, max_poll_interval_ms=10000,
                enable_auto_commit=True, auto_commit_interval_ms=200)
            self.values = set()
            self.assigned = set()
            self.stop = threading.Event()
            self.lock = threading.Lock()

        def run(self):
            while not self.stop.is_set():
                for records in self.consumer.poll(timeout_ms=100).values():
                    for record in records:
                        self.values.add(record.value.decode())
                self.assigned = {tp.partition for tp in self.consumer.assignment()}
            self.consumer.close()

    members = [Member(), Member()]
    for m in members:
        m.start()
    partitions = len(members[0].consumer.partitions_for_topic(topic) or [])
    wait_until("both members hold partitions",
               lambda: all(m.assigned for m in members)
               and sorted(p for m in members for p in m.assigned) == list(range(partitions)))
    shared = [len(m.assigned) for m in members]
    wait_until("every record is read", lambda: len(members[0].values | members[1].values) >= count)
    members[0].stop.set()
    members[0].join(TIMEOUT)
    wait_until("the other member holds every partition", lambda: len(members[1].assigned) == partitions)
    producer = KafkaProducer(bootstrap_servers=bootstrap)
    for i in range(MORE):
        producer.send(topic, f"more-{i}".encode())
    producer.flush(TIMEOUT)
    producer.close()
    wait_until("the new records are read", lambda: {f"more-{i}" for i in range(MORE)} <= members[1].values)
    members[1].stop.set()
    members[1].join(TIMEOUT)
    summary("kafka-python", partitions, shared, count)


async def aiokafka_run(bootstrap, group, topic, count):
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

    class Member:
        def __init__(self):
            self.consumer = AIOKafkaConsumer(
                topic, bootstrap_servers=bootstrap, group_id=group, auto_offset_reset="earliest",
                session_timeout_ms=6000, heartbeat_interval_ms=500, max_poll_interval_ms=10000,
                enable_auto_commit=True, auto_commit_interval_ms=200)
            self.values = set()
            self.task = None

        def assigned(self):
            return {tp.partition for tp in self.consumer.assignment()}

        async def run(self):
            await self.consumer.start()
            while True:
                batches = await self.consumer.getmany(timeout_ms=100)
                for records in batches.values():
                    for record in records:
                        self.values.add(record.value.decode())

    async def until(what, check):
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            if check():
                return
            await asyncio.sleep(0.05)
        fail(f"gave up after {TIMEOUT} s waiting until {what}")

    members = [Member(), Member()]
    for m in members:
        m.task = asyncio.create_task(m.run())
    await until("both members start", lambda: all(m.consumer.assignment() is not None for m in members))
    partitions = None

    def shared_all():
        nonlocal partitions
        held = sorted(p for m in members for p in m.assigned())
        partitions = len(held)
        return all(m.assigned() for m in members) and held == list(range(len(held))) and len(held) > 1

    await until("both members hold partitions", shared_all)
    shared = [len(m.assigned()) for m in members]
    await until("every record is read", lambda: len(members[0].values | members[1].values) >= count)
    members[0].task.cancel()
    await members[0].consumer.stop()
    await until("the other member holds every partition", lambda: len(members[1].assigned()) == partitions)
    # Idempotent: the host refuses the non-idempotent batches aiokafka 0.14 writes (base sequence
    # 0 beside producer id -1).
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True)
    await producer.start()
    for i in range(MORE):
        await producer.send_and_wait(topic, f"more-{i}".encode())
    await producer.stop()
    await until("the new records are read", lambda: {f"more-{i}" for i in range(MORE)} <= members[1].values)
    members[1].task.cancel()
    await members[1].consumer.stop()
    summary("aiokafka", partitions, shared, count)


def main():
    bootstrap, client, group, topic, count = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
    if client == "kafka-python":
        kafka_python(bootstrap, group, topic, count)
    elif client == "aiokafka":
        asyncio.run(aiokafka_run(bootstrap, group, topic, count))
    else:
        fail(f"unknown client {client}")


if __name__ == "__main__":
    main()
