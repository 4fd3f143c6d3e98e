import { Agent, request } from "node:https";

export interface HttpsReply {
  readonly status: number;
  readonly text: string;
  /** Serial of the certificate the server presented on this connection (hex, upper case). */
  readonly serial: string;
}

/** A keep-alive client trusting only the test CA, as the API server trusts only caBundle. */
export function testAgent(ca: Buffer, maxSockets = 8): Agent {
  return new Agent({ ca, keepAlive: true, maxSockets });
}

export function httpsRequest(agent: Agent, port: number, method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<HttpsReply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "localhost", port, method, path, agent, headers: { "content-type": "application/json", ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      // Read now: a keep-alive socket is detached from the response once it ends.
      const socket = res.socket as unknown as { getPeerCertificate?: () => { serialNumber?: string } } | null;
      const serial = socket?.getPeerCertificate?.().serialNumber ?? "";
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8"), serial }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}
