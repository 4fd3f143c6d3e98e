/**
 * The baseline for bench/webhook-latency.ts: a bare Node HTTPS server with the same TLS material
 * that reads each request body and answers a fixed AdmissionReview of the webhook's size.
 * Usage: node dist/bench/webhook-bare-server.js PORT CERT KEY RESPONSE_FILE
 */
import { readFileSync } from "node:fs";
import { createServer } from "node:https";

const [port, certFile, keyFile, responseFile] = process.argv.slice(2);
if (!port || !certFile || !keyFile || !responseFile) {
  process.stderr.write("usage: webhook-bare-server PORT CERT KEY RESPONSE_FILE\n");
  process.exit(2);
}
const answer = readFileSync(responseFile);
const server = createServer({ cert: readFileSync(certFile), key: readFileSync(keyFile), minVersion: "TLSv1.2", keepAliveTimeout: 65_000 }, (req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    res.writeHead(200, { "content-type": "application/json", "content-length": answer.length });
    res.end(answer);
  });
});
server.listen(Number(port), "127.0.0.1");
process.on("SIGTERM", () => server.close(() => process.exit(0)));
