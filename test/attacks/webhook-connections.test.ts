// Clients that connect and stall, or flood, or speak weak TLS, against the real webhook process:
// every such connection is closed within seconds, the connection count is capped, and TLS 1.2
// offers only forward-secret AEAD suites.
import { connect as tcpConnect, type Socket } from "node:net";
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from "node:tls";
import { hasOpenssl } from "../../webhook/test-support/tls-fixtures.js";
import { startWebhookProcess, type WebhookProcess } from "./webhook-process.js";

const MAX_CONNECTIONS = 20;
/** Well past the webhook's 5 s handshake and header timeouts and its 10 s request timeout, checked each second. */
const CLOSED_WITHIN_MS = 20_000;

let webhook: WebhookProcess;
let port: number;
let ca: string;

/** Resolves with the milliseconds until the socket closed, or rejects when it is still open after CLOSED_WITHIN_MS. */
function closedWithin(socket: Socket): Promise<number> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    if (socket.destroyed) return resolve(0);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`connection still open after ${CLOSED_WITHIN_MS} ms`));
    }, CLOSED_WITHIN_MS);
    socket.on("error", () => undefined);
    // Read whatever the server says (a 408), or its closing FIN stays unread and "close" never comes.
    socket.resume();
    socket.once("close", () => {
      clearTimeout(timer);
      resolve(Date.now() - started);
    });
  });
}

function openTcp(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect({ host: "127.0.0.1", port }, () => resolve(socket));
    socket.once("error", reject);
  });
}

function openTls(options: ConnectionOptions = {}): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: "127.0.0.1", port, ca, servername: "localhost", ...options }, () => resolve(socket));
    socket.once("error", reject);
  });
}

/** GET /healthz on a fresh TLS connection: the status line. */
async function healthz(): Promise<string> {
  const socket = await openTls();
  return new Promise((resolve, reject) => {
    let text = "";
    socket.on("data", (chunk: Buffer) => (text += chunk.toString()));
    socket.on("end", () => resolve(text.split("\r\n")[0] ?? ""));
    socket.on("error", reject);
    socket.write("GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
  });
}

(hasOpenssl() ? describe : describe.skip)("the webhook's connections are bounded", () => {
  beforeAll(async () => {
    webhook = await startWebhookProcess(["--max-connections", String(MAX_CONNECTIONS)]);
    ({ port, ca } = webhook);
  }, 30_000);
  afterAll(() => webhook?.stop());

  it("closes TCP connections that never start the TLS handshake", async () => {
    const sockets = await Promise.all(Array.from({ length: 10 }, openTcp));
    const waited = await Promise.all(sockets.map(closedWithin));
    expect(waited.every((ms) => ms < CLOSED_WITHIN_MS)).toBe(true);
  }, 30_000);

  it("closes a connection that finishes the handshake and sends nothing", async () => {
    expect(await closedWithin(await openTls())).toBeLessThan(CLOSED_WITHIN_MS);
  }, 30_000);

  it("closes a connection whose headers never end", async () => {
    const socket = await openTls();
    socket.write("POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n");
    const trickle = setInterval(() => socket.writable && socket.write("X-Slow: 1\r\n"), 1_000);
    try {
      expect(await closedWithin(socket)).toBeLessThan(CLOSED_WITHIN_MS);
    } finally {
      clearInterval(trickle);
    }
  }, 30_000);

  it("closes a connection whose body never ends", async () => {
    const socket = await openTls();
    socket.write("POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{\"apiVersion\":");
    const trickle = setInterval(() => socket.writable && socket.write(" "), 1_000);
    try {
      expect(await closedWithin(socket)).toBeLessThan(CLOSED_WITHIN_MS);
    } finally {
      clearInterval(trickle);
    }
  }, 30_000);

  it(`accepts at most ${MAX_CONNECTIONS} connections, and serves again once they are gone`, async () => {
    const held = await Promise.all(Array.from({ length: MAX_CONNECTIONS }, openTcp));
    // Accepted connections stay until their handshake times out; those past the cap close at once.
    const extra = await Promise.all(Array.from({ length: 5 }, openTcp));
    const extraClosed = await Promise.all(extra.map(closedWithin));
    expect(extraClosed.every((ms) => ms < 2_000)).toBe(true);
    await Promise.all(held.map(closedWithin));
    expect(await healthz()).toBe("HTTP/1.1 200 OK");
  }, 45_000);

  it("speaks TLS 1.3, and TLS 1.2 only with ECDHE and AEAD suites", async () => {
    const suite = async (options: ConnectionOptions): Promise<string> => {
      try {
        const socket = await openTls(options);
        const name = `${socket.getProtocol()} ${socket.getCipher().standardName}`;
        socket.destroy();
        return name;
      } catch (error) {
        return `refused: ${(error as Error).message}`;
      }
    };
    expect(await suite({ minVersion: "TLSv1.3" })).toMatch(/^TLSv1\.3 TLS_/);
    expect(await suite({ maxVersion: "TLSv1.2", ciphers: "ECDHE-ECDSA-AES128-GCM-SHA256" })).toBe("TLSv1.2 TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256");
    expect(await suite({ maxVersion: "TLSv1.2", ciphers: "ECDHE-ECDSA-CHACHA20-POLY1305" })).toBe("TLSv1.2 TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256");
    for (const weak of ["ECDHE-ECDSA-AES128-SHA", "ECDHE-ECDSA-AES256-SHA", "ECDHE-ECDSA-AES128-SHA256"]) {
      expect(await suite({ maxVersion: "TLSv1.2", ciphers: weak })).toMatch(/^refused: .*(handshake failure|no shared cipher|alert)/i);
    }
  }, 30_000);
});
