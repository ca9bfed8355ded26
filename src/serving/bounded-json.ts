import { SlipwayError } from '../errors/index.js';

/**
 * A rectangular array of numbers (any depth ≥ 1) as parsed from a request body: its shape and its values in
 * row-major order. The bounded parser returns these instead of nested JS arrays under the keys that carry tensors,
 * so a 28×28 image is one Float64Array and not 29 arrays of boxed numbers that are walked again afterwards.
 */
export class NumericArray {
  /** Set once parsing ends (values live in one growable buffer while parsing). */
  data: Float64Array = EMPTY;
  constructor(
    readonly shape: number[],
    readonly offset: number,
  ) {}
}

const EMPTY = new Float64Array(0);

/** Limits enforced while parsing, before anything is built from the body. */
export interface JsonLimits {
  /** Deepest nesting of arrays and objects (default 64). */
  readonly maxDepth?: number;
  /** Most values in all arrays and objects together (default 4,194,304). */
  readonly maxElements?: number;
  /** Keys under which rectangular numeric arrays come back as NumericArray (nearest enclosing key decides). */
  readonly packKeys?: ReadonlySet<string>;
}

// Powers of ten that are exact doubles: m·10^e with m < 2^53 and |e| ≤ 22 is then correctly rounded (Clinger).
const POW10 = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));
const MAX_EXACT = 2 ** 53;

const enum Ch {
  Tab = 9,
  Nl = 10,
  Cr = 13,
  Space = 32,
  Quote = 34,
  Plus = 43,
  Comma = 44,
  Minus = 45,
  Dot = 46,
  Slash = 47,
  Zero = 48,
  Nine = 57,
  Colon = 58,
  E = 69,
  LBracket = 91,
  Backslash = 92,
  RBracket = 93,
  LowerE = 101,
  LBrace = 123,
  RBrace = 125,
}

const ESCAPES: Record<number, string> = { 34: '"', 92: '\\', 47: '/', 98: '\b', 102: '\f', 110: '\n', 114: '\r', 116: '\t' };

class Parser {
  i = 0;
  depth = 0;
  elements = 0;
  nums = new Float64Array(1024);
  n = 0;
  readonly packed: NumericArray[] = [];
  readonly maxDepth: number;
  readonly maxElements: number;
  constructor(
    readonly b: Buffer,
    limits: JsonLimits,
  ) {
    this.maxDepth = limits.maxDepth ?? 64;
    this.maxElements = limits.maxElements ?? 4_194_304;
    this.packKeys = limits.packKeys;
  }
  readonly packKeys: ReadonlySet<string> | undefined;

  fail(what: string): never {
    const at = this.i < this.b.length ? `byte ${this.i}` : 'the end of the body';
    throw new SlipwayError('MALFORMED_JSON', `the body is not valid JSON: ${what} at ${at}. Send one JSON object.`);
  }

  ws(): void {
    const b = this.b;
    let i = this.i;
    for (;;) {
      const c = b[i];
      if (c === Ch.Space || c === Ch.Nl || c === Ch.Cr || c === Ch.Tab) i++;
      else break;
    }
    this.i = i;
  }

  count(): void {
    if (++this.elements > this.maxElements) this.tooMany();
  }

  tooMany(): never {
    throw new SlipwayError('BODY_TOO_LARGE', `the body holds more than ${this.maxElements} values; send fewer instances per request.`);
  }

  enter(): void {
    if (++this.depth > this.maxDepth)
      throw new SlipwayError(
        'REQUEST_TOO_COMPLEX',
        `the body nests arrays and objects more than ${this.maxDepth} deep; no model input needs that.`,
      );
  }

  value(pack: boolean): unknown {
    this.ws();
    const c = this.b[this.i];
    if (c === Ch.LBrace) return this.object();
    if (c === Ch.LBracket) return this.array(pack);
    if (c === Ch.Quote) return this.string();
    if (c === Ch.Minus || (c !== undefined && c >= Ch.Zero && c <= Ch.Nine)) return this.number();
    if (this.word('true')) return true;
    if (this.word('false')) return false;
    if (this.word('null')) return null;
    return this.fail(c === undefined ? 'unexpected end' : `unexpected character ${JSON.stringify(String.fromCharCode(c))}`);
  }

