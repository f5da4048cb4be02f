// kafkajs 2.2.4 (a pure JavaScript implementation of Kafka's protocol) against a Regroup host's
// Kafka listener.
//
// Usage: node kafkajs.js BOOTSTRAP roundtrip TOPIC COUNT
//   produce COUNT records (keys, values, headers; gzip and uncompressed batches) with kafkajs'
//   producer, list the offsets with its admin client, then fetch every record back through
//   kafkajs' own Fetch (its broker connection: kafkajs consumers need consumer groups, which are
//   another part of the listener) and check each.
// Prints one line saying what was checked; exits 1 with a message on stderr otherwise.

const { Kafka, CompressionTypes, logLevel } = require('kafkajs')

function fail(message) {
  console.error(`kafkajs.js: ${message}`)
  process.exit(1)
}

async function roundtrip(bootstrap, topic, count) {
  const kafka = new Kafka({ clientId: 'regroup-test', brokers: [bootstrap], logLevel: logLevel.ERROR })
  const expected = new Map()
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 })
  await producer.connect()
  const half = Math.floor(count / 2)
  for (const [compression, from, to] of [[CompressionTypes.None, 0, half], [CompressionTypes.GZIP, half, count]]) {
    const messages = []
    for (let i = from; i < to; i++) {
      const message = { key: `key-${i}`, value: `kafkajs value ${i}`, headers: { index: `${i}` }, partition: 0 }
      messages.push(message)
      expected.set(message.key, message)
    }
    await producer.send({ topic, messages, acks: -1, compression })
  }
  await producer.disconnect()

  const admin = kafka.admin()
  await admin.connect()
  const offsets = await admin.fetchTopicOffsets(topic)
  await admin.disconnect()
  const partition0 = offsets.find(o => o.partition === 0)
  if (Number(partition0.high) !== count || Number(partition0.low) !== 0) {
    fail(`offsets ${JSON.stringify(offsets)}: expected 0..${count}`)
  }

  // The cluster kafkajs' clients are built on (a private member of the Kafka object).
  const createCluster = Object.getOwnPropertySymbols(kafka)
    .find(symbol => symbol.description === 'private:Kafka:createCluster')
  const cluster = kafka[createCluster]({})
  await cluster.connect()
  await cluster.refreshMetadata()
  await cluster.addTargetTopic(topic)
  const leader = (await cluster.findLeaderForPartitions(topic, [0]))
  const broker = await cluster.findBroker({ nodeId: Object.keys(leader)[0] })
  let offset = 0
  const deadline = Date.now() + 30000
  while (offset < count && Date.now() < deadline) {
    const response = await broker.fetch({
      maxWaitTime: 1000,
      topics: [{ topic, partitions: [{ partition: 0, fetchOffset: String(offset), maxBytes: 1 << 20 }] }],
    })
    const answer = response.responses[0].partitions[0]
    if (answer.errorCode !== 0) fail(`fetch at ${offset}: error ${answer.errorCode}`)
    for (const message of answer.messages) {
      if (Number(message.offset) < offset) continue
      const key = message.key.toString()
      const sent = expected.get(key)
      if (!sent) fail(`unexpected or repeated record ${key} at ${message.offset}`)
      if (message.value.toString() !== sent.value) fail(`${key}: value ${message.value} differs`)
      if (message.headers.index.toString() !== sent.headers.index) fail(`${key}: headers differ`)
      expected.delete(key)
      offset = Number(message.offset) + 1
    }
  }
  await cluster.disconnect()
  if (expected.size !== 0) fail(`${expected.size} records of ${count} not fetched back`)
  console.log(`kafkajs: ${count} records produced (idempotent, none and gzip) and fetched back intact; offsets 0..${count}`)
}

async function main() {
  const [bootstrap, command, ...args] = process.argv.slice(2)
  if (command === 'roundtrip') {
    await roundtrip(bootstrap, args[0], Number(args[1]))
  } else {
    fail(`unknown command ${command}`)
  }
}

main().catch(error => fail(error.stack || String(error)))
