import type { ForecastCache, RuleForecast } from "../../ratelimit/forecast-cache.js";
import { ADMISSION_API_VERSION, type Operation, type UserInfo } from "../admission/review.js";

export const TARGET = Object.freeze({ namespace: "istio-system", name: "ratelimit-config" });

export interface ReviewOptions {
  readonly uid?: string;
  readonly operation?: Operation;
  readonly object?: unknown;
  readonly oldObject?: unknown;
  readonly userInfo?: UserInfo;
  readonly dryRun?: boolean;
  readonly namespace?: string;
  readonly name?: string;
  readonly kind?: string;
}

/** An AdmissionReview as the API server posts it. */
export function admissionReview(options: ReviewOptions = {}): Record<string, unknown> {
  const kind = options.kind ?? "ConfigMap";
  return {
    apiVersion: ADMISSION_API_VERSION,
    kind: "AdmissionReview",
    request: {
      uid: options.uid ?? "705ab4f5-6393-11e8-b7cc-42010a800002",
      kind: { group: "", version: "v1", kind },
      resource: { group: "", version: "v1", resource: `${kind.toLowerCase()}s` },
      requestKind: { group: "", version: "v1", kind },
      requestResource: { group: "", version: "v1", resource: `${kind.toLowerCase()}s` },
      name: options.name ?? TARGET.name,
      namespace: options.namespace ?? TARGET.namespace,
      operation: options.operation ?? "UPDATE",
      userInfo: options.userInfo ?? { username: "alice", groups: ["system:authenticated"] },
      object: options.object ?? null,
      oldObject: options.oldObject ?? null,
      dryRun: options.dryRun ?? false,
      options: { apiVersion: "meta.k8s.io/v1", kind: (options.operation ?? "UPDATE") === "CREATE" ? "CreateOptions" : "UpdateOptions" },
    },
  };
}

/** ratelimit-config as a ConfigMap object. */
export function rateLimitConfigMap(data: Record<string, string>, annotations: Record<string, string> = {}, name: string = TARGET.name): Record<string, unknown> {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name, namespace: TARGET.namespace, uid: "c0ffee00-0000-4000-8000-000000000001", resourceVersion: "4242", annotations },
    data,
  };
}

/** A forecast cache with the given rules; bands default to none. */
export function forecastCache(rules: Record<string, Partial<RuleForecast>>, generation = 7, generatedAt = "2026-11-26T12:00:00Z"): ForecastCache {
  const full: Record<string, RuleForecast> = {};
  for (const [key, rule] of Object.entries(rules)) {
    full[key] = { label: key, unit: "minute", current: 1000, recommended: 5000, confidence: "high", explanation: "test", ...rule };
  }
  return { generation, generatedAt, source: "test", model: "test", rules: full };
}

/**
 * A ratelimit config of `ruleCount` partner/path rules (comments, quoting, one file) and a
 * forecast whose bands put exactly `clampCount` of them outside (half below, half above).
 */
export function largeConfig(ruleCount: number, clampCount: number, generation = 7, generatedAt = new Date().toISOString()): { text: string; cache: ForecastCache; clampedKeys: string[] } {
  const lines = ["# ratelimit-config: generated for tests and benchmarks", "domain: edge", "descriptors:"];
  const rules: Record<string, RuleForecast> = {};
  const clampedKeys: string[] = [];
  const every = Math.max(1, Math.floor(ruleCount / Math.max(1, clampCount)));
  for (let i = 0; i < ruleCount; i++) {
    const partner = `partner-${String(i).padStart(4, "0")}`;
    const limit = 1000 + (i % 97) * 10;
    lines.push(`  # ${partner}: contract tier ${i % 3}`, "  - key: PARTNER", `    value: ${partner}`, "    descriptors:", "      - key: PATH", `        value: "/api/v3/items/${i}"`, "        rate_limit:", "          unit: minute", `          requests_per_unit: ${limit}   # reviewed`);
    const fullKey = `edge.PARTNER_${partner}.PATH_/api/v3/items/${i}`;
    const clamp = i % every === 0 && clampedKeys.length < clampCount;
    if (clamp) clampedKeys.push(fullKey);
    const below = clampedKeys.length % 2 === 1;
    const band = clamp ? (below ? { min: limit + 500, max: limit * 4 } : { min: 10, max: limit - 100 }) : { min: Math.floor(limit / 2), max: limit * 4 };
    rules[fullKey] = { label: `PARTNER=${partner}/PATH=/api/v3/items/${i}`, unit: "minute", current: limit, recommended: limit, band, confidence: "high", explanation: "generated", peak: { value: band.min, at: "2026-11-30T19:00:00Z" } };
  }
  return { text: lines.join("\n") + "\n", cache: { generation, generatedAt, source: "generated", model: "test", rules }, clampedKeys };
}
