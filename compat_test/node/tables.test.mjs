// MURR.* table commands through node-redis, with Arrow IPC built and read
// by apache-arrow (JS), as a Node inference service would use them.
//
// Run as: node tables.test.mjs HOST PORT
//
// Exits non-zero on the first failed check and prints
// "node-redis tables: all checks passed" otherwise.

import assert from 'node:assert/strict';
import { createClient, RESP_TYPES, ErrorReply } from 'redis';
import {
  vectorFromArray, Table, tableToIPC, tableFromIPC, Field, Type,
  Utf8, Float32, Float64, Int64, List, FixedSizeList,
} from 'apache-arrow';

const [host, portArg] = process.argv.slice(2);
const port = Number(portArg);
if (!host || !port) {
  console.error('usage: node tables.test.mjs HOST PORT');
  process.exit(2);
}

const TABLE = 'node_items';
const f32 = Math.fround;
const MAX_F32 = f32(3.4028234663852886e38);

const clients = [];
async function connect(options = {}) {
  const c = createClient({ socket: { host, port }, ...options });
  c.on('error', (err) => console.error('client error:', err));
  await c.connect();
  clients.push(c);
  return c;
}

// Replies of bulk strings as Buffers, which an Arrow reply needs.
const asBuffers = { typeMapping: { [RESP_TYPES.BLOB_STRING]: Buffer } };

function ipcBuffer(table) {
  const u8 = tableToIPC(table, 'stream');
  return Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);
}

const listF32 = () => new List(new Field('item', new Float32(), true));
const embF32 = () => new FixedSizeList(3, new Field('item', new Float32(), true));

// The rows written first, by key.
const rows = {
  a: { score: 1.5, name: 'alpha', count: 1n, vec: [1, 2.5], emb: [1, 2, 3] },
  b: { score: null, name: null, count: -(2n ** 40n), vec: [], emb: null },
  'ключ': { score: -0.25, name: 'ünï ✓', count: 2n ** 53n + 1n, vec: [f32(0.1)], emb: [4, 5, 6] },
  c: { score: MAX_F32, name: '', count: null, vec: null, emb: [0, -1, 1e-3] },
};

function rowsTable(keys, data) {
  const col = (name) => keys.map((k) => data[k][name]);
  return new Table({
    id: vectorFromArray(keys, new Utf8()),
    score: vectorFromArray(col('score'), new Float32()),
    name: vectorFromArray(col('name'), new Utf8()),
    count: vectorFromArray(col('count'), new Int64()),
    vec: vectorFromArray(col('vec'), listF32()),
    emb: vectorFromArray(col('emb'), embF32()),
  });
}

// Plain JS values of one cell: lists as arrays of numbers.
function cell(vector, i) {
  const v = vector.get(i);
  if (v != null && typeof v === 'object' && typeof v.toArray === 'function') return Array.from(v.toArray());
  return v;
}

// The row the table must return for key (every column null if missing).
function expected(key, data) {
  const r = data[key];
  if (!r) return { id: null, score: null, name: null, count: null, vec: null, emb: null };
  return {
    id: key,
    score: r.score == null ? null : f32(r.score),
    name: r.name,
    count: r.count,
    vec: r.vec == null ? null : r.vec.map(f32),
    emb: r.emb == null ? null : r.emb.map(f32),
  };
}

async function murrRead(c, args) {
  const reply = await c.sendCommand(['MURR.READ', TABLE, ...args], asBuffers);
  assert.ok(Buffer.isBuffer(reply), `MURR.READ reply is ${typeof reply}, want a Buffer`);
  return tableFromIPC(reply);
}

function checkRows(what, table, keys, data) {
  assert.equal(table.numRows, keys.length, `${what}: rows`);
  assert.equal(table.batches.length, 1, `${what}: record batches`);
  const names = table.schema.fields.map((f) => f.name);
  keys.forEach((key, i) => {
    const got = {};
    for (const n of names) got[n] = cell(table.getChild(n), i);
    const want = expected(key, data);
    const wantSome = {};
    for (const n of names) wantSome[n] = want[n];
    assert.deepStrictEqual(got, wantSome, `${what}: row ${i} (key ${JSON.stringify(key)})`);
  });
}

