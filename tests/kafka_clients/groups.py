"""Consumer groups of librdkafka (through confluent-kafka) on a Regroup host's Kafka listener.

Usage: groups.py BOOTSTRAP COMMAND ARGS...
  commit GROUP TOPIC P:OFFSET[:METADATA]...
                      commit from outside the group (assign(), no subscription); print each
                      outcome (or the commit's error), then the group's offsets as a fresh
                      client fetches them
Exits 1 with a message on stderr when anything is not as expected.
"""

import sys

from confluent_kafka import Consumer, KafkaException, TopicPartition

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


def main():
    bootstrap, command, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    if command == "commit":
        commit(bootstrap, args[0], args[1], args[2:])
    else:
        fail(f"unknown command {command}")


if __name__ == "__main__":
    main()
