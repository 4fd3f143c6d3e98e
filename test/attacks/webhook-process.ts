// The real webhook process (`trendmaster webhook`) over TLS from a throwaway CA, in local mode
// (forecast from a file), for the attack tests: what a client can do to it from the network.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeForecastCache } from "../../ratelimit/forecast-cache.js";
import { forecastCache } from "../../webhook/test-support/admission-fixtures.js";
import { createCertificateAuthority, issueCertificate } from "../stand-ins/kube-apiserver/certificates.js";
import { cliPath } from "../support/paths.js";

export interface WebhookProcess {
  readonly port: number;
  /** The CA that signed its serving certificate (for localhost and 127.0.0.1). */
  readonly ca: string;
  /** Everything it logged so far (JSON lines on stdout). */
  log(): string;
  stop(): Promise<void>;
}

export async function startWebhookProcess(extraArgs: readonly string[] = []): Promise<WebhookProcess> {
  const work = await mkdtemp(join(tmpdir(), "attack-webhook-"));
  const authority = await createCertificateAuthority("attack CA");
  const serving = await issueCertificate(authority, { commonName: "localhost", dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"] });
  await writeFile(join(work, "tls.crt"), serving.certPem);
  await writeFile(join(work, "tls.key"), serving.keyPem, { mode: 0o600 });
  await writeFile(join(work, "settings.yaml"), "webhook:\n  mode: enforce\n");
  await writeFile(join(work, "forecast.json"), encodeForecastCache(forecastCache({}, 1, new Date().toISOString())).data?.["forecast.json"] as string);
  const args = ["webhook", "--port", "0", "--cert", join(work, "tls.crt"), "--key", join(work, "tls.key"), "--forecast", join(work, "forecast.json"), "--settings", join(work, "settings.yaml"), ...extraArgs];
  const child: ChildProcess = spawn(process.execPath, [cliPath(), ...args], { env: { ...process.env, LOG_LEVEL: "info" }, stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  child.stdout?.on("data", (chunk: Buffer) => (log += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the webhook printed no listening line: ${log}`)), 15_000);
    const look = () => {
      const match = /"port":(\d+)/.exec(log);
      if (!match) return;
      clearTimeout(timer);
      child.stdout?.off("data", look);
      resolve(Number(match[1]));
    };
    child.stdout?.on("data", look);
  });
  return {
    port,
    ca: authority.certPem,
    log: () => log,
    stop: async () => {
      child.kill("SIGTERM");
      await exited;
      await rm(work, { recursive: true, force: true });
    },
  };
}
