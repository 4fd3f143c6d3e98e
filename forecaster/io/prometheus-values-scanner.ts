/**
 * A fast path for big query_range bodies. JSON.parse turns 14 days × 500 rules into 10 M
 * `[t, "v"]` arrays and strings, and most of the client's CPU then goes to allocation and garbage
 * collection. This scanner reads every `"values": [[t,"v"],…]` array straight into typed arrays and
 * leaves the rest (the envelope, labels, warnings) to JSON.parse, with each values array replaced
 * by its index. Anything it does not expect makes it give up, and the caller parses normally.
 */

export interface ScannedBody {
  /** The body with each values array replaced by `{"$values": index}`, ready for JSON.parse. */
  readonly outline: string;
  readonly columns: readonly { readonly timestampsMs: Float64Array; readonly values: Float64Array }[];
}

const QUOTE = 34; // "
const BACKSLASH = 92;
const OPEN = 91; // [
const CLOSE = 93; // ]
const COMMA = 44;
const COLON = 58;

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}

/** Index just past the string that starts (with its quote) at `start`; -1 if unterminated. */
function skipString(body: string, start: number): number {
  for (let i = start + 1; i < body.length; i++) {
    const c = body.charCodeAt(i);
    if (c === BACKSLASH) i++;
    else if (c === QUOTE) return i + 1;
  }
  return -1;
}

function skipSpace(body: string, i: number): number {
  while (i < body.length && isSpace(body.charCodeAt(i))) i++;
  return i;
}

/** Prometheus sample text: Go float formatting plus NaN and ±Inf. */
function sampleValue(text: string): number {
  if (text === "+Inf" || text === "Inf") return Number.POSITIVE_INFINITY;
  if (text === "-Inf") return Number.NEGATIVE_INFINITY;
  return Number(text);
}

/**
 * Reads `[[t,"v"],…]` starting at the `[` at `start`. Returns the columns and the index after the
 * closing `]`, or undefined when the array has any other shape.
 */
function scanValues(body: string, start: number): { end: number; timestampsMs: Float64Array; values: Float64Array } | undefined {
  let timestampsMs = new Float64Array(1024);
  let values = new Float64Array(1024);
  let n = 0;
  let i = skipSpace(body, start + 1);
  if (body.charCodeAt(i) === CLOSE) return { end: i + 1, timestampsMs: timestampsMs.subarray(0, 0), values: values.subarray(0, 0) };
  for (;;) {
    if (body.charCodeAt(i) !== OPEN) return undefined;
    const comma = body.indexOf(",", i + 1);
    if (comma < 0) return undefined;
    const t = Number(body.slice(i + 1, comma));
    let q = skipSpace(body, comma + 1);
    if (body.charCodeAt(q) !== QUOTE || !Number.isFinite(t)) return undefined;
    const endQuote = body.indexOf('"', q + 1);
    if (endQuote < 0) return undefined;
    const text = body.slice(q + 1, endQuote);
    const v = sampleValue(text);
    if (Number.isNaN(v) && text !== "NaN") return undefined;
    q = skipSpace(body, endQuote + 1);
    if (body.charCodeAt(q) !== CLOSE) return undefined;
    if (n === timestampsMs.length) {
      const grownT = new Float64Array(n * 2);
      grownT.set(timestampsMs);
      timestampsMs = grownT;
      const grownV = new Float64Array(n * 2);
      grownV.set(values);
      values = grownV;
    }
    // Timestamps are seconds with millisecond precision; round away float noise.
    timestampsMs[n] = Math.round(t * 1000);
    values[n] = v;
    n++;
    i = skipSpace(body, q + 1);
    const c = body.charCodeAt(i);
    if (c === CLOSE) return { end: i + 1, timestampsMs: timestampsMs.slice(0, n), values: values.slice(0, n) };
    if (c !== COMMA) return undefined;
    i = skipSpace(body, i + 1);
  }
}

/** Splits a query_range body into an outline and typed columns; undefined means "use JSON.parse". */
export function scanMatrixValues(body: string): ScannedBody | undefined {
  const pieces: string[] = [];
  const columns: { timestampsMs: Float64Array; values: Float64Array }[] = [];
  let copiedUpTo = 0;
  let i = 0;
  while (i < body.length) {
    const c = body.charCodeAt(i);
    if (c !== QUOTE) {
      i++;
      continue;
    }
    const afterString = skipString(body, i);
    if (afterString < 0) return undefined;
    const isValuesKey = afterString - i === 8 && body.startsWith('"values"', i);
    i = afterString;
    if (!isValuesKey) continue;
    const colon = skipSpace(body, i);
    if (body.charCodeAt(colon) !== COLON) continue; // a string value "values", not a key
    const open = skipSpace(body, colon + 1);
    if (body.charCodeAt(open) !== OPEN) continue; // e.g. a label named 'values' 
    const scanned = scanValues(body, open);
    if (scanned === undefined) return undefined;
    pieces.push(body.slice(copiedUpTo, open), `{"$values":${columns.length}}`);
    columns.push({ timestampsMs: scanned.timestampsMs, values: scanned.values });
    copiedUpTo = scanned.end;
    i = scanned.end;
  }
  pieces.push(body.slice(copiedUpTo));
  return { outline: pieces.join(""), columns };
}
