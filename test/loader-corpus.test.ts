/**
 * TrendMaster's loader against the real ratelimit service on ../shared/loader-corpus: the same
 * verdict on every case, never an exception, and the service's own message for every refused load
 * whose message is not a YAML syntax error. Syntax-error wording agreement is measured and held to a floor.
 */
import { checkCase, isSyntaxMessage, loaderCorpusPath, readLoaderCorpus, type CaseResult, type CorpusCase } from "./support/loader-corpus.js";

const corpusPath = loaderCorpusPath();

/** The share of refused loads with a YAML syntax-error message whose wording must agree with yaml.v2's. */
const SYNTAX_MESSAGE_AGREEMENT_FLOOR = 0.95;

if (!corpusPath) {
  console.warn("loader corpus test skipped: ../shared/loader-corpus/cases.jsonl.gz not found beside the repository (a fresh clone has no ../shared)");
  describe("loader corpus", () => {
    it.skip("skipped: ../shared/loader-corpus/cases.jsonl.gz not found beside the repository", () => undefined);
  });
} else {
  const cases = readLoaderCorpus(corpusPath);
  const results = new Map<CorpusCase, CaseResult>(cases.map((c) => [c, checkCase(c)]));
  const failing = (pick: (c: CorpusCase, r: CaseResult) => boolean) =>
    [...results].filter(([c, r]) => pick(c, r)).map(([c, r]) => ({ id: c.id, expected: c.expect.messages[0] ?? "ok", got: r.message ?? "ok" }));

  describe("loader corpus: TrendMaster against the ratelimit service", () => {
    it("has cases", () => expect(cases.length).toBeGreaterThan(1000));

    it("never throws", () => expect(failing((_c, r) => r.outcome === "exception")).toEqual([]));

    it("accepts nothing the service refuses", () => expect(failing((_c, r) => r.outcome === "false-accept")).toEqual([]));

    it("refuses nothing the service loads", () => expect(failing((_c, r) => r.outcome === "false-reject")).toEqual([]));

    it("gives the service's message for every refused load whose message is not a YAML syntax error", () => {
      expect(failing((c, r) => r.outcome === "wrong-message" && !c.expect.messages.some(isSyntaxMessage))).toEqual([]);
    });

    it("words YAML syntax errors as yaml.v2 does (at least 95% of them)", () => {
      const syntax = [...results].filter(([c]) => !c.expect.ok && c.expect.messages.some(isSyntaxMessage));
      const agreeing = syntax.filter(([, r]) => r.outcome === "agree").length;
      const share = agreeing / syntax.length;
      console.log(`syntax-error messages agreeing: ${agreeing} of ${syntax.length} (${(100 * share).toFixed(1)}%)`);
      expect(share).toBeGreaterThanOrEqual(SYNTAX_MESSAGE_AGREEMENT_FLOOR);
    });
  });
}
