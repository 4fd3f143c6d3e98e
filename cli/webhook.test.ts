import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeForecastCache } from "../ratelimit/forecast-cache.js";
import { cliPath } from "../test/support/paths.js";
import { forecastCache } from "../webhook/test-support/admission-fixtures.js";
import { httpsRequest, testAgent } from "../webhook/test-support/https-client.js";
import { createTestPki, hasOpenssl } from "../webhook/test-support/tls-fixtures.js";
import type { CommandIO } from "./io.js";
import { webhookCommand } from "./webhook.js";

function capture(): CommandIO & { out: string; err: string } {
  const io = { out: "", err: "", stdout: (t: string) => void (io.out += t), stderr: (t: string) => void (io.err += t) };
  return io;
}

describe("trendmaster webhook flags", () => {
  it.each<[string, string[], string]>([
    ["no flags", [], "trendmaster webhook: --port is required\ntrendmaster webhook: --cert is required\ntrendmaster webhook: --key is required\n"],
    ["a bad mode", ["--port", "8443", "--cert", "/nonexistent.crt", "--key", "/nonexistent.key", "--mode", "dry"], "trendmaster webhook: --cert '/nonexistent.crt' does not exist\ntrendmaster webhook: --key '/nonexistent.key' does not exist\ntrendmaster webhook: --mode 'dry' is not one of enforce, audit\n"],
  ])("exits 2 on %s, naming every problem", async (_name, args, message) => {
    const io = capture();
    expect(await webhookCommand(args, io)).toBe(2);
    expect(io.err).toBe(`${message}usage: trendmaster webhook --port P --cert F --key F [--forecast FILE] [--mode enforce|audit] [--settings FILE] [--max-connections N]\n`);
  });

  it("prints its usage and every option with its meaning on --help", async () => {
    const io = capture();
    expect(await webhookCommand(["--help"], io)).toBe(0);
    expect(io.out.split("\n")[0]).toBe("usage: trendmaster webhook --port P --cert F --key F [--forecast FILE] [--mode enforce|audit] [--settings FILE] [--max-connections N]");
    for (const option of ["--port P", "--cert F", "--key F", "--forecast FILE", "--mode enforce|audit", "--settings FILE", "--max-connections N", "--help"]) expect(io.out).toContain(option);
    expect(io.out).toMatch(/--max-connections N +open connections accepted at once.*\(default: 1000\)/);
  });
});

(hasOpenssl() ? describe : describe.skip)("trendmaster webhook as a process", () => {
  it("serves until SIGTERM, then exits 0", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tm-webhook-cli-"));
    const pki = createTestPki();
    try {
      pki.issue(join(dir, "tls.crt"), join(dir, "tls.key"));
      writeFileSync(join(dir, "settings.yaml"), "webhook:\n  mode: audit\n");
      writeFileSync(join(dir, "forecast.json"), encodeForecastCache(forecastCache({}, 1)).data?.["forecast.json"] as string);
      const args = ["webhook", "--port", "0", "--cert", join(dir, "tls.crt"), "--key", join(dir, "tls.key"), "--forecast", join(dir, "forecast.json"), "--settings", join(dir, "settings.yaml")];
      const child = spawn(process.execPath, [cliPath(), ...args], {
        env: { ...process.env, LOG_LEVEL: "info" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let log = "";
      child.stdout.on("data", (chunk: Buffer) => (log += chunk.toString()));
      const port = await new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no listening line: ${log}`)), 10_000);
        child.stdout.on("data", () => {
          const match = /"port":(\d+)/.exec(log);
          if (match) {
            clearTimeout(timer);
            resolve(Number(match[1]));
          }
        });
      });
      expect(JSON.parse(log.split("\n")[0] as string)).toMatchObject({ msg: "webhook listening", mode: "audit" });
      // The server listens before its first forecast read ends: readiness follows within moments.
      let readiness = "";
      for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
        readiness = (await httpsRequest(testAgent(pki.caCert), port, "GET", "/readyz")).text;
        if (readiness === "ready\n") break;
      }
      expect(readiness).toBe("ready\n");
      const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
      child.kill("SIGTERM");
      expect(await exit).toBe(0);
    } finally {
      pki.cleanup();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
