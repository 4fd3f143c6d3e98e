/**
 * The client over HTTPS with a private CA (as in-cluster Trickster or an ingress uses):
 * trusted through caFile, refused without it, accepted blindly only with insecureSkipVerify.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { PrometheusClient } from "../forecaster/io/prometheus-client.js";
import { DEFAULT_PROMETHEUS_SETTINGS, type PrometheusClientSettings } from "../forecaster/io/prometheus-settings.js";
import { startMisbehavingPrometheus, type MisbehavingPrometheus } from "./stand-ins/misbehaving-prometheus.js";

const run = promisify(execFile);
const openssl = await run("openssl", ["version"]).then(() => true, () => false);
const describeWithOpenssl = openssl ? describe : describe.skip;
if (!openssl) console.warn("SKIPPED TLS tests: openssl not on PATH (apt-get install -y openssl)");

/** A CA and a server certificate for 127.0.0.1 signed by it, made with the openssl CLI. */
async function makeCertificates(dir: string): Promise<{ caFile: string; key: string; cert: string }> {
  const f = (name: string) => path.join(dir, name);
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  await run("openssl", ["req", "-x509", ...ec, "-keyout", f("ca.key"), "-out", f("ca.pem"), "-days", "1", "-subj", "/CN=TrendMaster test CA"]);
  await run("openssl", ["req", ...ec, "-keyout", f("server.key"), "-out", f("server.csr"), "-subj", "/CN=127.0.0.1"]);
  await writeFile(f("san.ext"), "subjectAltName=IP:127.0.0.1\n");
  await run("openssl", ["x509", "-req", "-in", f("server.csr"), "-CA", f("ca.pem"), "-CAkey", f("ca.key"), "-CAcreateserial", "-out", f("server.pem"), "-days", "1", "-extfile", f("san.ext")]);
  return { caFile: f("ca.pem"), key: await readFile(f("server.key"), "utf8"), cert: await readFile(f("server.pem"), "utf8") };
}

describeWithOpenssl("TLS", () => {
  let dir: string;
  let caFile: string;
  let server: MisbehavingPrometheus;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "trendmaster-tls-"));
    const certs = await makeCertificates(dir);
    caFile = certs.caFile;
    server = await startMisbehavingPrometheus({ tls: { key: certs.key, cert: certs.cert }, pathPrefix: "/prom" });
  });
  afterAll(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const query = async (overrides: Partial<PrometheusClientSettings>): Promise<number> => {
    const client = await PrometheusClient.create({ ...DEFAULT_PROMETHEUS_SETTINGS, url: server.url, retries: 0, ...overrides });
    try {
      return (await client.queryRange("vector(1)", 0, 60_000, 60)).data.length;
    } finally {
      client.close();
    }
  };

  it("trusts the server through caFile", async () => expect(await query({ caFile })).toBe(1));
  it("refuses a server signed by an unknown CA, saying why", async () => expect(query({})).rejects.toThrow(/https:\/\/127\.0\.0\.1:\d+\/prom\/api\/v1\/query_range failed .*(self[- ]signed|unable to (verify|get local issuer))/i));
  it("accepts any certificate with insecureSkipVerify", async () => expect(await query({ insecureSkipVerify: true })).toBe(1));
});
