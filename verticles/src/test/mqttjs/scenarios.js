'use strict';
// Drives a Busbar broker with MQTT.js (the `mqtt` npm package) and prints what it observes, one JSON
// object per line on stdout. It asserts nothing itself: MqttJsClientTest reads the lines and holds
// the expectations. A line {"step":"error",...} and exit code 1 mean a step could not complete
// (connection refused, an acknowledgement or an expected message never came).
//
// usage: BUSBAR_USER=<token subject> BUSBAR_TOKEN=<jwt> node scenarios.js <url> <4|5> <topic prefix>
//   every client connects with user name BUSBAR_USER and password BUSBAR_TOKEN
//   url: mqtt://127.0.0.1:<port> (TCP) or ws://127.0.0.1:<port>/mqtt (WebSocket, sub-protocol mqtt)

const mqtt = require('mqtt');

const [url, versionArg, prefix] = process.argv.slice(2);
const version = Number(versionArg);
const user = process.env.BUSBAR_USER;
const token = process.env.BUSBAR_TOKEN;
const v5 = version === 5;
// an upper bound on waiting for one packet, so a broken broker fails the run instead of hanging it
const WAIT_MS = 5000;

if (!url || (version !== 4 && version !== 5) || !prefix || !user || !token) {
  process.stderr.write('usage: BUSBAR_USER=<subject> BUSBAR_TOKEN=<jwt> node scenarios.js <url> <4|5> <prefix>\n');
  process.exit(2);
}