  word(w: string): boolean {
    const b = this.b;
    for (let k = 0; k < w.length; k++) if (b[this.i + k] !== w.charCodeAt(k)) return false;
    this.i += w.length;
    return true;
  }

  number(): number {
    const b = this.b;
    const start = this.i;
    let i = start;
    let neg = false;
    if (b[i] === Ch.Minus) {
      neg = true;
      i++;
    }
    let m = 0;
    let exp = 0;
    let exact = true;
    let c = b[i];
    if (c === Ch.Zero) {
      c = b[++i];
    } else if (c !== undefined && c > Ch.Zero && c <= Ch.Nine) {
      while (c !== undefined && c >= Ch.Zero && c <= Ch.Nine) {
        if (m < MAX_EXACT / 10) m = m * 10 + (c - Ch.Zero);
        else exact = false;
        c = b[++i];
      }
    } else {
      this.i = i;
      this.fail('a number needs a digit');
    }
    if (c === Ch.Dot) {
      c = b[++i];
      const fracStart = i;
      while (c !== undefined && c >= Ch.Zero && c <= Ch.Nine) {
        if (m < MAX_EXACT / 10) {
          m = m * 10 + (c - Ch.Zero);
          exp--;
        } else if (c !== Ch.Zero) exact = false;
        c = b[++i];
      }
      if (i === fracStart) {
        this.i = i;
        this.fail('a digit must follow the decimal point');
      }
    }
    if (c === Ch.LowerE || c === Ch.E) {
      c = b[++i];
      let eneg = false;
      if (c === Ch.Plus || c === Ch.Minus) {
        eneg = c === Ch.Minus;
        c = b[++i];
      }
      const expStart = i;
      let e = 0;
      while (c !== undefined && c >= Ch.Zero && c <= Ch.Nine) {
        if (e < 100_000) e = e * 10 + (c - Ch.Zero);
        c = b[++i];
      }
      if (i === expStart) {
        this.i = i;
        this.fail('a digit must follow the exponent');
      }
      exp += eneg ? -e : e;
    }
    this.i = i;
    let v: number;
    if (exact && exp >= -22 && exp <= 22) v = exp < 0 ? m / POW10[-exp]! : m * POW10[exp]!;
    else return Number(this.b.toString('latin1', start, i));
    return neg ? -v : v;
  }

  string(): string {
    const b = this.b;
    let i = this.i + 1;
    const start = i;
    for (;;) {
      const c = b[i];
      if (c === Ch.Quote) {
        this.i = i + 1;
        return b.toString('utf8', start, i);
      }
      if (c === Ch.Backslash) break;
      if (c === undefined) {
        this.i = i;
        this.fail('unterminated string');
      }
      if (c < 0x20) {
        this.i = i;
        this.fail('control character in a string');
      }
      i++;
    }
    let out = b.toString('utf8', start, i);
    let seg = i;
    for (;;) {
      const c = b[i];
      if (c === Ch.Quote) {
        this.i = i + 1;
        return out + b.toString('utf8', seg, i);
      }
      if (c === undefined) {
        this.i = i;
        this.fail('unterminated string');
      }
      if (c < 0x20) {
        this.i = i;
        this.fail('control character in a string');
      }
      if (c !== Ch.Backslash) {
        i++;
        continue;
      }
      out += b.toString('utf8', seg, i);
      const e = b[i + 1];
      if (e === 117) {
        const hex = b.toString('latin1', i + 2, i + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
          this.i = i;
          this.fail('bad \\u escape');
        }
        out += String.fromCharCode(parseInt(hex, 16));
        i += 6;
      } else {
        const r = e === undefined ? undefined : ESCAPES[e];
        if (r === undefined) {
          this.i = i;
          this.fail('bad escape');
        }
        out += r;
        i += 2;
      }
      seg = i;
    }
  }

