import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A CA and serving certificates signed by it, made with the openssl command (node:crypto cannot sign certificates). */
export interface TestPki {
  readonly dir: string;
  readonly caCert: Buffer;
  /** Write a fresh serving cert/key for localhost to the given paths; returns the certificate's serial (hex). */
  issue(certFile: string, keyFile: string): string;
  cleanup(): void;
}

/** Whether the openssl command is on this machine (tests that need certificates skip without it). */
export function hasOpenssl(): boolean {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

function openssl(args: string[], cwd: string): void {
  execFileSync("openssl", args, { cwd, stdio: "pipe" });
}

export function createTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), "tm-webhook-pki-"));
  openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=trendmaster-test-ca"], dir);
  writeFileSync(join(dir, "san.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
  let counter = 0;
  return {
    dir,
    caCert: readFileSync(join(dir, "ca.crt")),
    issue(certFile, keyFile) {
      counter++;
      const base = join(dir, `serving-${counter}`);
      openssl(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", `${base}.key`, "-out", `${base}.csr`, "-subj", "/CN=localhost"], dir);
      const serial = (0x1000 + counter).toString(16);
      openssl(["x509", "-req", "-in", `${base}.csr`, "-CA", "ca.crt", "-CAkey", "ca.key", "-set_serial", `0x${serial}`, "-days", "2", "-extfile", "san.ext", "-out", `${base}.crt`], dir);
      // Key first, then cert: the order a rotation may expose (a half-written pair must be refused).
      writeFileSync(keyFile, readFileSync(`${base}.key`));
      writeFileSync(certFile, readFileSync(`${base}.crt`));
      return serial.toUpperCase();
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
