/**
 * The line a person at a terminal sees while a cycle fetches and forecasts its rules: done of
 * total, time so far and an estimate of the rest, rewritten in place (a 1,000-rule cycle takes
 * about a minute). Pure: the caller owns the clock and the terminal.
 */

export interface ProgressSnapshot {
  readonly rulesDone: number;
  readonly rulesTotal: number;
  readonly elapsedMs: number;
}

function seconds(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
}

/** `forecast 400 of 1000 rules, 24 s, about 36 s left` (no estimate before the first rules are done). */
export function progressLine(p: ProgressSnapshot): string {
  const done = `fetched and forecast ${p.rulesDone} of ${p.rulesTotal} rules, ${seconds(p.elapsedMs)}`;
  if (p.rulesDone <= 0 || p.rulesDone >= p.rulesTotal) return done;
  const leftMs = (p.elapsedMs / p.rulesDone) * (p.rulesTotal - p.rulesDone);
  return `${done}, about ${seconds(leftMs)} left`;
}

/** Writes progress lines over each other on a terminal (carriage return, erase to end of line). */
export function terminalProgress(write: (text: string) => void, nowMs: () => number): { update(p: { rulesDone: number; rulesTotal: number }): void; end(): void } {
  const startedMs = nowMs();
  let shown = false;
  return {
    update(p) {
      write(`\r${progressLine({ ...p, elapsedMs: nowMs() - startedMs })}\x1b[K`);
      shown = true;
    },
    end() {
      if (shown) write("\n");
      shown = false;
    },
  };
}
