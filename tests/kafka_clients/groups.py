"""Consumer groups of librdkafka (through confluent-kafka) on a Regroup host's Kafka listener.

Usage: groups.py BOOTSTRAP COMMAND ARGS...
  commit GROUP TOPIC P:OFFSET[:METADATA]...
                      commit from outside the group (assign(), no subscription); print each
                      outcome (or the commit's error), then the group's offsets as a fresh
                      client fetches them
  member GROUP TOPIC STRATEGY [INSTANCE]
                      one consumer subscribed to TOPIC in GROUP (classic protocol, assignor
                      STRATEGY, static with INSTANCE), until SIGTERM (then it closes) or SIGKILL;
                      prints one JSON line per event: assign, revoke, lost, record, error,
                      closed, each with its time
  share GROUP TOPIC STRATEGY
                      three members share TOPIC, a fourth joins, one is killed (SIGKILL), the
                      rest close; every record produced meanwhile must be consumed and no
                      partition held by two live members at any moment (from their assign and
                      revoke events); then a member restarted in the group must read only the
                      records produced after (commits resume)
Exits 1 with a message on stderr when anything is not as expected.
"""

import json
import os
import signal
import subprocess
import sys
import threading
import time

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition

TIMEOUT = 30


def fail(message):
    print(f"groups.py: {message}", file=sys.stderr)
    sys.exit(1)


def commit(bootstrap, group, topic, specs):
    partitions = []
    for spec in specs:
        fields = spec.split(":", 2)
        tp = TopicPartition(topic, int(fields[0]), int(fields[1]))
        if len(fields) > 2:
            tp = TopicPartition(topic, int(fields[0]), int(fields[1]), metadata=fields[2])
        partitions.append(tp)
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False})
    consumer.assign(partitions)
    try:
        outcome = consumer.commit(offsets=partitions, asynchronous=False)
    except KafkaException as error:
        outcome = error.args[0]
        print(f"commit refused: {outcome.name()}")
        outcome = []
    for tp in outcome:
        print(f"committed {tp.topic}-{tp.partition}: {tp.error.name() if tp.error else 'ok'}")
    consumer.close()
    fresh = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False})
    asked = [TopicPartition(topic, p.partition) for p in partitions]
    for tp in fresh.committed(asked, timeout=TIMEOUT):
        print(f"fetched {tp.topic}-{tp.partition}: {tp.offset} {tp.metadata or ''}".rstrip())
    fresh.close()


def emit(event, **fields):
    print(json.dumps({"t": time.time(), "event": event, **fields}), flush=True)


def member(bootstrap, group, topic, strategy, instance=None):
    config = {
        "bootstrap.servers": bootstrap,
        "group.id": group,
        "group.protocol": "classic",
        "partition.assignment.strategy": strategy,
        "session.timeout.ms": 3000,
        "heartbeat.interval.ms": 300,
        # The rebalance timeout: how long a rebalance waits for a member that does not rejoin.
        "max.poll.interval.ms": 8000,
        "auto.offset.reset": "earliest",
        "enable.auto.commit": True,
        "auto.commit.interval.ms": 200,
    }
    if instance:
        config["group.instance.id"] = instance
    consumer = Consumer(config)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    numbers = lambda partitions: sorted(p.partition for p in partitions)
    consumer.subscribe(
        [topic],
        on_assign=lambda c, parts: emit("assign", partitions=numbers(parts)),
        on_revoke=lambda c, parts: emit("revoke", partitions=numbers(parts)),
        on_lost=lambda c, parts: emit("lost", partitions=numbers(parts)),
    )
    while not stop.is_set():
        message = consumer.poll(0.1)
        if message is None:
            continue
        if message.error():
            emit("error", error=message.error().name(), fatal=message.error().fatal())
            if message.error().fatal():
                return
            continue
        emit("record", partition=message.partition(), offset=message.offset(),
             value=message.value().decode())
    consumer.close()
    emit("closed")


class Member:
    """A member process and the events it has printed."""

    def __init__(self, bootstrap, group, topic, strategy, name, instance=None):
        self.name = name
        args = [sys.executable, __file__, bootstrap, "member", group, topic, strategy]
        if instance:
            args.append(instance)
        self.process = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
        self.events = []
        self.ended = None
        self.reader = threading.Thread(target=self.read, daemon=True)
        self.reader.start()

    def read(self):
        for line in self.process.stdout:
            self.events.append(json.loads(line))

    def owned(self):
        owned = set()
        for event in list(self.events):
            if event["event"] == "assign":
                owned |= set(event["partitions"])
            elif event["event"] in ("revoke", "lost"):
                owned -= set(event["partitions"])
        return owned

    def values(self):
        return [e["value"] for e in list(self.events) if e["event"] == "record"]

    def kill(self):
        self.process.kill()
        self.process.wait()
        self.ended = time.time()

    def close(self):
        self.process.terminate()
        self.process.wait(TIMEOUT)
        self.reader.join(TIMEOUT)
        self.ended = time.time()


