"""Figures for consumer-protocol groups (KIP-848) with librdkafka members, against a Regroup host
this script starts (a fresh data directory each run). Not a test: it prints what it measured.

Usage: consumer_figures.py REGROUP_EXE VERSIONED_V1_SO VERSIONED_V2_SO HEARTBEAT_MS N...
  For each N:
  join  N members share a topic of 2(N+1) partitions (assignor uniform); once the group is stable,
        one more member joins: the time from its creation until every member holds its new target
        (two partitions each).
  classic join  the same with the classic protocol (cooperative-sticky, the clients' heartbeat
        interval set to HEARTBEAT_MS), judged from the clients' callbacks alone: every member
        holds two partitions, none twice.
  swap  N members on the plugin `versioned` (version 1 gives every partition to the first member);
        the plugin file is replaced by version 2 (everything to the second member): the time from
        the file's rename until the new owner's assign callback has every partition and the old
        owner has given them up.
"Holds its new target": the host's describe says stable (every member at the target epoch with
nothing to revoke) and each member's own assign/revoke callbacks add up to what describe shows.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

from confluent_kafka import Consumer


def start_host(exe, data, plugins, heartbeat_ms):
    serve = subprocess.Popen(
        [exe, "serve", "--data-dir", data, "--plugin-dir", plugins,
         "--listen", "127.0.0.1:0", "--kafka-listen", "127.0.0.1:0", "--metrics-listen", "off",
         "--group-consumer-heartbeat-interval-ms", str(heartbeat_ms)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    first = serve.stdout.readline()
    native = first.split("listening on ")[1].split()[0]
    kafka = first.split("for Kafka clients on ")[1].split()[0]
    return serve, native, kafka


class Member:
    def __init__(self, bootstrap, group, topic, assignor, classic_heartbeat_ms=None):
        self.held = set()
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.member_id = None
        self.last_change = 0.0
        conf = {"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False}
        if classic_heartbeat_ms is None:
            conf.update({"group.protocol": "consumer", "group.remote.assignor": assignor})
        else:
            conf.update({"group.protocol": "classic", "partition.assignment.strategy": assignor,
                         "heartbeat.interval.ms": classic_heartbeat_ms})
        self.consumer = Consumer(conf)
        self.consumer.subscribe([topic], on_assign=self.assigned, on_revoke=self.revoked,
                                on_lost=self.revoked)
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def assigned(self, consumer, partitions):
        with self.lock:
            self.held |= {f"{p.topic}-{p.partition}" for p in partitions}
            self.last_change = time.monotonic()

    def revoked(self, consumer, partitions):
        with self.lock:
            self.held -= {f"{p.topic}-{p.partition}" for p in partitions}
            self.last_change = time.monotonic()

    def run(self):
        while not self.stop.is_set():
            self.consumer.poll(0.05)
            if self.member_id is None:
                try:
                    self.member_id = self.consumer.memberid()
                except Exception:
                    pass

    def close(self):
        self.stop.set()
        self.thread.join(30)
        self.consumer.close()


def describe(exe, native, group):
    out = subprocess.run([exe, "groups", "describe", group, "--json", "--server", native],
                         capture_output=True, text=True)
    if out.returncode != 0:
        return None
    return json.loads(out.stdout)


def settled(exe, native, group, members, count):
    """Whether describe says stable with `count` members and each member's callbacks agree."""
    d = describe(exe, native, group)
    if d is None or d["state"] != "stable" or len(d["members"]) != count:
        return False
    by_id = {m["member_id"]: set(m["partitions"]) for m in d["members"]}
    for m in members:
        with m.lock:
            if m.member_id not in by_id or by_id[m.member_id] != m.held:
                return False
    return True


def wait(what, check, limit=120):
    deadline = time.monotonic() + limit
    while not check():
        if time.monotonic() > deadline:
            sys.exit(f"consumer_figures.py: timed out waiting for {what}")
        time.sleep(0.005)
    return time.monotonic()


def create_topic(exe, native, topic, partitions):
    subprocess.run([exe, "topics", "create", topic, "--partitions", str(partitions), "--server", native],
                   check=True, capture_output=True)


