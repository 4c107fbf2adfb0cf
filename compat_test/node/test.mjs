// node-redis compatibility checks for murr-sidecar.
//
// Run as: node test.mjs HOST PORT
//
// Uses node-redis with default client options (which speak RESP3 via
// HELLO 3). Exits non-zero on the first failed check and prints
// "node-redis: all checks passed" otherwise.

import assert from 'node:assert/strict';
import { createClient, RESP_TYPES, WatchError, ErrorReply } from 'redis';

const [host, portArg] = process.argv.slice(2);
const port = Number(portArg);
if (!host || !port) {
  console.error('usage: node test.mjs HOST PORT');
  process.exit(2);
}

const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';
const NOT_INTEGER = 'ERR value is not an integer or out of range';

const clients = [];
async function connect() {
  const c = createClient({ socket: { host, port } });
  c.on('error', (err) => console.error('client error:', err));
  await c.connect();
  clients.push(c);
  return c;
}

function binaryValue() {
  const b = Buffer.alloc(259);
  for (let i = 0; i < 256; i++) b[i] = i;
  b.write('\r\n\0', 256, 'latin1');
  return b;
}

async function rejects(promise, message, what) {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof ErrorReply, `${what}: ${err} is not an ErrorReply`);
    assert.equal(err.message, message, what);
    return;
  }
  assert.fail(`${what}: did not fail, want ${message}`);
}

async function checkStrings(c) {
  await c.flushDb();
  assert.equal(await c.set('s', 'hello'), 'OK');
  assert.equal(await c.get('s'), 'hello');
  assert.equal(await c.get('missing'), null);
  assert.equal(await c.set('s', 'x', { condition: 'NX' }), null, 'SET NX on an existing key');
  assert.equal(await c.set('ttl', 'v', { expiration: { type: 'EX', value: 100 } }), 'OK');
  const ttl = await c.ttl('ttl');
  assert.ok(ttl >= 99 && ttl <= 100, `TTL after SET EX 100 = ${ttl}`);
  assert.equal(await c.ttl('s'), -1);
  assert.equal(await c.ttl('missing'), -2);
  assert.equal(await c.mSet({ m1: 'a', m2: 'b' }), 'OK');
  assert.deepEqual(await c.mGet(['m1', 'missing', 'm2']), ['a', null, 'b']);
  assert.equal(await c.incr('ctr'), 1);
  assert.equal(await c.incrBy('ctr', 41), 42);
  assert.equal(await c.append('ctr', '0'), 3);
  assert.equal(await c.get('ctr'), '420');
  assert.equal(await c.exists(['s', 'missing', 'm1']), 2);
  assert.equal(await c.del(['s', 'missing']), 1);
  assert.equal(await c.type('m1'), 'string');
  assert.equal(await c.set('utf8:ключ', 'значение ✓'), 'OK');
  assert.equal(await c.get('utf8:ключ'), 'значение ✓');
}

async function checkBuffers(c) {
  await c.flushDb();
  const bc = c.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
  const bin = binaryValue();
  const key = Buffer.from([0x6b, 0x00, 0xff, 0x0d, 0x0a]);
  assert.equal(await bc.set(key, bin), 'OK');
  const got = await bc.get(key);
  assert.ok(Buffer.isBuffer(got), 'GET with Buffer mapping returns a Buffer');
  assert.ok(got.equals(bin), `GET binary = ${got.toString('hex')}`);
  assert.equal(await c.strLen(key), bin.length);
  assert.equal(await bc.hSet('bh', { [key.toString('latin1')]: bin, plain: 'v' }), 2);
  const hv = await bc.hGet('bh', 'plain');
  assert.ok(Buffer.isBuffer(hv) && hv.equals(Buffer.from('v')), 'HGET as Buffer');
  const [a, missing] = await bc.hmGet('bh', ['plain', 'nope']);
  assert.ok(a.equals(Buffer.from('v')));
  assert.equal(missing, null);
  // A Buffer field name with bytes that are not valid UTF-8.
  assert.equal(await bc.hSet('bh2', Buffer.from([0xc3, 0x28, 0x00]), bin), 1);
  const keys = await bc.hKeys('bh2');
  assert.equal(keys.length, 1);
  assert.ok(keys[0].equals(Buffer.from([0xc3, 0x28, 0x00])), `HKEYS = ${keys[0].toString('hex')}`);
  const vals = await bc.mGet([key, 'nope']);
  assert.ok(vals[0].equals(bin));
  assert.equal(vals[1], null);
}