def wait_until(what, check, timeout=TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    fail(f"gave up after {timeout} s waiting until {what}")


def holds_every_partition(members, partitions):
    """Every partition held by exactly one of the members."""
    held = [p for m in members for p in m.owned()]
    return sorted(held) == list(range(partitions))


def ownership_overlaps(members):
    """Partitions held by two members at once, from their assign/revoke events (a killed
    member holds until its kill)."""
    intervals = []
    for m in members:
        start = {}
        for e in m.events:
            if e["event"] == "assign":
                for p in e["partitions"]:
                    start.setdefault(p, e["t"])
            elif e["event"] in ("revoke", "lost"):
                for p in e["partitions"]:
                    if p in start:
                        intervals.append((p, start.pop(p), e["t"], m.name))
        for p, t in start.items():
            intervals.append((p, t, m.ended or time.time(), m.name))
    overlaps = []
    for i, (p, a0, a1, am) in enumerate(intervals):
        for (q, b0, b1, bm) in intervals[i + 1:]:
            if p == q and am != bm and a0 < b1 and b0 < a1:
                overlaps.append(f"partition {p}: {am} [{a0:.3f}, {a1:.3f}] and {bm} [{b0:.3f}, {b1:.3f}]")
    return overlaps


def produce_values(bootstrap, topic, values):
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5})
    for value in values:
        producer.produce(topic, key=value.encode(), value=value.encode())
    if producer.flush(TIMEOUT):
        fail("records left unacknowledged")


def partition_count(bootstrap, topic):
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "metadata-only"})
    partitions = len(consumer.list_topics(topic, timeout=TIMEOUT).topics[topic].partitions)
    consumer.close()
    return partitions


def share(bootstrap, group, topic, strategy):
    partitions = partition_count(bootstrap, topic)
    produced = [f"{strategy}-{i}" for i in range(600)]
    members = [Member(bootstrap, group, topic, strategy, f"m{i}") for i in range(3)]
    produce_values(bootstrap, topic, produced[:200])
    wait_until("three members hold every partition", lambda: holds_every_partition(members, partitions))
    members.append(Member(bootstrap, group, topic, strategy, "m3"))
    produce_values(bootstrap, topic, produced[200:400])
    wait_until("four members hold every partition",
               lambda: all(m.owned() for m in members) and holds_every_partition(members, partitions))
    victim = members[1]
    victim.kill()
    live = [m for m in members if m is not victim]
    produce_values(bootstrap, topic, produced[400:])
    wait_until("the three left hold every partition", lambda: holds_every_partition(live, partitions))
    consumed = lambda: {v for m in members for v in m.values()}
    wait_until("every record is consumed", lambda: set(produced) <= consumed())
    for m in live:
        m.close()
    overlaps = ownership_overlaps(members)
    if overlaps:
        fail("partitions held twice: " + "; ".join(overlaps[:5]))
    unexpected = consumed() - set(produced)
    if unexpected:
        fail(f"records never produced were consumed: {sorted(unexpected)[:5]}")
    # Commits resume: a member restarted in the group reads only what is produced now.
    after = [f"{strategy}-after-{i}" for i in range(10)]
    restarted = Member(bootstrap, group, topic, strategy, "restarted")
    wait_until("the restarted member holds every partition",
               lambda: holds_every_partition([restarted], partitions))
    produce_values(bootstrap, topic, after)
    wait_until("the restarted member reads the new records", lambda: set(after) <= set(restarted.values()))
    restarted.close()
    again = sorted(set(restarted.values()) - set(after))
    if again:
        fail(f"the restarted member read {len(again)} records already committed, e.g. {again[:3]}")
    rebalances = sum(1 for m in members for e in m.events if e["event"] == "assign")
    print(f"{strategy}: {len(produced)} records consumed, none lost; no partition held twice "
          f"({rebalances} assignments seen); the restarted member read only the {len(after)} new records")


def main():
    bootstrap, command, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    if command == "commit":
        commit(bootstrap, args[0], args[1], args[2:])
    elif command == "member":
        member(bootstrap, *args)
    elif command == "share":
        share(bootstrap, *args)
    else:
        fail(f"unknown command {command}")


if __name__ == "__main__":
    main()