async function checkCreate(c) {
  await c.sendCommand(['MURR.DROP', TABLE]);
  const ok = await c.sendCommand(['MURR.CREATE', TABLE, 'KEY', 'id', 'COLUMNS',
    'score', 'float32', 'name', 'utf8', 'count', 'int64',
    'vec', 'list<float32>', 'emb', 'fixed_size_list<float32,3>']);
  assert.equal(ok, 'OK');
  await assert.rejects(
    c.sendCommand(['MURR.CREATE', TABLE, 'COLUMNS', 'x', 'int8']),
    (err) => err instanceof ErrorReply && err.message === `ERR table '${TABLE}' already exists`,
    'MURR.CREATE of an existing table',
  );
  const tables = await c.sendCommand(['MURR.TABLES']);
  assert.ok(tables.includes(TABLE), `MURR.TABLES = ${JSON.stringify(tables)}`);
}

async function checkWriteRead(c) {
  const keys = Object.keys(rows);
  const n = await c.sendCommand(['MURR.WRITE', TABLE, ipcBuffer(rowsTable(keys, rows))]);
  assert.equal(n, keys.length, 'MURR.WRITE reply');

  // Request order, a missing key and a duplicate.
  const ask = ['b', 'missing', 'a', 'ключ', 'a', 'c'];
  const t = await murrRead(c, ['KEYS', ...ask]);
  const types = Object.fromEntries(t.schema.fields.map((f) => [f.name, f.type]));
  assert.deepEqual(t.schema.fields.map((f) => f.name), ['id', 'score', 'name', 'count', 'vec', 'emb'], 'reply columns');
  assert.equal(types.id.typeId, Type.Utf8, `id is ${types.id}`);
  assert.ok(types.score.typeId === Type.Float && String(types.score) === 'Float32', `score is ${types.score}`);
  assert.ok(types.count.typeId === Type.Int && types.count.bitWidth === 64 && types.count.isSigned, `count is ${types.count}`);
  assert.ok(types.vec.typeId === Type.List && String(types.vec.children[0].type) === 'Float32', `vec is ${types.vec}`);
  assert.ok(types.emb.typeId === Type.FixedSizeList && types.emb.listSize === 3 &&
    String(types.emb.children[0].type) === 'Float32', `emb is ${types.emb}`);
  checkRows('MURR.READ', t, ask, rows);
  // Int64 comes back exactly, as a BigInt, beyond 2^53.
  assert.equal(t.getChild('count').get(3), 9007199254740993n);

  // A projection, the key column named, in the order asked.
  const p = await murrRead(c, ['COLUMNS', '3', 'count', 'id', 'vec', 'KEYS', 'c', 'nope', 'b']);
  assert.deepEqual(p.schema.fields.map((f) => f.name), ['count', 'id', 'vec'], 'projected columns');
  checkRows('MURR.READ COLUMNS', p, ['c', 'nope', 'b'], rows);
}

async function checkPartialWrite(c) {
  // Only id and score: the other columns keep their values; a new key
  // gets nulls in them.
  const part = new Table({
    id: vectorFromArray(['a', 'new'], new Utf8()),
    score: vectorFromArray([2, 7.25], new Float32()),
  });
  assert.equal(await c.sendCommand(['MURR.WRITE', TABLE, ipcBuffer(part)]), 2);
  rows.a = { ...rows.a, score: 2 };
  rows.new = { score: 7.25, name: null, count: null, vec: null, emb: null };
  checkRows('MURR.READ after a partial write', await murrRead(c, ['KEYS', 'a', 'new', 'b']), ['a', 'new', 'b'], rows);

  // float64 for a float32 column: refused (with the documented message,
  // changing nothing), accepted with CAST.
  const wide = new Table({
    id: vectorFromArray(['a', 'b'], new Utf8()),
    score: vectorFromArray([100.5, -1], new Float64()),
  });
  await assert.rejects(
    c.sendCommand(['MURR.WRITE', TABLE, ipcBuffer(wide)]),
    (err) => err instanceof ErrorReply &&
      err.message === `ERR column 'score' is float64 in the batch but float32 in table '${TABLE}'`,
    'MURR.WRITE of float64 into float32',
  );
  checkRows('MURR.READ after a refused write', await murrRead(c, ['KEYS', 'a', 'b']), ['a', 'b'], rows);
  assert.equal(await c.sendCommand(['MURR.WRITE', TABLE, ipcBuffer(wide), 'CAST']), 2);
  rows.a = { ...rows.a, score: 100.5 };
  rows.b = { ...rows.b, score: -1 };
  checkRows('MURR.READ after a CAST write', await murrRead(c, ['KEYS', 'b', 'a']), ['b', 'a'], rows);

  await assert.rejects(
    c.sendCommand(['MURR.WRITE', TABLE, Buffer.from('not an arrow stream')]),
    (err) => err instanceof ErrorReply && err.message.startsWith('ERR'),
    'MURR.WRITE of garbage',
  );
  await assert.rejects(
    c.sendCommand(['MURR.READ', 'no_such_table', 'KEYS', 'a']),
    (err) => err instanceof ErrorReply && err.message === "ERR no such table 'no_such_table'",
    'MURR.READ of an unknown table',
  );
}

