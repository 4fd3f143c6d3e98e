/**
 * Every warning and denial the webhook gives (besides the ratelimit loader's own error texts), by
 * stable code, with its template: the reference for operators and docs. Tests assert the texts exactly.
 */
export const MESSAGE_CATALOGUE = {
  clamped: "<rule>: <from>/<unit> raised|lowered to <to> (<why>)",
  "audit-would-clamp": "audit mode, not applied: <clamped message>",
  "clamp-refused": "<rule>: <from>/<unit> is outside the guardrail band [<min>, <max>] and cannot be clamped: <reason> (or use trendmaster.io/override-reason)",
  "out-of-band": "<rule>: <limit>/<unit> is outside the guardrail band [<min>, <max>] of forecast generation <n>",
  "unit-changed": "<rule>: unit is <unit> but forecast generation <n> is per <forecast unit>: not checked against guardrails",
  "forecast-missing": "no forecast cache: limits not checked against guardrails",
  "forecast-unreadable": "forecast cache unreadable (<problem>): limits not checked against guardrails",
  "forecast-stale": "forecast generation <n> is <age>h old (max <max>h): limits not checked against guardrails",
  "generation-not-cached": "trendmaster.io/generation <n> is not in the forecast cache (the webhook has generation <m>): limits checked against generation <m>'s bands",
  "generation-ignored": "trendmaster.io/generation ignored: <user> is not the forecaster; limits checked against generation <m>'s bands",
  "override-accepted": "break-glass by <user>: limits admitted unclamped (<reason>)",
  "override-refused": "trendmaster.io/override-reason ignored: <user> is not on the break-glass allow-list",
  "audit-would-deny": "audit mode, would deny: <loader error>",
  "not-a-configmap": "<name> is not a readable ConfigMap: <problem>",
  "internal-error": "trendmaster webhook internal error: <error>",
  "more-warnings": "... and <n> more (see the audit annotations)",
} as const;

export type MessageCode = keyof typeof MESSAGE_CATALOGUE;

/** The API server truncates each warning to 256 characters and all of them to 4 KiB: keep under both. */
export const MAX_WARNING_CHARS = 256;
export const MAX_WARNINGS = 12;

/** The most of one stretch of user-written text (a key, a value, a reason) a message quotes. */
export const MAX_QUOTED_CHARS = 200;
/** The most of one line of a denial message or log field; the most of a whole message. */
const MAX_LINE_CHARS = 1_000;
const MAX_MESSAGE_CHARS = 8_192;

function cut(text: string, keep: number): string {
  return `${text.slice(0, keep)}...(cut: ${text.length} characters in all)`;
}

/** One piece of user-written text as a message or log line may repeat it: at most MAX_QUOTED_CHARS. */
export function cutUserText(text: string): string {
  return text.length > MAX_QUOTED_CHARS ? cut(text, MAX_QUOTED_CHARS) : text;
}

/**
 * Bounds the user's text a message repeats: a 2 MiB unknown key must not make a 2 MiB denial,
 * warning and log line per request. Every quoted stretch ('...') longer than MAX_QUOTED_CHARS is
 * cut and marked as cut; so is any line (text the user controls may hold no quotes) and the whole.
 */
export function boundUserText(message: string): string {
  if (message.length <= MAX_QUOTED_CHARS) return message;
  const lines = message.split("\n").map((line) => {
    const quoted = line.replace(/'([^'\n]*)'/g, (whole, inner: string) => (inner.length > MAX_QUOTED_CHARS ? `'${cut(inner, MAX_QUOTED_CHARS)}'` : whole));
    return quoted.length > MAX_LINE_CHARS ? cut(quoted, MAX_LINE_CHARS) : quoted;
  });
  const bounded = lines.join("\n");
  return bounded.length > MAX_MESSAGE_CHARS ? cut(bounded, MAX_MESSAGE_CHARS) : bounded;
}

/** Warnings travel as HTTP headers to kubectl: one line each, short, and not too many. */
export function boundWarnings(warnings: readonly string[]): string[] {
  const lines = warnings.map((w) => {
    const line = boundUserText(w).replace(/\s*[\r\n]+\s*/g, " ");
    return line.length > MAX_WARNING_CHARS ? `${line.slice(0, MAX_WARNING_CHARS - 3)}...` : line;
  });
  if (lines.length <= MAX_WARNINGS) return lines;
  return [...lines.slice(0, MAX_WARNINGS - 1), `... and ${lines.length - MAX_WARNINGS + 1} more (see the audit annotations)`];
}
