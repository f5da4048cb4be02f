// kafkajs 2.2.4 (a pure JavaScript implementation of Kafka's protocol) against a Regroup host's
// Kafka listener.
//
// Usage: node kafkajs.js BOOTSTRAP roundtrip TOPIC COUNT
//   produce COUNT records (keys, values, headers; gzip and uncompressed batches) with kafkajs'
//   producer, list the offsets with its admin client, then read every record back with a kafkajs
//   consumer (in a group of its own, `roundtrip-TOPIC`) and check each.
// Usage: node kafkajs.js BOOTSTRAP group GROUP TOPIC COUNT
//   TOPIC holds COUNT records already. Two consumers of GROUP share TOPIC until every record is
//   read; one leaves (disconnects); the other must take over every partition and read the
//   records produced after. Every record must be consumed exactly once.
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

  // A kafkajs consumer in a group of its own reads everything from the beginning.
  const consumer = kafka.consumer({ groupId: `roundtrip-${topic}`, maxWaitTimeInMs: 100 })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  let problem = null
  await consumer.run({
    eachMessage: async ({ message }) => {
      const key = message.key.toString()
      const sent = expected.get(key)
      if (!sent) problem = problem || `unexpected or repeated record ${key} at ${message.offset}`
      else if (message.value.toString() !== sent.value) problem = problem || `${key}: value ${message.value} differs`
      else if (message.headers.index.toString() !== sent.headers.index) problem = problem || `${key}: headers differ`
      expected.delete(key)
    },
  })
  await until('every record is read back', () => expected.size === 0 || problem !== null)
  await consumer.disconnect()
  if (problem) fail(problem)
  if (expected.size !== 0) fail(`${expected.size} records of ${count} not fetched back`)
  console.log(`kafkajs: ${count} records produced (idempotent, none and gzip) and read back intact by a kafkajs consumer; offsets 0..${count}`)
}

const TIMEOUT_MS = 30000
const MORE = 50

async function until(what, check) {
  const deadline = Date.now() + TIMEOUT_MS
  while (Date.now() < deadline) {
    if (check()) return
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  fail(`gave up after ${TIMEOUT_MS / 1000} s waiting until ${what}`)
}

async function group(bootstrap, groupId, topic, count) {
  const kafka = new Kafka({ clientId: 'regroup-test', brokers: [bootstrap], logLevel: logLevel.NOTHING })
  const times = new Map() // value -> how many times it was consumed
  const member = async () => {
    const consumer = kafka.consumer({
      groupId, sessionTimeout: 6000, heartbeatInterval: 500, rebalanceTimeout: 10000, maxWaitTimeInMs: 100,
    })
    const m = { consumer, assigned: [] }
    consumer.on(consumer.events.GROUP_JOIN, event => {
      m.assigned = (event.payload.memberAssignment[topic] || []).slice().sort((a, b) => a - b)
    })
    await consumer.connect()
    await consumer.subscribe({ topic, fromBeginning: true })
    await consumer.run({
      eachMessage: async ({ message }) => {
        const value = message.value.toString()
        times.set(value, (times.get(value) || 0) + 1)
      },
    })
    return m
  }
  const members = [await member(), await member()]
  const admin = kafka.admin()
  await admin.connect()
  const partitions = (await admin.fetchTopicOffsets(topic)).length
  const held = () => members.flatMap(m => m.assigned).sort((a, b) => a - b)
  await until('both members hold partitions',
    () => members.every(m => m.assigned.length > 0) && held().join() === [...Array(partitions).keys()].join())
  const shared = members.map(m => m.assigned.length)
  await until('every record is read', () => times.size >= count)
  await members[0].consumer.disconnect()
  await until('the other member holds every partition', () => members[1].assigned.length === partitions)
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 })
  await producer.connect()
  const more = [...Array(MORE).keys()].map(i => ({ value: `more-${i}` }))
  await producer.send({ topic, messages: more, acks: -1 })
  await producer.disconnect()
  await until('the new records are read', () => more.every(({ value }) => times.has(value)))
  // Anything read twice would have been read by now.
  await new Promise(resolve => setTimeout(resolve, 500))
  await members[1].consumer.disconnect()
  await admin.disconnect()
  const twice = [...times].filter(([, n]) => n > 1).map(([value]) => value)
  if (twice.length > 0) fail(`read more than once: ${twice.join(' ')}`)
  if (times.size !== count + MORE) fail(`${times.size} distinct records read, expected ${count + MORE}`)
  console.log(`kafkajs: two members shared ${partitions} partitions (${shared[0]} and ${shared[1]}), ` +
    `one left, the other took over all ${partitions} and read the ${MORE} new records; ` +
    `${count + MORE} records, each consumed once`)
}

async function main() {
  const [bootstrap, command, ...args] = process.argv.slice(2)
  if (command === 'roundtrip') {
    await roundtrip(bootstrap, args[0], Number(args[1]))
  } else if (command === 'group') {
    await group(bootstrap, args[0], args[1], Number(args[2]))
  } else {
    fail(`unknown command ${command}`)
  }
}

main().catch(error => fail(error.stack || String(error)))
