import { DEFAULT_MAX_CONNECTIONS } from "./config.js";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { pino } from "pino";
import { encodeForecastCache } from "../ratelimit/forecast-cache.js";
import { admit } from "./admission/admit.js";
import { createMemoizedDerivations, DIRECT_DERIVATIONS } from "./admission/content-memo.js";
import { MESSAGE_CATALOGUE } from "./admission/messages.js";
import type { AdmissionPolicy } from "./admission/policy.js";
import { readAdmissionReview, type AdmissionReview } from "./admission/review.js";
import { runWebhook, type RunningWebhook } from "./main.js";
import { DEFAULT_WEBHOOK_SETTINGS } from "./settings.js";
import { admissionReview, forecastCache, rateLimitConfigMap, TARGET } from "./test-support/admission-fixtures.js";
import { httpsRequest, testAgent } from "./test-support/https-client.js";
import { createTestPki, hasOpenssl, type TestPki } from "./test-support/tls-fixtures.js";

const CACHE = forecastCache({ "edge.A_x": { band: { min: 10, max: 20 } }, "edge.A_x.B": { band: { min: 0, max: 3 } }, "edge.A": { band: { min: 5, max: 5 } } }, 3, new Date().toISOString());

/** Fragments that make YAML the loader has to think about: anchors, merges, flow, quotes, tabs, tags. */
const YAML_PIECES = [
  "domain: edge\n", "descriptors:\n", "  - key: A\n", "    value: x\n", "    rate_limit:\n", "      unit: minute\n", "      requests_per_unit: 5000\n",
  "    rate_limit: {unit: minute, requests_per_unit: 1}\n", "    descriptors:\n", "      - key: B\n", "        rate_limit: &r {unit: second, requests_per_unit: 9}\n",
  "        rate_limit: *r\n", "  - <<: *r\n", "      unlimited: true\n", "      replaces: [{name: n}]\n", "    share_threshold: yes\n", "&a ", "*a", "!!str ", "!!int ",
  "{", "}", "[", "]", "'", "\"", "#", ": ", "\t", "- ", "\n", "  ", "~", "-1", "4294967296", "0x10", "1e3", "metadata: {x: [1, {y: z}]}\n", "---\n", "...\n", "\u00e9", "\ufeff",
];
/** Configs that load, in block and flow style, with limits on both sides of the bands. */
const loadableConfig = fc
  .array(fc.record({ key: fc.constantFrom("A", "B", "C"), value: fc.constantFrom("x", "y", ""), limit: fc.nat(40), flow: fc.boolean(), comment: fc.boolean() }), { maxLength: 4 })
  .map((rules) => {
    const seen = new Set<string>();
    const lines = ["domain: edge", "descriptors:"];
    for (const r of rules) {
      if (seen.has(`${r.key}_${r.value}`)) continue;
      seen.add(`${r.key}_${r.value}`);
      lines.push(`  - key: ${r.key}`, ...(r.value ? [`    value: ${r.value}`] : []));
      if (r.flow) lines.push(`    rate_limit: {unit: minute, requests_per_unit: ${r.limit}}${r.comment ? " # c" : ""}`);
      else lines.push("    rate_limit:", "      unit: minute", `      requests_per_unit: ${r.limit}${r.comment ? "  # c" : ""}`);
    }
    return lines.join("\n") + "\n";
  });

const yamlText = fc.oneof(
  loadableConfig,
  fc.array(fc.constantFrom(...YAML_PIECES), { maxLength: 40 }).map((p) => p.join("")),
  fc.string({ maxLength: 300 }),
  fc.string({ unit: "binary", maxLength: 100 }),
);

const configMapObject = fc.oneof(
  { arbitrary: loadableConfig.map((text) => rateLimitConfigMap({ "config.yaml": text })), weight: 3 },
  fc.dictionary(fc.oneof(fc.constant("config.yaml"), fc.string({ maxLength: 12 })), yamlText, { maxKeys: 3 }).map((data) => rateLimitConfigMap(data)),
  fc.anything({ maxDepth: 3 }),
  fc.record({ metadata: fc.anything({ maxDepth: 2 }), data: fc.anything({ maxDepth: 2 }), binaryData: fc.anything({ maxDepth: 2 }) }, { requiredKeys: [] }),
);

/** Mostly well-formed reviews (so the handler is reached), with any field possibly replaced by anything. */
const reviewBody = fc.oneof(
  { weight: 4, arbitrary: fc.record({
    object: configMapObject,
    operation: fc.constantFrom("CREATE", "UPDATE", "DELETE", "CONNECT"),
    dryRun: fc.boolean(),
    annotations: fc.dictionary(fc.constantFrom("trendmaster.io/override-reason", "trendmaster.io/generation", "trendmaster.io/guarded-digest", "x"), fc.string({ maxLength: 20 }), { maxKeys: 3 }),
    username: fc.constantFrom("oncall", "mallory", ""),
  }).map(({ object, operation, dryRun, annotations, username }) => {
    const withAnnotations = typeof object === "object" && object !== null && !Array.isArray(object) && "metadata" in object && typeof object.metadata === "object" && object.metadata !== null ? { ...object, metadata: { ...object.metadata, annotations } } : object;
    return admissionReview({ object: withAnnotations, operation, dryRun, userInfo: { username, groups: ["g"] } });
  }) },
  fc.tuple(fc.constantFrom("apiVersion", "kind", "request"), fc.anything({ maxDepth: 2 })).map(([key, value]) => ({ ...admissionReview({ object: rateLimitConfigMap({ "config.yaml": "domain: edge\n" }) }), [key]: value })),
  fc.tuple(fc.constantFrom("uid", "kind", "operation", "userInfo", "object", "name", "namespace", "dryRun"), fc.anything({ maxDepth: 2 })).map(([key, value]) => {
    const review = admissionReview({ object: rateLimitConfigMap({ "config.yaml": "domain: edge\n" }) }) as { request: Record<string, unknown> };
    return { ...review, request: { ...review.request, [key]: value } };
  }),
  fc.anything({ maxDepth: 3 }),
);

