"""librdkafka consumer-protocol groups (KIP-848, group.protocol=consumer) against a Regroup host.

Usage: consumer_groups.py BOOTSTRAP COMMAND ARGS...
  group GROUP TOPIC TOTAL ASSIGNOR MEMBERS STOPFILE
        MEMBERS consumers (threads of this process, each its own librdkafka client) consume TOPIC
        in GROUP with group.remote.assignor=ASSIGNOR ("-" names none) until every value "v0" ..
        "v<TOTAL-1>" was seen and STOPFILE exists. Each assign and revoke callback is checked
        against one shared table of owners: a partition given to a consumer while another still
        holds it is a failure. Prints one line per callback ("assign|revoke|lost MEMBER T
        PARTITIONS") and a summary; the events go to stderr as they happen.
  unknown-assignor GROUP TOPIC ASSIGNOR
        one consumer naming ASSIGNOR; prints the error it gets ("refused: CODE: MESSAGE")
  static GROUP TOPIC SESSION_WAIT
        two static members (instances s1 and s2); once both hold partitions, s1 closes and a new
        process-like client with instance s1 comes back; prints what s1 held before and after,
        and whether s2 saw any callback meanwhile
  describe GROUP
        the group as librdkafka's AdminClient describes it (ConsumerGroupDescribe): a line
        "type T state S assignor A members N", then per member "member ID ASSIGNMENT target TARGET"
Exits 1 with a message on stderr when anything is not as expected.
"""

import os
import sys
import threading
import time

from confluent_kafka import Consumer, KafkaError, KafkaException

TIMEOUT = 120


def fail(message):
    print(f"consumer_groups.py: {message}", file=sys.stderr)
    sys.stdout.flush()
    os._exit(1)


def config(bootstrap, group, assignor, instance=None):
    conf = {
        "bootstrap.servers": bootstrap,
        "group.id": group,
        "group.protocol": "consumer",
        "auto.offset.reset": "earliest",
        "enable.auto.commit": True,
        "auto.commit.interval.ms": 200,
    }
    if assignor != "-":
        conf["group.remote.assignor"] = assignor
    if instance is not None:
        conf["group.instance.id"] = instance
    return conf


def names(partitions):
    return ",".join(sorted(f"{p.topic}-{p.partition}" for p in partitions)) or "-"


class Owners:
    """Who holds each partition, by the consumers' own callbacks."""

    def __init__(self):
        self.lock = threading.Lock()
        self.owner = {}
        self.events = []
        self.violations = []
        self.start = time.monotonic()

    def record(self, member, kind, partitions):
        now = time.monotonic() - self.start
        with self.lock:
            for p in partitions:
                key = f"{p.topic}-{p.partition}"
                if kind == "assign":
                    holder = self.owner.get(key)
                    if holder is not None and holder != member:
                        self.violations.append(
                            f"{key} given to member {member} at {now:.3f}s while member {holder} holds it")
                    self.owner[key] = member
                elif self.owner.get(key) == member:
                    del self.owner[key]
            line = f"{kind} {member} {now:.3f} {names(partitions)}"
            self.events.append(line)
            print(line, file=sys.stderr, flush=True)


def run_member(bootstrap, group, topic, assignor, member, owners, seen, stop, instance=None):
    consumer = Consumer(config(bootstrap, group, assignor, instance))
    consumer.subscribe(
        [topic],
        on_assign=lambda c, ps: owners.record(member, "assign", ps),
        on_revoke=lambda c, ps: owners.record(member, "revoke", ps),
        on_lost=lambda c, ps: owners.record(member, "lost", ps),
    )
    try:
        while not stop.is_set():
            message = consumer.poll(0.2)
            if message is None:
                continue
            if message.error():
                if message.error().fatal():
                    fail(f"member {member}: fatal error {message.error()}")
                continue
            with owners.lock:
                seen.add(message.value().decode())
    finally:
        consumer.close()


