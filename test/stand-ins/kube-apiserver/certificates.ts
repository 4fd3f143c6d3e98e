// A throwaway certificate authority for TLS between the test's processes. node:crypto cannot
// sign X.509 certificates, so the openssl command (present on Debian machines) does the signing.
//
// Certificates are valid from a week before to a week after this process's clock. Tests may run
// under libfaketime (`faketime -f "+Ns"`), which shifts this process and openssl but not Go
// programs (kubectl, helm, prometheus): the window must hold on both clocks, so the dates are set
// explicitly with `openssl ca` (`req -x509` and `x509 -req` always start at openssl's now).
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

/** How far either side of now a certificate is valid: covers clock shifts of up to six days. */
const VALIDITY_MARGIN_MS = 8 * 86_400_000;

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

/** openssl ca's date form, YYYYMMDDHHMMSSZ. */
function caDate(ms: number): string {
  return `${new Date(ms).toISOString().replace(/[-:T]/g, "").slice(0, 14)}Z`;
}

/** A minimal `openssl ca` setup in `directory`: its database, serial and a policy that takes any subject. */
async function writeCaConfig(directory: string): Promise<string> {
  const config = join(directory, "ca.cnf");
  await writeFile(join(directory, "index.txt"), "");
  await writeFile(join(directory, "serial"), `${Date.now().toString(16).padStart(16, "0")}\n`);
  await writeFile(config, [
    "[ca]", "default_ca = scratch",
    "[scratch]", `dir = ${directory}`, "database = $dir/index.txt", "serial = $dir/serial", "new_certs_dir = $dir",
    "default_md = sha256", "policy = any_subject", "unique_subject = no", "email_in_dn = no",
    "[any_subject]", "commonName = supplied", "",
  ].join("\n"));
  return config;
}

/** Signs `csr` with openssl ca for the validity window around now (self-signed when no issuer is given). */
async function signRequest(directory: string, csr: string, key: string, extensions: readonly string[], out: string, issuer?: { cert: string; key: string }): Promise<void> {
  const config = await writeCaConfig(directory);
  const extfile = `${out}.ext`;
  await writeFile(extfile, `${extensions.join("\n")}\n`);
  const now = Date.now();
  await run("openssl", [
    "ca", "-batch", "-notext", "-config", config, "-in", csr, "-out", out, "-extfile", extfile,
    "-startdate", caDate(now - VALIDITY_MARGIN_MS), "-enddate", caDate(now + VALIDITY_MARGIN_MS),
    ...(issuer ? ["-cert", issuer.cert, "-keyfile", issuer.key] : ["-selfsign", "-keyfile", key]),
  ]);
}

export async function createCertificateAuthority(commonName: string): Promise<CertificateAuthority> {
  return inScratchDirectory(async (directory) => {
    const keyPath = join(directory, "ca.key");
    const csrPath = join(directory, "ca.csr");
    const certPath = join(directory, "ca.crt");
    await run("openssl", ["req", "-new", ...EC_KEY, "-keyout", keyPath, "-out", csrPath, "-subj", `/CN=${commonName}`]);
    await signRequest(directory, csrPath, keyPath, ["basicConstraints=critical,CA:TRUE", "keyUsage=critical,keyCertSign,cRLSign", "subjectKeyIdentifier=hash"], certPath);
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
      "authorityKeyIdentifier=keyid",
      ...(alternativeNames.length > 0 ? [`subjectAltName=${alternativeNames.join(",")}`] : []),
    ];
    await run("openssl", ["req", "-new", ...EC_KEY, "-keyout", path("leaf.key"), "-out", path("leaf.csr"), "-subj", `/CN=${request.commonName}`]);
    await signRequest(directory, path("leaf.csr"), path("leaf.key"), extensions, path("leaf.crt"), { cert: path("ca.crt"), key: path("ca.key") });
    return { certPem: await readFile(path("leaf.crt"), "utf8"), keyPem: await readFile(path("leaf.key"), "utf8") };
  });
}
