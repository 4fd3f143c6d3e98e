/**
 * A unified diff of one config file before and after a limit edit, for dry-run reports. The edit
 * only rewrites numbers (or adds a requests_per_unit line), so hunks are found by trimming the
 * common head and tail of each region of differing lines; no general diff algorithm is needed.
 */

const CONTEXT_LINES = 2;

interface Hunk {
  oldStart: number;
  oldLines: string[];
  newStart: number;
  newLines: string[];
}

function splitLines(text: string): string[] {
  const lines = text.split("\n");
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/** Changed regions: walk both line lists in step; an insertion shifts one side by one line. */
function changedRegions(a: readonly string[], b: readonly string[]): Hunk[] {
  const hunks: Hunk[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      i++;
      j++;
      continue;
    }
    const hunk: Hunk = { oldStart: i, oldLines: [], newStart: j, newLines: [] };
    // Find the nearest resynchronisation point within a small window.
    let synced = false;
    for (let span = 1; span <= 8 && !synced; span++) {
      for (let di = 0; di <= span && !synced; di++) {
        const dj = span - di;
        if (i + di <= a.length && j + dj <= b.length && (i + di === a.length ? j + dj === b.length : a[i + di] === b[j + dj])) {
          hunk.oldLines = a.slice(i, i + di);
          hunk.newLines = b.slice(j, j + dj);
          i += di;
          j += dj;
          synced = true;
        }
      }
    }
    if (!synced) {
      hunk.oldLines = a.slice(i);
      hunk.newLines = b.slice(j);
      i = a.length;
      j = b.length;
    }
    hunks.push(hunk);
  }
  return hunks;
}

/** `--- name` / `+++ name` / `@@ ... @@` hunks with two lines of context; "" when equal. */
export function unifiedDiff(name: string, before: string, after: string): string {
  if (before === after) return "";
  const a = splitLines(before);
  const b = splitLines(after);
  const out: string[] = [`--- a/${name}`, `+++ b/${name}`];
  for (const hunk of changedRegions(a, b)) {
    const headStart = Math.max(0, hunk.oldStart - CONTEXT_LINES);
    const head = a.slice(headStart, hunk.oldStart);
    const oldEnd = hunk.oldStart + hunk.oldLines.length;
    const tail = a.slice(oldEnd, Math.min(a.length, oldEnd + CONTEXT_LINES));
    const oldCount = head.length + hunk.oldLines.length + tail.length;
    const newCount = head.length + hunk.newLines.length + tail.length;
    const newStart = hunk.newStart - head.length;
    out.push(`@@ -${headStart + 1},${oldCount} +${newStart + 1},${newCount} @@`);
    out.push(...head.map((l) => ` ${l}`), ...hunk.oldLines.map((l) => `-${l}`), ...hunk.newLines.map((l) => `+${l}`), ...tail.map((l) => ` ${l}`));
  }
  return `${out.join("\n")}\n`;
}

/** The diff of every data/binaryData key that differs (binaryData decoded as UTF-8). */
export function configMapDiff(
  before: { data?: Readonly<Record<string, string>>; binaryData?: Readonly<Record<string, string>> },
  after: { data?: Readonly<Record<string, string>>; binaryData?: Readonly<Record<string, string>> },
): string {
  const texts = (cm: typeof before): Map<string, string> => {
    const m = new Map<string, string>();
    for (const [k, v] of Object.entries(cm.data ?? {})) m.set(k, v);
    for (const [k, v] of Object.entries(cm.binaryData ?? {})) m.set(k, Buffer.from(v, "base64").toString("utf8"));
    return m;
  };
  const a = texts(before);
  const b = texts(after);
  const names = [...new Set([...a.keys(), ...b.keys()])].sort();
  return names.map((n) => unifiedDiff(n, a.get(n) ?? "", b.get(n) ?? "")).join("");
}