async function checkHashes(c) {
  await c.flushDb();
  assert.equal(await c.hSet('user:1', { name: 'ada', age: 36, empty: '' }), 3);
  assert.equal(await c.hSet('user:1', 'city', 'London'), 1);
  assert.deepEqual({ ...(await c.hGetAll('user:1')) }, { name: 'ada', age: '36', empty: '', city: 'London' });
  assert.deepEqual({ ...(await c.hGetAll('user:none')) }, {});
  assert.equal(await c.hGet('user:1', 'name'), 'ada');
  assert.equal(await c.hGet('user:1', 'nope'), null);
  assert.deepEqual(await c.hmGet('user:1', ['name', 'nope', 'empty']), ['ada', null, '']);
  assert.equal(await c.hLen('user:1'), 4);
  assert.equal(await c.hExists('user:1', 'city'), 1);
  assert.deepEqual((await c.hKeys('user:1')).sort(), ['age', 'city', 'empty', 'name']);
  assert.equal(await c.hIncrBy('user:1', 'age', 1), 37);
  assert.equal(await c.hDel('user:1', ['name', 'nope']), 1);
  assert.equal(await c.type('user:1'), 'hash');
  // The raw reply to HGETALL is a RESP3 map, which node-redis gives as an object.
  const raw = await c.sendCommand(['HGETALL', 'user:1']);
  assert.ok(!Array.isArray(raw), `raw HGETALL is an array (${JSON.stringify(raw)}), want a RESP3 map`);
  assert.deepEqual({ ...raw }, { age: '37', empty: '', city: 'London' });
  const hello = await c.sendCommand(['HELLO', '3']);
  assert.equal(hello.proto, 3, `HELLO 3 proto = ${JSON.stringify(hello)}`);
}

async function checkPipelines(c) {
  await c.flushDb();
  // Commands issued in the same tick are pipelined automatically.
  const n = 500;
  const sets = [];
  for (let i = 0; i < n; i++) sets.push(c.set(`p:${i}`, String(i * 2)));
  assert.deepEqual(await Promise.all(sets), Array(n).fill('OK'));
  const gets = [];
  for (let i = 0; i < n; i++) gets.push(c.get(`p:${i}`));
  assert.deepEqual(await Promise.all(gets), Array.from({ length: n }, (_, i) => String(i * 2)));

  // Explicit non-transactional pipeline.
  const res = await c.multi()
    .set('a', '1')
    .incr('a')
    .get('a')
    .get('missing')
    .hSet('h', { x: '1', y: '2' })
    .hGetAll('h')
    .execAsPipeline();
  assert.equal(res.length, 6);
  assert.deepEqual(res.slice(0, 5), ['OK', 2, '2', null, 2]);
  assert.deepEqual({ ...res[5] }, { x: '1', y: '2' });

  // MULTI/EXEC.
  const tx = await c.multi()
    .set('tx', '10')
    .incrBy('tx', 5)
    .get('tx')
    .expire('tx', 3600)
    .ttl('tx')
    .exec();
  assert.deepEqual(tx, ['OK', 15, '15', 1, 3600]);

  // A run-time error inside MULTI fails exec but the other commands ran.
  try {
    await c.multi().set('t1', 'text').incr('t1').set('t2', 'ok').exec();
    assert.fail('exec with a failing INCR did not throw');
  } catch (err) {
    assert.ok(err instanceof ErrorReply, `exec error ${err}`);
    const errs = [...err.errors()];
    assert.equal(errs.length, 1);
    assert.equal(errs[0].message, NOT_INTEGER);
    assert.deepEqual(err.errorIndexes, [1]);
    assert.equal(err.replies[0], 'OK');
    assert.equal(err.replies[2], 'OK');
  }
  assert.equal(await c.get('t2'), 'ok');
}

