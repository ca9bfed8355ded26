/** One call awaiting a worker thread's reply. */
export interface PendingCall<T> {
  resolve(v: T): void;
  reject(e: Error): void;
}

/** Calls awaiting a worker's reply, by id; ids are slot numbers, reused once their reply has come. */
export interface PendingCalls<T> {
  readonly size: number;
  /** Files a call and returns its id. */
  add(call: PendingCall<T>): number;
  /** Removes and returns the call with `id` (undefined if there is none). */
  take(id: number): PendingCall<T> | undefined;
  /** Removes and returns every call. */
  drain(): PendingCall<T>[];
}

/**
 * A slot table for in-flight worker calls. Not a Map on purpose: a Map that takes a set and a delete per request
 * keeps rehashing as deleted entries fill it, and V8 links each obsolete hash table to its successor. Once a major GC
 * had promoted one table, every scavenge kept the next one alive through that dead old-space pointer, with the
 * requests its entries referenced, and promoted them: the server's promotion rate rose from ~0 to ~5 MB/s and a
 * Mark-Compact followed every second or so, for good (ONNX CNN at 16 connections: p99 3.5–4 → 7–11 ms after the first
 * major GC, ~100 s into a run). A plain array with a free list allocates only when concurrency grows.
 */
export function pendingCalls<T>(): PendingCalls<T> {
  const slots: (PendingCall<T> | undefined)[] = [];
  const free: number[] = [];
  return {
    get size() {
      return slots.length - free.length;
    },
    add(call) {
      const id = free.length > 0 ? free.pop()! : slots.length;
      slots[id] = call;
      return id;
    },
    take(id) {
      const call = slots[id];
      if (call === undefined) return undefined;
      slots[id] = undefined;
      free.push(id);
      return call;
    },
    drain() {
      const calls = slots.filter((c): c is PendingCall<T> => c !== undefined);
      slots.length = 0;
      free.length = 0;
      return calls;
    },
  };
}