async function checkFormatRESP3(c) {
  // RESP3 (node-redis's default): per key a map, or null if missing.
  const reply = await c.sendCommand(['MURR.READ', TABLE, 'FORMAT', 'RESP', 'KEYS', 'a', 'missing', 'b']);
  assert.ok(Array.isArray(reply) && reply.length === 3, `FORMAT RESP (RESP3) = ${JSON.stringify(reply, big)}`);
  assert.equal(reply[1], null, 'missing key');
  for (const m of [reply[0], reply[2]]) {
    assert.ok(m !== null && typeof m === 'object' && !Array.isArray(m), `row ${JSON.stringify(m, big)} is not a map`);
  }
  assert.deepEqual({ ...reply[0] }, { id: 'a', score: 100.5, name: 'alpha', count: 1, vec: [1, 2.5], emb: [1, 2, 3] });
  assert.deepEqual({ ...reply[2] }, { id: 'b', score: -1, name: null, count: -1099511627776, vec: [], emb: null });
}

async function checkFormatRESP2() {
  // RESP2: per key an array of flat column/value pairs with values as
  // text (lists as arrays of text), or null if missing.
  const c = await connect({ RESP: 2 });
  const reply = await c.sendCommand(['MURR.READ', TABLE, 'FORMAT', 'RESP', 'COLUMNS', '5', 'id', 'score', 'name', 'count', 'vec',
    'KEYS', 'ключ', 'missing', 'b', 'ключ']);
  assert.ok(Array.isArray(reply) && reply.length === 4, `FORMAT RESP (RESP2) = ${JSON.stringify(reply)}`);
  assert.equal(reply[1], null, 'missing key');
  for (const i of [0, 2, 3]) {
    const r = reply[i];
    assert.ok(Array.isArray(r) && r.length === 10, `row ${i} = ${JSON.stringify(r)}, want 5 flat pairs`);
    assert.deepEqual(r.filter((_, j) => j % 2 === 0), ['id', 'score', 'name', 'count', 'vec'], `row ${i} names`);
  }
  assert.deepEqual(reply[0], reply[3], 'a duplicate key gives the same row');
  const [, id, , score, , name, , count, , vec] = reply[0];
  assert.equal(id, 'ключ');
  assert.equal(typeof score, 'string');
  assert.equal(f32(Number(score)), f32(-0.25));
  assert.equal(name, 'ünï ✓');
  assert.equal(count, '9007199254740993', 'int64 as its exact decimal text');
  assert.ok(Array.isArray(vec) && vec.length === 1 && typeof vec[0] === 'string', `vec = ${JSON.stringify(vec)}`);
  assert.equal(f32(Number(vec[0])), f32(0.1));
  const b = reply[2];
  assert.equal(b[1], 'b');
  assert.equal(Number(b[3]), -1);
  assert.equal(b[5], null, 'null name');
  assert.equal(b[7], '-1099511627776');
  assert.deepEqual(b[9], [], 'empty list');

  // MURR.DESCRIBE in RESP2: flat pairs too.
  const d = await c.sendCommand(['MURR.DESCRIBE', TABLE]);
  assert.ok(Array.isArray(d) && d.length % 2 === 0, `MURR.DESCRIBE (RESP2) = ${JSON.stringify(d)}`);
  const desc = {};
  for (let i = 0; i < d.length; i += 2) desc[d[i]] = d[i + 1];
  assert.equal(desc.rows, 5, `MURR.DESCRIBE rows in ${JSON.stringify(d)}`);
  assert.equal(desc.key, 'id');
}

async function checkDrop(c) {
  assert.equal(await c.sendCommand(['MURR.DROP', TABLE]), 1);
  assert.equal(await c.sendCommand(['MURR.DROP', TABLE]), 0);
  await assert.rejects(
    c.sendCommand(['MURR.READ', TABLE, 'KEYS', 'a']),
    (err) => err instanceof ErrorReply && err.message === `ERR no such table '${TABLE}'`,
    'MURR.READ after MURR.DROP',
  );
}

function big(_, v) {
  return typeof v === 'bigint' ? `${v}n` : v;
}

const checks = [
  ['create', checkCreate],
  ['write and read', checkWriteRead],
  ['partial write, cast, errors', checkPartialWrite],
  ['FORMAT RESP (RESP3)', checkFormatRESP3],
  ['FORMAT RESP (RESP2)', checkFormatRESP2],
  ['drop', checkDrop],
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
console.log('node-redis tables: all checks passed');
