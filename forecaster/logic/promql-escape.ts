/**
 * Escaping of untrusted text (descriptor values) for PromQL. Values are always inserted as string
 * literals; a value only becomes a regex when the template puts it behind `=~`/`!~`, and then its
 * metacharacters are escaped first so `/x.y` cannot also match `/xay`.
 */

export type PromQLQuote = '"' | "'";

/** `value` as the body of a PromQL string literal delimited by `quote` (Go string-literal escapes). */
export function escapePromQLString(value: string, quote: PromQLQuote = '"'): string {
  let out = "";
  for (const ch of value) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === "\\") out += "\\\\";
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    // Other control characters would end up raw in the query; Go's unquote accepts \xHH for them.
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, "0")}`;
    // A lone surrogate cannot be sent as UTF-8; Go would see U+FFFD anyway, say so explicitly.
    else if (code >= 0xd800 && code <= 0xdfff) out += "\\uFFFD";
    else out += ch;
  }
  return out;
}

/** RE2 metacharacters, as Go's regexp.QuoteMeta escapes them. */
const REGEX_META = /[\\.+*?()|[\]{}^$]/g;

/** `value` as an RE2 pattern that matches exactly `value` (Prometheus anchors label regexes). */
export function escapeRegex(value: string): string {
  return value.replace(REGEX_META, "\\$&");
}

const DURATION_UNITS: readonly (readonly [string, number])[] = [
  ["d", 86_400],
  ["h", 3_600],
  ["m", 60],
  ["s", 1],
];

/** Whole seconds as a PromQL duration in the largest exact unit: 60 → `1m`, 90 → `90s`. */
export function formatPromDuration(seconds: number): string {
  if (!Number.isInteger(seconds) || seconds <= 0) throw new RangeError(`duration must be a positive whole number of seconds, got ${seconds}`);
  for (const [unit, size] of DURATION_UNITS) {
    if (seconds % size === 0) return `${seconds / size}${unit}`;
  }
  return `${seconds}s`;
}
