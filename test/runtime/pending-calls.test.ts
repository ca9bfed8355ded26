import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pendingCalls, type PendingCall } from '../../src/runtime/pending-calls.js';

const call = (log: string[], name: string): PendingCall<number> => ({
  resolve: (v) => log.push(`${name}=${v}`),
  reject: (e) => log.push(`${name}!${e.message}`),
});

test('each call gets its own id; take returns it once; a freed id is reused', () => {
  const log: string[] = [];
  const p = pendingCalls<number>();
  const a = p.add(call(log, 'a'));
  const b = p.add(call(log, 'b'));
  assert.notEqual(a, b);
  assert.equal(p.size, 2);
  p.take(b)!.resolve(2);
  assert.equal(p.take(b), undefined, 'a reply for an id already answered finds nothing');
  assert.equal(p.take(99), undefined);
  assert.equal(p.size, 1);
  const c = p.add(call(log, 'c'));
  assert.equal(c, b, 'the freed slot is reused, so the table only grows with concurrency');
  p.take(c)!.resolve(3);
  p.take(a)!.resolve(1);
  assert.deepEqual(log, ['b=2', 'c=3', 'a=1']);
  assert.equal(p.size, 0);
});

test('drain hands back every pending call once and leaves the table empty and usable', () => {
  const log: string[] = [];
  const p = pendingCalls<number>();
  const ids = ['a', 'b', 'c'].map((n) => p.add(call(log, n)));
  p.take(ids[1]!);
  const rest = p.drain();
  assert.equal(rest.length, 2);
  for (const r of rest) r.reject(new Error('worker exited'));
  assert.deepEqual(log.sort(), ['a!worker exited', 'c!worker exited']);
  assert.equal(p.size, 0);
  assert.equal(p.drain().length, 0);
  for (const id of ids) assert.equal(p.take(id), undefined);
  const d = p.add(call(log, 'd'));
  p.take(d)!.resolve(4);
  assert.equal(log.at(-1), 'd=4');
});

test('a thousand overlapping calls at 16 in flight use 16 slots', () => {
  const p = pendingCalls<number>();
  const inFlight: number[] = [];
  let maxId = 0;
  for (let i = 0; i < 1000; i++) {
    if (inFlight.length === 16) p.take(inFlight.shift()!)!.resolve(i);
    const id = p.add({ resolve: () => undefined, reject: () => undefined });
    maxId = Math.max(maxId, id);
    inFlight.push(id);
  }
  assert.equal(p.size, 16);
  assert.equal(maxId, 15);
});
