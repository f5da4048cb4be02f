"""librdkafka (through confluent-kafka) against a Regroup host's Kafka listener.

Usage: librdkafka.py BOOTSTRAP COMMAND ARGS...
  roundtrip TOPIC PARTITIONS   produce with every codec, idempotence on, then with acks 0 and 1;
                               read every record back with assign(); check keys, values,
                               headers, timestamps; metadata
  topic-id TOPIC               the topic's id as Metadata (v12) gives it, as a UUID
  produce TOPIC KEY VALUE      produce one record (idempotent) and wait for its acknowledgement
  consume TOPIC COUNT          read COUNT records from the start of every partition; print each
                               value on a line
  transactional TOPIC          a transactional producer must be refused with a clear error
  times TOPIC                  produce 3 records an hour apart (timestamps T, T+1h, T+2h), then
                               print what ListOffsets answers by timestamp and for the largest
                               one, as offset@timestamp relative to T
  admin TOPIC                  AdminClient: create (with configs, validate_only, refusals), grow,
                               describe and alter configs, describe the cluster, delete; prints
                               one line per step with its outcome
Exits 1 with a message on stderr when anything is not as expected.
"""

import base64
import sys
import time
import uuid

from confluent_kafka import (OFFSET_BEGINNING, Consumer, KafkaException, Producer, TopicCollection,
                             TopicPartition)
from confluent_kafka.admin import (AdminClient, AlterConfigOpType, ConfigEntry, ConfigResource,
                                  NewPartitions, NewTopic, OffsetSpec, ResourceType)

CODECS = ["none", "gzip", "snappy", "lz4", "zstd"]
PER_CODEC = 40
TIMEOUT = 30


def fail(message):
    print(f"librdkafka.py: {message}", file=sys.stderr)
    sys.exit(1)


def produce(bootstrap, topic, records, compression="none", acks="all"):
    producer = Producer({
        "bootstrap.servers": bootstrap,
        # Idempotence needs acks=all.
        "enable.idempotence": acks == "all",
        "acks": acks,
        "compression.type": compression,
        "linger.ms": 5,
    })
    errors = []

    def delivered(error, message):
        if error is not None:
            errors.append(str(error))

    for key, value, headers, timestamp in records:
        # A timestamp of 0 is the time of producing.
        producer.produce(topic, key=key, value=value, headers=headers or [], timestamp=timestamp,
                         on_delivery=delivered)
    left = producer.flush(TIMEOUT)
    if left or errors:
        fail(f"{compression} acks={acks}: {left} records unacknowledged, errors {errors[:3]}")


def consume(bootstrap, topic, partitions, count):
    consumer = Consumer({
        "bootstrap.servers": bootstrap,
        "group.id": "unused-with-assign",
        "enable.auto.commit": False,
    })
    consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in range(partitions)])
    got = []
    deadline = time.monotonic() + TIMEOUT
    while len(got) < count and time.monotonic() < deadline:
        message = consumer.poll(1.0)
        if message is None:
            continue
        if message.error():
            fail(f"consume: {message.error()}")
        got.append(message)
    consumer.close()
    if len(got) != count:
        fail(f"consume: {len(got)} records of {count} within {TIMEOUT} s")
    return got


def partitions_of(bootstrap, topic):
    metadata = AdminClient({"bootstrap.servers": bootstrap}).list_topics(timeout=TIMEOUT)
    if topic not in metadata.topics:
        fail(f"metadata lists {sorted(metadata.topics)}, not {topic}")
    found = metadata.topics[topic]
    if found.error is not None:
        fail(f"metadata: {topic}: {found.error}")
    return metadata, len(found.partitions)


