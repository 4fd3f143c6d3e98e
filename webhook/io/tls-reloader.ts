import { readFileSync, unwatchFile, watchFile } from "node:fs";
import { createSecureContext, type SecureContextOptions } from "node:tls";

/** TLS 1.2 is the oldest version the API server speaks; older ones are refused. */
export const MIN_TLS_VERSION = "TLSv1.2";

/**
 * TLS 1.3's suites, and for TLS 1.2 only forward-secret key exchange (ECDHE) with AEAD ciphers
 * (GCM, ChaCha20-Poly1305): no CBC, no SHA-1 MACs, no static RSA. The API server's Go client
 * offers these first.
 */
export const CIPHER_SUITES = [
  "TLS_AES_128_GCM_SHA256",
  "TLS_AES_256_GCM_SHA384",
  "TLS_CHACHA20_POLY1305_SHA256",
  "ECDHE-ECDSA-AES128-GCM-SHA256",
  "ECDHE-RSA-AES128-GCM-SHA256",
  "ECDHE-ECDSA-AES256-GCM-SHA384",
  "ECDHE-RSA-AES256-GCM-SHA384",
  "ECDHE-ECDSA-CHACHA20-POLY1305",
  "ECDHE-RSA-CHACHA20-POLY1305",
].join(":");

export interface TlsMaterial {
  readonly cert: Buffer;
  readonly key: Buffer;
}

export interface TlsReloaderOptions {
  /** cert-manager rewrites the Secret; the kubelet swaps the mounted files behind a symlink: poll stat. */
  readonly pollIntervalMs?: number;
  readonly onReload?: (result: "ok" | "error", message?: string) => void;
}

/** Read a cert/key pair and check they belong together; throws naming the files. */
export function readTlsMaterial(certFile: string, keyFile: string): TlsMaterial {
  const cert = readFileSync(certFile);
  const key = readFileSync(keyFile);
  try {
    createSecureContext({ cert, key, minVersion: MIN_TLS_VERSION });
  } catch (error) {
    throw new Error(`TLS material ${certFile} + ${keyFile} is not usable: ${(error as Error).message}`);
  }
  return { cert, key };
}

export function secureContextOptions(material: TlsMaterial): SecureContextOptions {
  return { cert: material.cert, key: material.key, minVersion: MIN_TLS_VERSION, ciphers: CIPHER_SUITES, honorCipherOrder: true };
}

/**
 * Keeps a server's certificate current. `server.setSecureContext` only affects handshakes that
 * start after it: connections and requests already in flight finish on the old certificate.
 * A half-rotated pair (new cert, old key) is not applied; the next poll tries again.
 */
export class TlsReloader {
  private material: TlsMaterial;
  private readonly listener = () => this.reload();
  private pending: NodeJS.Timeout | undefined;

  constructor(
    private readonly certFile: string,
    private readonly keyFile: string,
    private readonly apply: (options: SecureContextOptions) => void,
    private readonly options: TlsReloaderOptions = {},
  ) {
    this.material = readTlsMaterial(certFile, keyFile);
  }

  current(): TlsMaterial {
    return this.material;
  }

  start(): void {
    const interval = this.options.pollIntervalMs ?? 5_000;
    watchFile(this.certFile, { interval, persistent: false }, this.listener);
    watchFile(this.keyFile, { interval, persistent: false }, this.listener);
  }

  stop(): void {
    unwatchFile(this.certFile, this.listener);
    unwatchFile(this.keyFile, this.listener);
    clearTimeout(this.pending);
  }

  /** Re-read both files; applied only when they changed and form a valid pair. */
  reload(): void {
    let next: TlsMaterial;
    try {
      next = readTlsMaterial(this.certFile, this.keyFile);
    } catch (error) {
      this.options.onReload?.("error", (error as Error).message);
      // Cert and key may be written one after the other: try again shortly.
      clearTimeout(this.pending);
      this.pending = setTimeout(() => this.reload(), this.options.pollIntervalMs ?? 5_000);
      this.pending.unref();
      return;
    }
    if (next.cert.equals(this.material.cert) && next.key.equals(this.material.key)) return;
    this.apply(secureContextOptions(next));
    this.material = next;
    this.options.onReload?.("ok");
  }
}
