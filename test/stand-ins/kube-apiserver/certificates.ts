// A throwaway certificate authority for TLS between the test's processes. node:crypto cannot
// sign X.509 certificates, so the openssl command (present on Debian machines) does the signing.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

/** Runs openssl; its absence is reported as the missing prerequisite it is. */
async function run(command: "openssl", args: string[]): Promise<void> {
  try {
    await execFileAsync(command, args);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") throw new Error("the kube-apiserver stand-in needs the openssl command to make its certificates (apt-get install openssl)");
    throw error;
  }
}

export interface CertificateAuthority {
  certPem: string;
  keyPem: string;
}

export interface IssuedCertificate {
  certPem: string;
  keyPem: string;
}

export interface CertificateRequest {
  commonName: string;
  dnsNames?: string[];
  ipAddresses?: string[];
}

const EC_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

async function inScratchDirectory<T>(work: (directory: string) => Promise<T>): Promise<T> {
  const directory = await mkdtemp(join(tmpdir(), "stand-in-tls-"));
  try {
    return await work(directory);
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

export async function createCertificateAuthority(commonName: string): Promise<CertificateAuthority> {
  return inScratchDirectory(async (directory) => {
    const keyPath = join(directory, "ca.key");
    const certPath = join(directory, "ca.crt");
    await run("openssl", [
      "req", "-x509", ...EC_KEY, "-keyout", keyPath, "-out", certPath, "-days", "2", "-subj", `/CN=${commonName}`,
      "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    return { certPem: await readFile(certPath, "utf8"), keyPem: await readFile(keyPath, "utf8") };
  });
}

/** A leaf certificate for both server and client auth, signed by `authority`. */
export async function issueCertificate(authority: CertificateAuthority, request: CertificateRequest): Promise<IssuedCertificate> {
  return inScratchDirectory(async (directory) => {
    const path = (name: string): string => join(directory, name);
    await writeFile(path("ca.crt"), authority.certPem);
    await writeFile(path("ca.key"), authority.keyPem, { mode: 0o600 });
    const alternativeNames = [
      ...(request.dnsNames ?? []).map((name) => `DNS:${name}`),
      ...(request.ipAddresses ?? []).map((address) => `IP:${address}`),
    ];
    const extensions = [
      "basicConstraints=critical,CA:FALSE",
      "keyUsage=critical,digitalSignature,keyEncipherment",
      "extendedKeyUsage=serverAuth,clientAuth",
      ...(alternativeNames.length > 0 ? [`subjectAltName=${alternativeNames.join(",")}`] : []),
    ];
    await writeFile(path("extensions.cnf"), `${extensions.join("\n")}\n`);
    await run("openssl", ["req", "-new", ...EC_KEY, "-keyout", path("leaf.key"), "-out", path("leaf.csr"), "-subj", `/CN=${request.commonName}`]);
    await run("openssl", [
      "x509", "-req", "-in", path("leaf.csr"), "-CA", path("ca.crt"), "-CAkey", path("ca.key"), "-CAcreateserial",
      "-days", "2", "-extfile", path("extensions.cnf"), "-out", path("leaf.crt"),
    ]);
    return { certPem: await readFile(path("leaf.crt"), "utf8"), keyPem: await readFile(path("leaf.key"), "utf8") };
  });
}