  object(): Record<string, unknown> {
    this.enter();
    this.i++;
    const o: Record<string, unknown> = {};
    this.ws();
    if (this.b[this.i] === Ch.RBrace) {
      this.i++;
      this.depth--;
      return o;
    }
    for (;;) {
      this.ws();
      if (this.b[this.i] !== Ch.Quote) this.fail('expected a quoted key');
      const key = this.string();
      // Fastify's default parser refuses prototype poisoning too; plain assignment of "__proto__" would set the prototype.
      if (key === '__proto__') this.fail('"__proto__" is not accepted as a key');
      this.ws();
      if (this.b[this.i] !== Ch.Colon) this.fail('expected ":"');
      this.i++;
      this.count();
      o[key] = this.value(this.packKeys?.has(key) ?? false);
      this.ws();
      const c = this.b[this.i];
      this.i++;
      if (c === Ch.Comma) continue;
      if (c === Ch.RBrace) break;
      this.i--;
      this.fail('expected "," or "}"');
    }
    this.depth--;
    return o;
  }

  grow(): void {
    const grown = new Float64Array(this.nums.length * 2);
    grown.set(this.nums);
    this.nums = grown;
  }

  /**
   * Numbers of a leaf list straight into the buffer, up to "]" (false) or a non-number element (true, after its ",").
   * The hot loop of a predict request: plain decimals (digits, an optional fraction, at most 15 significant digits)
   * are read inline with locals only; anything else (exponents, long mantissas) goes through number().
   */
  leafRun(): boolean {
    const b = this.b;
    const len = b.length;
    let nums = this.nums;
    let n = this.n;
    let i = this.i;
    for (;;) {
      if (n === nums.length) {
        this.n = n;
        this.grow();
        nums = this.nums;
      }
      const start = i;
      let c = b[i]!;
      const neg = c === Ch.Minus;
      if (neg) c = b[++i]!;
      const intStart = i;
      let m = 0;
      let digits = 0;
      let scale = 0;
      // Integer part: "0" or a non-zero digit and more digits (a leading zero ends it, as JSON requires).
      if (c === Ch.Zero) {
        c = b[++i]!;
      } else {
        while (i < len && c >= Ch.Zero && c <= Ch.Nine) {
          m = m * 10 + (c - Ch.Zero);
          digits++;
          c = b[++i]!;
        }
      }
      let ok = i < len && i > intStart;
      if (ok && c === Ch.Dot) {
        c = b[++i]!;
        const fracStart = i;
        while (i < len && c >= Ch.Zero && c <= Ch.Nine) {
          m = m * 10 + (c - Ch.Zero);
          scale++;
          c = b[++i]!;
        }
        ok = i > fracStart;
      }
      if (ok && c !== Ch.LowerE && c !== Ch.E && digits + scale <= 15 && i < len) {
        const v = scale === 0 ? m : m / POW10[scale]!;
        nums[n++] = neg ? -v : v;
      } else {
        // Not a plain decimal: the general reader, from the number's start (it reports malformed numbers).
        this.i = start;
        nums[n++] = this.number();
        i = this.i;
        c = b[i]!;
      }
      if (++this.elements > this.maxElements) this.tooMany();
      while (c === Ch.Space || c === Ch.Nl || c === Ch.Cr || c === Ch.Tab) c = b[++i]!;
      if (c === Ch.RBracket) {
        this.i = i + 1;
        this.n = n;
        return false;
      }
      if (c !== Ch.Comma || i >= len) {
        this.i = i;
        this.n = n;
        this.fail('expected "," or "]"');
      }
      c = b[++i]!;
      while (c === Ch.Space || c === Ch.Nl || c === Ch.Cr || c === Ch.Tab) c = b[++i]!;
      if (!(c === Ch.Minus || (i < len && c >= Ch.Zero && c <= Ch.Nine))) {
        this.i = i;
        this.n = n;
        return true;
      }
    }
  }

  isNumberStart(c: number | undefined): boolean {
    return c === Ch.Minus || (c !== undefined && c >= Ch.Zero && c <= Ch.Nine);
  }

