/**
 * Group the loader corpus's disagreements by kind and by the service's message shape:
 * `node dist/test/support/corpus-disagreements.js [--examples N] [--only false-accept|false-reject|wrong-message|exception] [--syntax]`.
 */
import { checkCase, isSyntaxMessage, loaderCorpusPath, readLoaderCorpus } from "./loader-corpus.js";

const args = process.argv.slice(2);
const examples = Number(args[args.indexOf("--examples") + 1] ?? 2) || 2;
const only = args.includes("--only") ? args[args.indexOf("--only") + 1] : undefined;
const syntaxToo = args.includes("--syntax");

const path = loaderCorpusPath();
if (!path) {
  console.error("../shared/loader-corpus/cases.jsonl.gz not found");
  process.exit(2);
}
/** A message with its variable parts blanked, so one class groups under one shape. */
const shape = (m: string) => m.replace(/^[^:]*: /, "").replace(/'[^']*'/g, "'…'").replace(/`[^`]*`/g, "`…`").replace(/line \d+/g, "line N").slice(0, 110);

const groups = new Map<string, Array<{ id: string; expected: string; got: string; text: string }>>();
const totals = new Map<string, number>();
for (const c of readLoaderCorpus(path)) {
  const r = checkCase(c);
  totals.set(r.outcome, (totals.get(r.outcome) ?? 0) + 1);
  if (r.outcome === "agree" || (only && r.outcome !== only)) continue;
  const expected = c.expect.messages[0] ?? "ok";
  if (r.outcome === "wrong-message" && !syntaxToo && c.expect.messages.some(isSyntaxMessage)) continue;
  const key = `${r.outcome} | ${shape(expected)}`;
  const list = groups.get(key) ?? [];
  list.push({ id: c.id, expected: c.expect.messages.join(" || "), got: r.message ?? "ok", text: c.files.map((f) => `--- ${f.name}\n${f.text}`).join("\n") });
  groups.set(key, list);
}
console.log(Object.fromEntries(totals));
for (const [key, list] of [...groups].sort((a, b) => b[1].length - a[1].length)) {
  console.log(`\n## ${list.length} × ${key}`);
  for (const e of list.slice(0, examples)) console.log(`  ${e.id}\n  want: ${e.expected}\n  got:  ${e.got}\n${e.text.slice(0, 600).replace(/^/gm, "    | ")}`);
}