def roundtrip(bootstrap, topic, partitions):
    metadata, count = partitions_of(bootstrap, topic)
    if count != partitions:
        fail(f"metadata: {topic} has {count} partitions, expected {partitions}")
    if not metadata.cluster_id or len(metadata.brokers) != 1:
        fail(f"metadata: cluster id {metadata.cluster_id!r}, brokers {metadata.brokers}")
    expected = {}
    base = int(time.time() * 1000) - 3_600_000
    runs = [(codec, "all") for codec in CODECS] + [("none", "0"), ("lz4", "1")]
    for n, (codec, acks) in enumerate(runs):
        records = []
        for i in range(PER_CODEC):
            key = f"{codec}-acks{acks}-key-{i}".encode()
            value = (f"{codec} value {i} " * 20).encode()
            headers = [("codec", codec.encode()), ("index", str(i).encode()), ("empty", b"")]
            timestamp = base + n * 1000 + i
            records.append((key, value, headers, timestamp))
            expected[key] = (value, headers, timestamp)
        produce(bootstrap, topic, records, codec, acks)
    got = consume(bootstrap, topic, partitions, len(expected))
    for message in got:
        key = message.key()
        if key not in expected:
            fail(f"an unexpected or repeated record with key {key!r}")
        value, headers, timestamp = expected.pop(key)
        if message.value() != value:
            fail(f"{key!r}: value {message.value()[:40]!r}... differs")
        if message.headers() != headers:
            fail(f"{key!r}: headers {message.headers()} != {headers}")
        if message.timestamp()[1] != timestamp:
            fail(f"{key!r}: timestamp {message.timestamp()} != {timestamp}")
    print(f"roundtrip: {len(got)} records, codecs {' '.join(CODECS)}, acks all 0 1, {count} partitions, "
          f"cluster {metadata.cluster_id}")


def topic_id(bootstrap, topic):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    # The client must outlive the answer.
    found = admin.describe_topics(TopicCollection([topic]), request_timeout=TIMEOUT)[topic].result()
    # confluent-kafka prints a Uuid in base64, as Kafka's tools do.
    print(uuid.UUID(bytes=base64.b64decode(str(found.topic_id) + "==")))


def transactional(bootstrap, topic):
    producer = Producer({"bootstrap.servers": bootstrap, "transactional.id": "tx-1"})
    try:
        producer.init_transactions(TIMEOUT)
    except KafkaException as error:
        print(f"transactional: refused: {error.args[0].name()}: {error.args[0].str()}")
        return
    fail("a transactional producer was accepted")


def outcome(future):
    """ok, or the Kafka error's name and message."""
    try:
        future.result()
        return "ok"
    except KafkaException as error:
        return f"{error.args[0].name()}: {error.args[0].str()}"