  /** After an element: true when the array goes on (","), false at "]". */
  next(): boolean {
    this.ws();
    const c = this.b[this.i];
    if (c === Ch.Comma) {
      this.i++;
      return true;
    }
    if (c === Ch.RBracket) {
      this.i++;
      return false;
    }
    return this.fail('expected "," or "]"');
  }

  array(pack: boolean): unknown {
    this.enter();
    this.i++;
    this.ws();
    if (this.b[this.i] === Ch.RBracket) {
      this.i++;
      this.depth--;
      return [];
    }
    const items: unknown[] = [];
    if (pack && this.isNumberStart(this.b[this.i])) {
      // Leaf run: numbers straight into the shared buffer.
      const start = this.n;
      const more = this.leafRun();
      if (!more) {
        this.depth--;
        return this.pack([this.n - start], start);
      }
      // Mixed list: what was read becomes plain numbers.
      for (let k = start; k < this.n; k++) items.push(this.nums[k]);
      this.n = start;
    } else if (pack && this.b[this.i] === Ch.LBracket) {
      // Rows: packed while every row is a packed array of the first row's shape, laid out right after the previous one.
      this.count();
      const first = this.value(true);
      items.push(first);
      let more = this.next();
      if (first instanceof NumericArray) {
        const per = first.shape.reduce((a, b) => a * b, 1);
        let rectangular = true;
        while (more) {
          this.count();
          const row = this.value(true);
          items.push(row);
          more = this.next();
          if (
            !(row instanceof NumericArray) ||
            row.offset !== first.offset + per * (items.length - 1) ||
            row.shape.length !== first.shape.length ||
            row.shape.some((d, k) => d !== first.shape[k])
          ) {
            rectangular = false;
            break;
          }
        }
        if (rectangular && !more) {
          this.depth--;
          // The rows become part of this array: they were the last ones packed, and need no view of their own.
          this.packed.length -= items.length;
          return this.pack([items.length, ...first.shape], first.offset);
        }
      }
      if (!more) {
        this.depth--;
        return items;
      }
    }
    for (;;) {
      this.count();
      items.push(this.value(pack));
      if (!this.next()) break;
    }
    this.depth--;
    return items;
  }

  pack(shape: number[], offset: number): NumericArray {
    const a = new NumericArray(shape, offset);
    this.packed.push(a);
    return a;
  }
}

/**
 * Parses a JSON body in one pass with its depth and element limits enforced as it goes (an 8-million-level body is
 * refused at level maxDepth+1, having built nothing). Under `packKeys`, rectangular numeric arrays come back as
 * NumericArray. Throws MALFORMED_JSON, REQUEST_TOO_COMPLEX or BODY_TOO_LARGE.
 */
export function parseBoundedJson(body: Buffer, limits: JsonLimits = {}): unknown {
  const p = new Parser(body, limits);
  // A UTF-8 byte order mark is tolerated, as JSON.parse of a decoded body would after stripping it.
  if (body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) p.i = 3;
  p.ws();
  if (p.i >= body.length) p.fail('empty body');
  const v = p.value(false);
  p.ws();
  if (p.i < body.length) p.fail('unexpected data after the JSON value');
  for (const a of p.packed) a.data = p.nums.subarray(a.offset, a.offset + a.shape.reduce((x, y) => x * y, 1));
  return v;
}

/** Nested plain arrays for any NumericArray inside a parsed value (for code paths that take plain JSON). */
export function toPlain(v: unknown): unknown {
  if (v instanceof NumericArray) return nestFlat(v.data, v.shape, 0, 0);
  if (Array.isArray(v)) return v.map(toPlain);
  if (typeof v === 'object' && v !== null) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) o[k] = toPlain(x);
    return o;
  }
  return v;
}

function nestFlat(data: Float64Array, shape: readonly number[], dim: number, off: number): unknown[] {
  const n = shape[dim]!;
  if (dim === shape.length - 1) return Array.from(data.subarray(off, off + n));
  const per = shape.slice(dim + 1).reduce((a, b) => a * b, 1);
  return Array.from({ length: n }, (_, k) => nestFlat(data, shape, dim + 1, off + k * per));
}