function emit(step, fields) {
  process.stdout.write(JSON.stringify({ step, ...fields }) + '\n');
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function withTimeout(promise, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${WAIT_MS} ms: ${what}`)), WAIT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// JSON-friendly MQTT 5 properties: binary correlation data as hex
function props(properties) {
  if (!properties) return {};
  const out = { ...properties };
  if (Buffer.isBuffer(out.correlationData)) out.correlationData = out.correlationData.toString('hex');
  return out;
}

function observed(topic, payload, packet) {
  return {
    topic,
    payload: payload.toString('utf8'),
    qos: packet.qos,
    retain: packet.retain,
    properties: props(packet.properties),
  };
}

/** A connected client that keeps every message it receives, to be awaited by predicate. */
class Client {
  static connect(clientId, extra = {}) {
    return withTimeout(
      new Promise((resolve, reject) => {
        const client = mqtt.connect(url, {
          protocolVersion: version,
          clientId,
          username: user,
          password: token,
          clean: true,
          reconnectPeriod: 0,
          connectTimeout: WAIT_MS,
          ...extra,
        });
        client.once('connect', (connack) => resolve(new Client(clientId, client, connack)));
        client.once('error', reject);
      }),
      `CONNACK for ${clientId}`,
    );
  }

  constructor(id, mqttClient, connack) {
    this.id = id;
    this.mqtt = mqttClient;
    this.connack = connack;
    this.received = [];
    this.waiters = [];
    // acknowledgements of this client's publishes, by packet id: PUBACK, or PUBREC then PUBCOMP
    this.acks = new Map();
    mqttClient.on('packetreceive', (packet) => {
      if (packet.cmd === 'puback' || packet.cmd === 'pubrec' || packet.cmd === 'pubcomp') {
        const chain = this.acks.get(packet.messageId) || [];
        chain.push({ cmd: packet.cmd, reasonCode: packet.reasonCode === undefined ? null : packet.reasonCode });
        this.acks.set(packet.messageId, chain);
      }
    });
    mqttClient.on('message', (topic, payload, packet) => {
      const message = observed(topic, payload, packet);
      this.received.push(message);
      this.waiters = this.waiters.filter((w) => !w(message));
    });
  }

  /** The first message (already received or still to come) on {@code topic}. */
  next(topic) {
    const seen = this.received.find((m) => m.topic === topic);
    if (seen) return Promise.resolve(seen);
    return withTimeout(
      new Promise((resolve) => {
        this.waiters.push((m) => {
          if (m.topic !== topic) return false;
          resolve(m);
          return true;
        });
      }),
      `${this.id} waiting for a message on ${topic}`,
    );
  }

  /** Every message received so far whose topic starts with {@code topicPrefix}. */
  under(topicPrefix) {
    return this.received.filter((m) => m.topic.startsWith(topicPrefix));
  }

  async subscribe(filters, qos, options = {}) {
    const granted = await withTimeout(
      this.mqtt.subscribeAsync(filters, { qos, ...options }),
      `SUBACK for ${filters}`,
    );
    return granted.map((g) => ({ topic: g.topic, qos: g.qos }));
  }

  /** Publishes and resolves, for QoS 1 or 2, once MQTT.js has the PUBACK or PUBCOMP. */
  async publish(topic, payload, options) {
    const sent = await withTimeout(
      this.mqtt.publishAsync(topic, payload, options),
      `acknowledgement of QoS ${options.qos} publish to ${topic}`,
    );
    const acks = sent && sent.messageId !== undefined ? this.acks.get(sent.messageId) || [] : [];
    if (sent && sent.messageId !== undefined) this.acks.delete(sent.messageId);
    return { topic, qos: options.qos, acks };
  }

  end() {
    return withTimeout(this.mqtt.endAsync(), `closing ${this.id}`);
  }
}

function connackFields(client) {
  const c = client.connack;
  return {
    client: client.id,
    sessionPresent: c.sessionPresent,
    code: v5 ? c.reasonCode : c.returnCode,
    properties: props(c.properties),
  };
}

async function retained(pub, sub) {
  const topic = `${prefix}/retained/r1`;
  const published = await pub.publish(topic, 'kept', { qos: 1, retain: true });
  const granted = await sub.subscribe(`${prefix}/retained/+`, 1);
  const message = await sub.next(topic);
  emit('retained', { published, granted, message });
}

async function wildcardsAndQos(pub, sub) {
  const granted = await sub.subscribe(
    [`${prefix}/plus/+/x`, `${prefix}/hash/#`],
    2,
  );
  const downgraded = await sub.subscribe(`${prefix}/down/#`, 1);
  const publishes = [
    [`${prefix}/plus/a/b/x`, 'two levels: no match for +', 0],
    [`${prefix}/plus/a/x`, 'q0', 0],
    [`${prefix}/hash`, 'parent level of #', 1],
    [`${prefix}/hash/q1`, 'q1', 1],
    [`${prefix}/hash/deep/er/q2`, 'q2', 2],
    [`${prefix}/down/q2`, 'q2 to a QoS 1 subscription', 2],
    [`${prefix}/hash/zz-end`, 'end', 2],
  ];
  const published = [];
  for (const [topic, payload, qos] of publishes) {
    published.push(await pub.publish(topic, payload, { qos }));
  }
  await sub.next(`${prefix}/down/q2`);
  await sub.next(`${prefix}/hash/zz-end`);
  emit('wildcards', {
    granted: granted.concat(downgraded),
    published,
    received: sub.under(`${prefix}/plus/`).concat(sub.under(`${prefix}/hash`), sub.under(`${prefix}/down/`)),
  });
}

async function requestResponse(pub, sub) {
  const requestTopic = `${prefix}/props/request`;
  const replyTopic = `${prefix}/reply/to-requester`;
  await sub.subscribe(`${prefix}/props/#`, 1);
  await pub.subscribe(replyTopic, 1);
  const published = await pub.publish(requestTopic, '{"cmd":"status"}', {
    qos: 1,
    properties: {
      userProperties: { site: 'plant-7', line: ['a', 'b'] },
      responseTopic: replyTopic,
      correlationData: Buffer.from('c0ffee01', 'hex'),
      contentType: 'application/json',
      payloadFormatIndicator: true,
      messageExpiryInterval: 600,
    },
  });
  const request = await sub.next(requestTopic);
  // the responder answers on the response topic with the correlation data it was given
  await sub.publish(request.properties.responseTopic, 'ok', {
    qos: 1,
    properties: { correlationData: Buffer.from(request.properties.correlationData, 'hex') },
  });
  const reply = await pub.next(replyTopic);
  emit('request-response', { published, request, reply });
}