def group_command(bootstrap, group, topic, total, assignor, members, stopfile):
    total, members = int(total), int(members)
    owners, seen, stop = Owners(), set(), threading.Event()
    threads = [
        threading.Thread(target=run_member,
                         args=(bootstrap, group, topic, assignor, m, owners, seen, stop), daemon=True)
        for m in range(members)
    ]
    for t in threads:
        t.start()
    wanted = {f"v{i}" for i in range(total)}
    deadline = time.monotonic() + TIMEOUT
    while True:
        with owners.lock:
            done = wanted <= seen
        if done and os.path.exists(stopfile):
            break
        if time.monotonic() > deadline:
            with owners.lock:
                missing = sorted(wanted - seen)[:10]
            fail(f"timed out: {len(wanted - seen)} records never consumed (first {missing}); "
                 f"stop file {'present' if os.path.exists(stopfile) else 'absent'}")
        time.sleep(0.05)
    stop.set()
    for t in threads:
        t.join(30)
    for line in owners.events:
        print(line)
    if owners.violations:
        fail("a partition had two owners: " + "; ".join(owners.violations))
    revokes = sum(1 for e in owners.events if e.startswith(("revoke", "lost")) and not e.endswith(" -"))
    print(f"consumed {len(wanted & seen)} of {total}; members {members}; two owners never")
    print(f"revocations with partitions {revokes}")


def unknown_assignor(bootstrap, group, topic, assignor):
    errors = []
    conf = config(bootstrap, group, assignor)
    conf["error_cb"] = errors.append
    consumer = Consumer(conf)
    consumer.subscribe([topic])
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            message = consumer.poll(0.2)
        except KafkaException as e:
            errors.append(e.args[0])
            break
        if message is not None and message.error():
            errors.append(message.error())
            break
        if errors:
            break
    if not errors:
        fail("no error for an unknown assignor")
    error = errors[0]
    print(f"refused: {error.name()}: {error.str()}")
    try:
        consumer.close()
    except KafkaException:
        pass


def static_command(bootstrap, group, topic, wait):
    owners, seen, stop_a, stop_b = Owners(), set(), threading.Event(), threading.Event()

    def member(name, stop):
        return threading.Thread(target=run_member,
                                args=(bootstrap, group, topic, "-", name, owners, seen, stop, name),
                                daemon=True)

    a, b = member("s1", stop_a), member("s2", stop_b)
    a.start()
    b.start()

    def held(name):
        with owners.lock:
            return sorted(k for k, v in owners.owner.items() if v == name)

    deadline = time.monotonic() + TIMEOUT
    while not (held("s1") and held("s2")):
        if time.monotonic() > deadline:
            fail(f"the two static members never both held partitions: {owners.events}")
        time.sleep(0.05)
    time.sleep(float(wait))
    before = held("s1")
    s2_events = len([e for e in owners.events if e.split()[1] == "s2"])
    stop_a.set()
    a.join(30)
    stop_a = threading.Event()
    again = member("s1", stop_a)
    again.start()
    while not held("s1"):
        if time.monotonic() > deadline:
            fail(f"s1 never got partitions back: {owners.events}")
        time.sleep(0.05)
    time.sleep(float(wait))
    after = held("s1")
    s2_after = len([e for e in owners.events if e.split()[1] == "s2"])
    stop_a.set()
    stop_b.set()
    again.join(30)
    b.join(30)
    if owners.violations:
        fail("a partition had two owners: " + "; ".join(owners.violations))
    print(f"s1 before {','.join(before)}")
    print(f"s1 after {','.join(after)}")
    print(f"s2 callbacks during the restart {s2_after - s2_events}")


def describe(bootstrap, group):
    from confluent_kafka.admin import AdminClient
    admin = AdminClient({"bootstrap.servers": bootstrap})
    d = admin.describe_consumer_groups([group], request_timeout=30)[group].result()
    print(f"type {d.type.name} state {d.state.name} assignor {d.partition_assignor} "
          f"members {len(d.members)}")
    for m in sorted(d.members, key=lambda m: m.member_id):
        target = m.target_assignment.topic_partitions if m.target_assignment else []
        print(f"member {m.member_id} {names(m.assignment.topic_partitions)} target {names(target)}")


def main():
    if len(sys.argv) < 3:
        fail(__doc__)
    bootstrap, command, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    commands = {"group": group_command, "unknown-assignor": unknown_assignor, "static": static_command,
                "describe": describe}
    if command not in commands:
        fail(f"unknown command {command}")
    commands[command](bootstrap, *args)
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
