// Runs the stand-in as its own process, for trying kubectl by hand or for tests that want it in
// another process:
//   node dist/test/stand-ins/kube-apiserver/main.js --kubeconfig /tmp/kubeconfig \
//     [--admission rendered.yaml] [--service trendmaster/trendmaster-ai=127.0.0.1:8443]
// It prints one line, `ready <url> <kubeconfig>`, and serves until SIGINT or SIGTERM.
// KUBE_API_STAND_IN_LOG=1 prints every request it answers.
import { copyFile, readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { type V1MutatingWebhookConfiguration, type V1ValidatingWebhookConfiguration, loadAllYaml } from "@kubernetes/client-node";
import type { ServiceEndpoint } from "./admission/webhook-call.js";
import { startKubeApiStandIn } from "./index.js";

interface Settings {
  kubeconfig: string;
  admissionFile: string | undefined;
  services: Map<string, ServiceEndpoint>;
}

/** Every problem with the arguments at once, or the settings. */
function readSettings(argv: string[]): Settings | string[] {
  const { values } = parseArgs({
    args: argv,
    options: { kubeconfig: { type: "string" }, admission: { type: "string" }, service: { type: "string", multiple: true } },
    strict: true,
  });
  const problems: string[] = [];
  if (values.kubeconfig === undefined) problems.push("--kubeconfig: required (where to write the kubeconfig)");
  const services = new Map<string, ServiceEndpoint>();
  for (const mapping of values.service ?? []) {
    const match = /^([^/=]+)\/([^/=]+)=([^:]+):(\d+)$/.exec(mapping);
    if (match === null) problems.push(`--service ${mapping}: expected namespace/name=host:port`);
    else services.set(`${match[1]}/${match[2]}`, { host: match[3] ?? "", port: Number(match[4]) });
  }
  if (problems.length > 0) return problems;
  return { kubeconfig: values.kubeconfig as string, admissionFile: values.admission, services };
}

async function loadAdmission(path: string): Promise<{ mutating: V1MutatingWebhookConfiguration[]; validating: V1ValidatingWebhookConfiguration[] }> {
  const documents = (loadAllYaml(await readFile(path, "utf8")) as Array<{ kind?: string } | null>).filter((document) => document !== null);
  return {
    mutating: documents.filter((document) => document.kind === "MutatingWebhookConfiguration") as V1MutatingWebhookConfiguration[],
    validating: documents.filter((document) => document.kind === "ValidatingWebhookConfiguration") as V1ValidatingWebhookConfiguration[],
  };
}

async function main(): Promise<void> {
  const settings = readSettings(process.argv.slice(2));
  if (Array.isArray(settings)) {
    process.stderr.write(`${settings.join("\n")}\n`);
    process.exit(2);
  }
  const admission = settings.admissionFile === undefined ? undefined : await loadAdmission(settings.admissionFile);
  const api = await startKubeApiStandIn(
    admission === undefined ? {} : { admission: { ...admission, resolveService: ({ namespace, name }) => settings.services.get(`${namespace}/${name}`) } },
  );
  await copyFile(api.kubeconfigPath(), settings.kubeconfig);
  process.stdout.write(`ready ${api.url} ${settings.kubeconfig}\n`);
  const stop = (): void => {
    void api.stop().then(() => process.exit(0));
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

await main();
