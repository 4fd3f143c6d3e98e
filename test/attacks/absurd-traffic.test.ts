// Traffic that cannot be real, fed to the real forecaster process (`run --once` over CSV files)
// against the kube-apiserver stand-in: five cycles over the same data change nothing after the
// first, and no limit or band bound ever leaves uint32.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { trafficCsvFileName } from "../../forecaster/io/file-source.js";
import { decodeForecastCache } from "../../ratelimit/forecast-cache.js";
import { MAX_REQUESTS_PER_UNIT } from "../../ratelimit/units.js";
import { runTrendmaster } from "../e2e/cli-process.js";
import { startKubeApiStandIn, type KubeApiStandIn } from "../stand-ins/kube-apiserver/index.js";
import { kubectlPath, missingBinaryMessage } from "../support/binaries.js";
import { runKubectl } from "../support/kubectl.js";
import { generateTraffic } from "../support/prometheus-server.js";
import { latestTimeOfWeek, THURSDAY_AFTERNOON } from "../support/weekly-anchor.js";

const kubectl = kubectlPath();
if (kubectl === undefined) console.warn(missingBinaryMessage("kubectl"));

const CONFIG = `domain: edge
descriptors:
  - key: PARTNER
    value: glitchy      # real traffic with a few 1e15 glitches, the last one at the very end
    rate_limit: {unit: minute, requests_per_unit: 1084}
  - key: PARTNER
    value: broken       # every tenth sample 1e300
    rate_limit: {unit: minute, requests_per_unit: 1840}
  - key: PARTNER
    value: nonsense     # nothing but 1e300, Infinity and negative counts
    rate_limit: {unit: minute, requests_per_unit: 500}
`;
const STEP = 300;
const POINTS = 14 * 288;

async function writeTraffic(dir: string, endMs: number): Promise<void> {
  await mkdir(dir, { recursive: true });
  const startMs = endMs - POINTS * STEP * 1000;
  const rows = (values: readonly (number | string)[]) => `timestamp,value\n${values.map((v, k) => `${(startMs + k * STEP * 1000) / 1000},${v}`).join("\n")}\n`;
  const glitchy: (number | string)[] = generateTraffic({ seed: 21, points: POINTS, startMs, stepSeconds: STEP, meanPerStep: 1_500 });
  for (const k of [500, 2_222, POINTS - 1]) glitchy[k] = "1e15";
  const broken: (number | string)[] = generateTraffic({ seed: 22, points: POINTS, startMs, stepSeconds: STEP, meanPerStep: 4_000 }).map((v, k) => (k % 10 === 0 ? "1e300" : v));
  const nonsense = Array.from({ length: POINTS }, (_v, k) => ["1e300", "Infinity", "-5"][k % 3] as string);
  await writeFile(join(dir, trafficCsvFileName("edge.PARTNER_glitchy")), rows(glitchy));
  await writeFile(join(dir, trafficCsvFileName("edge.PARTNER_broken")), rows(broken));
  await writeFile(join(dir, trafficCsvFileName("edge.PARTNER_nonsense")), rows(nonsense));
}

(kubectl === undefined ? describe.skip : describe)("absurd traffic through the forecaster process", () => {
  let api: KubeApiStandIn;
  let work: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    api = await startKubeApiStandIn({ namespaces: ["default", "istio-system", "trendmaster"] });
    work = await mkdtemp(join(tmpdir(), "attack-absurd-traffic-"));
    env = { KUBECONFIG: await api.writeKubeconfig(work, "admin"), POD_NAMESPACE: "trendmaster", LOG_LEVEL: "warn", HOME: work, TRENDMASTER_SETTINGS: join(work, "settings.yaml"), DRY_RUN: "false" };
    await writeFile(join(work, "settings.yaml"), "forecaster:\n  workers: 1\n  minConfidenceToApply: medium\n");
    await writeTraffic(join(work, "traffic"), latestTimeOfWeek(Date.now(), THURSDAY_AFTERNOON));
    api.seedObject({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "ratelimit-config", namespace: "istio-system" }, data: { "config.yaml": CONFIG } });
  });

  afterAll(async () => {
    await api?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const stored = async (): Promise<string> => {
    const cm = JSON.parse((await runKubectl(kubectl as string, env.KUBECONFIG as string, ["get", "configmap", "ratelimit-config", "-n", "istio-system", "-o", "json"])).stdout) as { data: Record<string, string> };
    return cm.data["config.yaml"] ?? "";
  };
  const limits = (text: string): number[] => [...text.matchAll(/requests_per_unit: (\d+)/g)].map((m) => Number(m[1]));

  it("five cycles: glitches cleaned, nonsense not trusted, nothing changes after the first, all within uint32", async () => {
    const texts: string[] = [];
    for (let cycle = 1; cycle <= 5; cycle++) {
      const run = await runTrendmaster(["run", "--once", "--source-dir", join(work, "traffic")], env, 120_000);
      expect({ cycle, code: run.code, output: run.stdout + run.stderr }).toMatchObject({ cycle, code: 0 });
      texts.push(await stored());
    }
    const [glitchy, broken, nonsense] = limits(texts[0] as string);
    // The glitches never doubled the limit: it follows the real traffic (1,500 per 5 minutes on average).
    expect(glitchy).toBeLessThan(2 * 1084);
    expect(glitchy).toBeGreaterThan(1084 / 2);
    // Not trusted: current limits kept.
    expect([broken, nonsense]).toEqual([1840, 500]);
    for (const text of texts.slice(1)) expect(text).toBe(texts[0]);

    const cacheObject = JSON.parse((await runKubectl(kubectl as string, env.KUBECONFIG as string, ["get", "configmap", "trendmaster-forecast", "-n", "trendmaster", "-o", "json"])).stdout) as { data?: Record<string, string>; binaryData?: Record<string, string> };
    const cache = decodeForecastCache(cacheObject);
    expect(cache.rules["edge.PARTNER_broken"]).toMatchObject({ confidence: "low" });
    expect(cache.rules["edge.PARTNER_broken"]?.explanation).toMatch(/not plausible traffic/);
    expect(cache.rules["edge.PARTNER_nonsense"]).toMatchObject({ confidence: "low" });
    for (const rule of Object.values(cache.rules)) {
      expect(rule.recommended).toBeLessThanOrEqual(MAX_REQUESTS_PER_UNIT);
      if (rule.band) expect(rule.band.max).toBeLessThanOrEqual(MAX_REQUESTS_PER_UNIT);
    }
  }, 240_000);
});