const MEMO = createMemoizedDerivations(4);

/** The catalogue's templates as patterns: every `<...>` placeholder matches any text. */
const TEMPLATES = Object.entries(MESSAGE_CATALOGUE).map(([code, template]) => {
  const pattern = template.split(/<[^>]+>/).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join(".*");
  return { code, regex: new RegExp(`^${pattern.replace("raised\\|lowered", "(raised|lowered)")}`, "s") };
});
const catalogued = (text: string) => TEMPLATES.some((t) => t.regex.test(text));

const POLICY = (mode: "enforce" | "audit"): AdmissionPolicy => ({ mode, maxForecastAgeMs: 86_400_000, breakGlass: { users: ["oncall"], groups: [] }, target: TARGET, mergeDomains: false });

describe("fuzz: the decision core", () => {
  it("answers every AdmissionReview with its uid and never reaches the internal-error path", () => {
    const seen = new Map<string, number>();
    fc.assert(
      fc.property(reviewBody, fc.constantFrom("enforce", "audit" as const), fc.constantFrom("mutate", "validate" as const), fc.boolean(), (body, mode, endpoint, memoized) => {
        const read = readAdmissionReview(body);
        if (!read.ok) return;
        const decision = admit(endpoint, read.request, { policy: POLICY(mode), forecast: { state: "loaded", cache: CACHE }, nowMs: Date.now(), derive: memoized ? MEMO : DIRECT_DERIVATIONS });
        expect(decision.outcome.internalError).toBeUndefined();
        const kind = `${decision.outcome.guarded ? "guarded" : "other"}-${decision.outcome.verdict}`;
        seen.set(kind, (seen.get(kind) ?? 0) + 1);
        expect(decision.response.uid).toBe(read.request.uid);
        if (!decision.response.allowed) expect(typeof decision.response.status?.message).toBe("string");
        if (mode === "audit") expect(decision.response.allowed).toBe(true);
        for (const warning of decision.response.warnings ?? []) {
          expect(warning.length).toBeLessThanOrEqual(256);
          expect([warning, catalogued(warning)]).toEqual([warning, true]);
        }
      }),
      { numRuns: 1500 },
    );
    // The generators reach every branch: clamped, denied and untouched objects.
    for (const kind of ["guarded-patched", "guarded-denied", "guarded-allowed", "other-allowed"]) expect([kind, (seen.get(kind) ?? 0) > 0]).toEqual([kind, true]);
  });
});

const describeTls = hasOpenssl() ? describe : describe.skip;

describeTls("fuzz: the process over HTTPS", () => {
  let dir: string;
  let pki: TestPki;
  let webhook: RunningWebhook;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "tm-webhook-fuzz-"));
    pki = createTestPki();
    pki.issue(join(dir, "tls.crt"), join(dir, "tls.key"));
    writeFileSync(join(dir, "forecast.json"), encodeForecastCache(CACHE).data?.["forecast.json"] as string);
    webhook = await runWebhook(
      { port: 0, certFile: join(dir, "tls.crt"), keyFile: join(dir, "tls.key"), forecastFile: join(dir, "forecast.json"), settingsFile: join(dir, "none.yaml"), settings: DEFAULT_WEBHOOK_SETTINGS, podNamespace: "t", logLevel: "silent", bodyLimitBytes: 256 * 1024, maxConnections: DEFAULT_MAX_CONNECTIONS },
      { logger: pino({ level: "silent" }), host: "127.0.0.1" },
    );
  });
  afterAll(async () => {
    await webhook?.stop();
    pki?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it("survives malformed bodies and configs with 4xx or a denial carrying the uid", async () => {
    const agent = testAgent(pki.caCert);
    const rawBody = fc.oneof(
      reviewBody.map((b) => JSON.stringify(b) ?? "null"),
      fc.string({ maxLength: 200 }),
      fc.string({ unit: "binary", maxLength: 200 }),
      reviewBody.map((b) => (JSON.stringify(b) ?? "").slice(0, 40)),
    );
    await fc.assert(
      fc.asyncProperty(rawBody, fc.constantFrom("/mutate", "/validate"), fc.constantFrom("application/json", "text/plain", "application/json; charset=latin1"), async (body, path, contentType) => {
        const reply = await httpsRequest(agent, webhook.port, "POST", path, body, { "content-type": contentType });
        expect([200, 400, 413, 415]).toContain(reply.status);
        const answer = JSON.parse(reply.text) as AdmissionReview & { error?: string };
        if (reply.status !== 200) {
          expect(typeof answer.error).toBe("string");
          return;
        }
        const sent = readAdmissionReview(JSON.parse(body));
        expect(sent.ok && answer.response?.uid).toBe(sent.ok && sent.request.uid);
        expect(answer.response?.status?.code).not.toBe(500);
      }),
      { numRuns: 300 },
    );
    expect((await httpsRequest(agent, webhook.port, "GET", "/healthz")).status).toBe(200);
  });
});