def balanced(members, partitions):
    """Every member holds partitions / members of them, none twice: the balanced target both
    protocols' sticky assignors reach (for the classic protocol, only the clients can tell)."""
    held = []
    for m in members:
        with m.lock:
            held.append(set(m.held))
    each = partitions // len(members)
    union = set().union(*held)
    return all(len(h) == each for h in held) and len(union) == partitions


def join_figure(exe, native, kafka, n):
    topic, group = f"join-{n}", f"join-{n}"
    create_topic(exe, native, topic, 2 * (n + 1))
    members = [Member(kafka, group, topic, "uniform") for _ in range(n)]
    wait(f"{n} members stable", lambda: settled(exe, native, group, members, n))
    time.sleep(0.5)
    start = time.monotonic()
    members.append(Member(kafka, group, topic, "uniform"))
    end = wait(f"{n + 1} members stable", lambda: settled(exe, native, group, members, n + 1)
               and balanced(members, 2 * (n + 1)))
    for m in members:
        m.close()
    return end - start


def classic_join_figure(exe, native, kafka, n, heartbeat_ms):
    """The same with the classic protocol (cooperative-sticky, computed by the group leader)."""
    topic, group = f"classic-{n}", f"classic-{n}"
    create_topic(exe, native, topic, 2 * (n + 1))
    members = [Member(kafka, group, topic, "cooperative-sticky", heartbeat_ms) for _ in range(n)]

    def spread():
        held = [len(m.held) for m in members]
        return sum(held) == 2 * (n + 1) and all(held)

    wait(f"{n} classic members consuming", spread)
    time.sleep(2)
    start = time.monotonic()
    members.append(Member(kafka, group, topic, "cooperative-sticky", heartbeat_ms))
    end = wait(f"{n + 1} classic members balanced", lambda: balanced(members, 2 * (n + 1)))
    for m in members:
        m.close()
    return end - start


def swap_figure(exe, native, kafka, n, plugins, v1, v2):
    topic, group = f"swap-{n}", f"swap-{n}"
    create_topic(exe, native, topic, 4)
    members = [Member(kafka, group, topic, "versioned") for _ in range(n)]

    def on(version):
        d = describe(exe, native, group)
        return (d is not None and d["strategy"] is not None and d["strategy"]["version"] == version
                and settled(exe, native, group, members, n))

    wait(f"{n} members on version 1", lambda: on("1.0.0"))
    time.sleep(0.5)
    staging = os.path.join(plugins, ".versioned.so.staging")
    shutil.copyfile(v2, staging)
    start = time.monotonic()
    os.rename(staging, os.path.join(plugins, "versioned.so"))
    end = wait(f"{n} members on version 2", lambda: on("2.0.0"))
    for m in members:
        m.close()
    shutil.copyfile(v1, staging)
    os.rename(staging, os.path.join(plugins, "versioned.so"))
    return end - start


def main():
    exe, v1, v2, heartbeat_ms, *counts = sys.argv[1:]
    data = tempfile.mkdtemp(prefix="consumer-figures-")
    plugins = os.path.join(data, "plugins")
    os.mkdir(plugins)
    shutil.copyfile(v1, os.path.join(plugins, "versioned.so"))
    serve, native, kafka = start_host(exe, os.path.join(data, "data"), plugins, heartbeat_ms)
    try:
        print(f"heartbeat interval {heartbeat_ms} ms")
        for n in map(int, counts):
            print(f"join: {n} members + 1: every member on its new target in "
                  f"{join_figure(exe, native, kafka, n) * 1000:.0f} ms", flush=True)
            print(f"classic join: {n} members + 1 (cooperative-sticky, client heartbeat "
                  f"{heartbeat_ms} ms): every member on its new target in "
                  f"{classic_join_figure(exe, native, kafka, n, heartbeat_ms) * 1000:.0f} ms", flush=True)
            print(f"swap: {n} members, plugin file replaced: every member on the new target in "
                  f"{swap_figure(exe, native, kafka, n, plugins, v1, v2) * 1000:.0f} ms", flush=True)
    finally:
        serve.terminate()
        serve.wait()
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