def admin(bootstrap, topic):
    client = AdminClient({"bootstrap.servers": bootstrap})

    def create(name, partitions=3, replication=1, config=None, validate_only=False):
        new = NewTopic(name, num_partitions=partitions, replication_factor=replication,
                       config=config or {})
        futures = client.create_topics([new], validate_only=validate_only, request_timeout=TIMEOUT)
        return outcome(futures[name])

    def topic_configs(name):
        resource = ConfigResource(ResourceType.TOPIC, name)
        found = client.describe_configs([resource], request_timeout=TIMEOUT)[resource].result()
        return " ".join(f"{key}={entry.value}({'default' if entry.is_default else 'topic'})"
                        for key, entry in sorted(found.items()))

    print(f"create: {create(topic, config={'retention.ms': '60000', 'segment.bytes': '1048576'})}")
    print(f"create validate_only: {create(topic + '-dry', validate_only=True)}")
    print(f"listed after validate_only: {topic + '-dry' in client.list_topics(timeout=TIMEOUT).topics}")
    print(f"create again: {create(topic)}")
    print(f"create replication 3: {create(topic + '-rf', replication=3)}")
    print(f"create bad name: {create('no spaces please')}")
    print(f"create bad value: {create(topic + '-bad', config={'retention.ms': 'soon'})}")
    print(f"create unknown config: {create(topic + '-bad', config={'cleanup.policy': 'compact'})}")
    print(f"configs: {topic_configs(topic)}")
    grow = client.create_partitions([NewPartitions(topic, 5)], request_timeout=TIMEOUT)
    print(f"grow to 5: {outcome(grow[topic])}")
    shrink = client.create_partitions([NewPartitions(topic, 2)], request_timeout=TIMEOUT)
    print(f"grow to 2: {outcome(shrink[topic])}")
    print(f"partitions: {partitions_of(bootstrap, topic)[1]}")
    resource = ConfigResource(ResourceType.TOPIC, topic, incremental_configs=[
        ConfigEntry("retention.ms", "120000", incremental_operation=AlterConfigOpType.SET),
        ConfigEntry("segment.bytes", None, incremental_operation=AlterConfigOpType.DELETE),
    ])
    altered = client.incremental_alter_configs([resource], request_timeout=TIMEOUT)[resource]
    print(f"alter: {outcome(altered)}")
    print(f"configs: {topic_configs(topic)}")
    bad = ConfigResource(ResourceType.TOPIC, topic, incremental_configs=[
        ConfigEntry("segment.bytes", "1", incremental_operation=AlterConfigOpType.SET),
    ])
    print(f"alter bad value: {outcome(client.incremental_alter_configs([bad], request_timeout=TIMEOUT)[bad])}")
    broker = ConfigResource(ResourceType.BROKER, "1")
    found = client.describe_configs([broker], request_timeout=TIMEOUT)[broker].result()
    print(f"broker: num.partitions={found['num.partitions'].value} "
          f"auto.create.topics.enable={found['auto.create.topics.enable'].value}")
    cluster = client.describe_cluster(request_timeout=TIMEOUT).result()
    print(f"cluster: {cluster.cluster_id} nodes {[node.id for node in cluster.nodes]} "
          f"controller {cluster.controller.id}")
    print(f"delete: {outcome(client.delete_topics([topic], request_timeout=TIMEOUT)[topic])}")
    print(f"delete again: {outcome(client.delete_topics([topic], request_timeout=TIMEOUT)[topic])}")
    print(f"listed after delete: {topic in client.list_topics(timeout=TIMEOUT).topics}")


def times(bootstrap, topic):
    hour = 3_600_000
    base = int(time.time() * 1000) - 10 * hour
    produce(bootstrap, topic, [(b"k", f"at {i} h".encode(), None, base + i * hour) for i in range(3)])
    client = AdminClient({"bootstrap.servers": bootstrap})
    asked = [("30 min", OffsetSpec.for_timestamp(base + hour // 2)),
             ("2 h", OffsetSpec.for_timestamp(base + 2 * hour)),
             ("3 h", OffsetSpec.for_timestamp(base + 3 * hour)),
             ("max", OffsetSpec.max_timestamp())]
    for label, spec in asked:
        partition = TopicPartition(topic, 0)
        found = client.list_offsets({partition: spec}, request_timeout=TIMEOUT)[partition].result()
        at = "none" if found.timestamp < 0 else f"{(found.timestamp - base) // 60_000} min"
        print(f"{label}: offset {found.offset} at {at}")


def main():
    bootstrap, command, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    if command == "roundtrip":
        roundtrip(bootstrap, args[0], int(args[1]))
    elif command == "produce":
        produce(bootstrap, args[0], [(args[1].encode(), args[2].encode(), None, 0)])
    elif command == "consume":
        _, partitions = partitions_of(bootstrap, args[0])
        for message in consume(bootstrap, args[0], partitions, int(args[1])):
            print(message.value().decode())
    elif command == "topic-id":
        topic_id(bootstrap, args[0])
    elif command == "transactional":
        transactional(bootstrap, args[0])
    elif command == "times":
        times(bootstrap, args[0])
    elif command == "admin":
        admin(bootstrap, args[0])
    else:
        fail(f"unknown command {command}")


if __name__ == "__main__":
    main()