async function checkWatch(c) {
  await c.flushDb();
  const workers = 4;
  const perWorker = 100;
  let retries = 0;
  async function worker() {
    const w = await connect();
    for (let i = 0; i < perWorker; i++) {
      for (;;) {
        await w.watch('counter');
        const cur = Number((await w.get('counter')) ?? 0);
        try {
          await w.multi().set('counter', String(cur + 1)).exec();
          break;
        } catch (err) {
          if (!(err instanceof WatchError)) throw err;
          retries++;
        }
      }
    }
  }
  await Promise.all(Array.from({ length: workers }, worker));
  assert.equal(await c.get('counter'), String(workers * perWorker), `counter after ${retries} retries`);

  const w = await connect();
  await w.watch('counter');
  await c.set('counter', 'changed');
  await assert.rejects(w.multi().set('counter', 'mine').exec(), WatchError);
  assert.equal(await c.get('counter'), 'changed');
}

async function checkScan(c) {
  await c.flushDb();
  const sets = [];
  for (let i = 0; i < 5000; i++) sets.push(c.set(`item:${i}`, String(i)));
  for (let i = 0; i < 100; i++) sets.push(c.hSet(`hash:${i}`, 'f', String(i)));
  await Promise.all(sets);
  const seen = new Set();
  for await (const keys of c.scanIterator({ COUNT: 100 })) {
    for (const k of keys) seen.add(k);
  }
  assert.equal(seen.size, 5100, 'scanIterator saw every key');
  const matched = new Set();
  for await (const keys of c.scanIterator({ MATCH: 'item:12*', COUNT: 200 })) {
    for (const k of keys) matched.add(k);
  }
  const want = new Set();
  for (let i = 0; i < 5000; i++) if (String(i).startsWith('12')) want.add(`item:${i}`);
  assert.deepEqual(matched, want, 'scanIterator MATCH item:12*');
  const hashes = new Set();
  for await (const keys of c.scanIterator({ TYPE: 'hash', COUNT: 500 })) {
    for (const k of keys) hashes.add(k);
  }
  assert.equal(hashes.size, 100, 'scanIterator TYPE hash');
  for (const k of hashes) assert.ok(k.startsWith('hash:'), k);
  const entries = [];
  for await (const page of c.hScanIterator('hash:5')) entries.push(...page);
  assert.deepEqual(entries, [{ field: 'f', value: '5' }]);
}

async function checkErrors(c) {
  await c.flushDb();
  await c.hSet('h', 'f', 'v');
  await c.set('s', 'x');
  await rejects(c.get('h'), WRONGTYPE, 'GET hash');
  await rejects(c.hGet('s', 'f'), WRONGTYPE, 'HGET string');
  await rejects(c.hGetAll('s'), WRONGTYPE, 'HGETALL string');
  await rejects(c.incr('s'), NOT_INTEGER, 'INCR string');
  await rejects(c.sendCommand(['FOO', 'bar']), "ERR unknown command 'FOO', with args beginning with: 'bar' ", 'unknown command');
  assert.equal(await c.get('s'), 'x', 'connection usable after errors');
}

async function checkExpiry(c) {
  await c.flushDb();
  await c.set('px', 'v', { expiration: { type: 'PX', value: 200 } });
  await c.hSet('hx', 'f', 'v');
  assert.equal(await c.pExpire('hx', 200), 1);
  await c.set('keep', 'v');
  assert.equal(await c.expire('keep', 60), 1);
  assert.equal(await c.persist('keep'), 1);
  await new Promise((r) => setTimeout(r, 600));
  assert.equal(await c.get('px'), null);
  assert.deepEqual({ ...(await c.hGetAll('hx')) }, {});
  assert.equal(await c.exists(['px', 'hx']), 0);
  assert.deepEqual(await c.keys('*'), ['keep']);
  assert.equal(await c.ttl('keep'), -1);
}

const checks = [
  ['strings', checkStrings],
  ['buffers', checkBuffers],
  ['hashes', checkHashes],
  ['pipelines', checkPipelines],
  ['watch', checkWatch],
  ['scan', checkScan],
  ['errors', checkErrors],
  ['expiry', checkExpiry],
];

let failed = false;
try {
  const c = await connect();
  for (const [name, fn] of checks) {
    try {
      await fn(c);
      console.log(`ok   ${name}`);
    } catch (err) {
      console.error(`FAIL ${name}:`, err);
      failed = true;
      break;
    }
  }
} catch (err) {
  console.error('FAIL connect:', err);
  failed = true;
} finally {
  for (const c of clients) {
    try {
      c.destroy();
    } catch {
      // already closed
    }
  }
}
if (failed) process.exit(1);
console.log('node-redis: all checks passed');