async function messageExpiry(pub, sub) {
  const shortTopic = `${prefix}/expiry/short`;
  const longTopic = `${prefix}/expiry/long`;
  const marker = `${prefix}/expiry/zz-end`;
  await pub.publish(shortTopic, 'expires in 1 s', {
    qos: 1,
    retain: true,
    properties: { messageExpiryInterval: 1 },
  });
  await pub.publish(longTopic, 'expires in 1 h', {
    qos: 1,
    retain: true,
    properties: { messageExpiryInterval: 3600 },
  });
  // let the short one's interval pass, then subscribe: only the long one may come (MQTT 5.0 §3.3.2.3.3)
  await sleep(2100);
  await sub.subscribe(`${prefix}/expiry/+`, 1);
  await pub.publish(marker, 'end', { qos: 1 });
  await sub.next(longTopic);
  await sub.next(marker);
  emit('expiry', { waitedMs: 2100, received: sub.under(`${prefix}/expiry/`) });
}

async function topicAlias(pub, sub) {
  const topic = `${prefix}/alias/t`;
  await sub.subscribe(`${prefix}/alias/#`, 1);
  const published = [];
  // MQTT 5.0 §3.3.2.3.4: the first PUBLISH sets alias 1, the second has an empty topic and alias 1
  published.push(await pub.publish(topic, 'first', { qos: 1, properties: { topicAlias: 1 } }));
  published.push(await pub.publish('', 'second', { qos: 1, properties: { topicAlias: 1 } }));
  await sub.next(topic);
  while (sub.under(topic).length < 2) {
    await withTimeout(
      new Promise((resolve) => sub.mqtt.once('message', resolve)),
      `second aliased message on ${topic}`,
    );
  }
  emit('topic-alias', {
    topicAliasMaximum: pub.connack.properties ? pub.connack.properties.topicAliasMaximum : null,
    published,
    received: sub.under(topic),
  });
}

async function will(sub) {
  const politeTopic = `${prefix}/will/polite`;
  const goneTopic = `${prefix}/will/gone`;
  await sub.subscribe(`${prefix}/will/#`, 1);
  const willProperties = v5
    ? { properties: { willDelayInterval: 0, contentType: 'text/plain', userProperties: { why: 'abrupt' } } }
    : {};
  // a will must not be sent when the client disconnects with DISCONNECT (reason 0)
  const polite = await Client.connect(`${prefix}-polite`, {
    will: { topic: politeTopic, payload: Buffer.from('should not be sent'), qos: 1, retain: false, ...willProperties },
  });
  await polite.end();
  // ... and must be when the network connection closes without one (MQTT 3.1.1 §3.1.2.5, 5.0 §3.1.3.3)
  const abrupt = await Client.connect(`${prefix}-abrupt`, {
    will: { topic: goneTopic, payload: Buffer.from('connection lost'), qos: 1, retain: false, ...willProperties },
  });
  abrupt.mqtt.stream.destroy();
  const message = await sub.next(goneTopic);
  abrupt.mqtt.end(true);
  emit('will', { message, received: sub.under(`${prefix}/will/`) });
}

async function main() {
  // the subscriber lets the broker use topic aliases towards it (MQTT 5.0 §3.1.2.11.5); the
  // publisher does not, so the broker must send it none
  const subscriberAliases = v5 ? 10 : 0;
  const connectProperties = v5 ? { properties: { topicAliasMaximum: subscriberAliases } } : {};
  const pub = await Client.connect(`${prefix}-pub`);
  const sub = await Client.connect(`${prefix}-sub`, connectProperties);
  emit('connack', { subscriberAliases, clients: [connackFields(pub), connackFields(sub)] });

  await retained(pub, sub);
  await wildcardsAndQos(pub, sub);
  if (v5) {
    await requestResponse(pub, sub);
    await messageExpiry(pub, sub);
    await topicAlias(pub, sub);
  }
  await will(sub);

  await pub.end();
  await sub.end();
  emit('done', { version, url });
}

main().then(
  () => process.exit(0),
  (error) => {
    emit('error', { message: String(error && error.message ? error.message : error) });
    process.exit(1);
  },
);
