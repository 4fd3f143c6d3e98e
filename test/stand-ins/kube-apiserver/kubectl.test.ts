// The stand-in proven with the real kubectl 1.31: what it prints is what a person would see
// against a real kube-apiserver.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { kubectlPath, missingBinaryMessage } from "../../support/binaries.js";
import { type KubectlResult, runKubectl } from "../../support/kubectl.js";
import { type KubeApiStandIn, startKubeApiStandIn } from "./index.js";

const kubectl = kubectlPath();
if (kubectl === undefined) console.warn(missingBinaryMessage("kubectl"));
const describeWithKubectl = kubectl === undefined ? describe.skip : describe;

describeWithKubectl("kube-apiserver stand-in with the real kubectl", () => {
  let api: KubeApiStandIn;
  let kubeconfig: string;
  let workDirectory: string;
  const run = (args: string[], stdin?: string, user?: string): Promise<KubectlResult> =>
    runKubectl(kubectl as string, user === undefined ? kubeconfig : api.kubeconfigPath(user), args, stdin === undefined ? {} : { stdin });

  beforeAll(async () => {
    api = await startKubeApiStandIn({ users: [{ name: "admin", groups: ["system:masters"] }, { name: "alice", groups: ["trendmaster-operators"] }] });
    workDirectory = await mkdtemp(join(tmpdir(), "kubectl-test-"));
    kubeconfig = await api.writeKubeconfig(workDirectory, "admin");
  });
  afterAll(async () => {
    await api?.stop();
    if (workDirectory !== undefined) await rm(workDirectory, { recursive: true, force: true });
  });

  it("creates a ConfigMap and lists it as a server-side table", async () => {
    expect(await run(["create", "configmap", "listed", "--from-literal=a=1", "--from-literal=b=2"])).toMatchObject({ code: 0, stdout: "configmap/listed created\n" });
    const listed = await run(["get", "configmaps"]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^NAME\s+DATA\s+AGE\nlisted\s+2\s+\d+s\n$/);
    expect(api.requests().some((request) => request.accept.startsWith("application/json;as=Table;v=v1;g=meta.k8s.io"))).toBe(true);
  });

  it("prints an object with -o yaml and -o json as stored", async () => {
    await run(["create", "configmap", "printed", "--from-literal=limit=100"]);
    const yaml = await run(["get", "configmap", "printed", "-o", "yaml"]);
    expect(yaml.stdout).toContain('limit: "100"');
    const json = JSON.parse((await run(["get", "configmap", "printed", "-o", "json"])).stdout) as { metadata: { resourceVersion: string; uid: string } };
    const stored = api.getObject("configmaps", "default", "printed");
    expect(json.metadata.resourceVersion).toBe(stored?.metadata.resourceVersion);
    expect(json.metadata.uid).toBe(stored?.metadata.uid);
  });

  it("answers NotFound and AlreadyExists in the apiserver's words", async () => {
    expect((await run(["get", "configmap", "missing"])).stderr).toBe('Error from server (NotFound): configmaps "missing" not found\n');
    await run(["create", "configmap", "twice"]);
    expect((await run(["create", "configmap", "twice"])).stderr).toBe('error: failed to create configmap: configmaps "twice" already exists\n');
    expect((await run(["create", "configmap", "elsewhere", "-n", "no-such-namespace"])).stderr).toBe(
      'error: failed to create configmap: namespaces "no-such-namespace" not found\n',
    );
  });

  it("applies client-side: creates, then patches with the last-applied annotation", async () => {
    const manifest = (value: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\n  labels: {app: trendmaster}\ndata:\n  limit: "${value}"\n`;
    expect((await run(["apply", "-f", "-"], manifest("10"))).stdout).toBe("configmap/applied created\n");
    expect((await run(["apply", "-f", "-"], manifest("20"))).stdout).toBe("configmap/applied configured\n");
    expect((await run(["apply", "-f", "-"], manifest("20"))).stdout).toBe("configmap/applied unchanged\n");
    const stored = api.getObject("configmaps", "default", "applied");
    expect(stored?.data).toEqual({ limit: "20" });
    expect(stored?.metadata.annotations?.["kubectl.kubernetes.io/last-applied-configuration"]).toContain('"limit":"20"');
    const patchRequest = api.requests().find((request) => request.method === "PATCH" && request.url.includes("/configmaps/applied"));
    expect(patchRequest?.contentType).toBe("application/strategic-merge-patch+json");
  });

  it("applies client-side after a replace that saved resourceVersion in the last-applied annotation", async () => {
    const manifest = (value: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: replaced-then-applied\ndata:\n  limit: "${value}"\n`;
    expect((await run(["apply", "-f", "-"], manifest("1"))).code).toBe(0);
    // replace keeps last-applied in step with the whole object it sends, resourceVersion and uid included.
    const replaced = await run(["replace", "-f", "-"], (await run(["get", "configmap", "replaced-then-applied", "-o", "yaml"])).stdout.replace('limit: "1"', 'limit: "2"'));
    expect(replaced).toMatchObject({ code: 0 });
    expect(api.getObject("configmaps", "default", "replaced-then-applied")?.metadata.annotations?.["kubectl.kubernetes.io/last-applied-configuration"]).toContain('"resourceVersion"');
    // So apply's patch says `"resourceVersion": null, "uid": null`: no precondition, the identity kept.
    expect(await run(["apply", "-f", "-"], manifest("3"))).toMatchObject({ code: 0, stdout: "configmap/replaced-then-applied configured\n" });
    const stored = api.getObject("configmaps", "default", "replaced-then-applied");
    expect(stored?.data).toEqual({ limit: "3" });
    expect(stored?.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("replaces an edited copy, and refuses a stale one with the Conflict message", async () => {
    await run(["create", "configmap", "edited", "--from-literal=limit=1"]);
    const original = (await run(["get", "configmap", "edited", "-o", "yaml"])).stdout;
    const replaced = await run(["replace", "-f", "-"], original.replace('limit: "1"', 'limit: "2"'));
    expect(replaced).toMatchObject({ code: 0, stdout: "configmap/edited replaced\n" });
    expect(api.getObject("configmaps", "default", "edited")?.data).toEqual({ limit: "2" });

    const stale = await run(["replace", "-f", "-"], original.replace('limit: "1"', 'limit: "3"'));
    expect(stale.code).toBe(1);
    expect(stale.stderr).toBe(
      'Error from server (Conflict): error when replacing "STDIN": Operation cannot be fulfilled on configmaps "edited": the object has been modified; please apply your changes to the latest version and try again\n',
    );
  });

  it("edits with kubectl edit, through the editor", async () => {
    await run(["create", "configmap", "edited-in-editor", "--from-literal=limit=1"]);
    const editor = join(workDirectory, "editor.sh");
    await writeFile(editor, '#!/bin/sh\nsed -i \'s/limit: "1"/limit: "7"/\' "$1"\n', { mode: 0o755 });
    const edited = await runKubectl(kubectl as string, kubeconfig, ["edit", "configmap", "edited-in-editor"], { env: { KUBE_EDITOR: editor } });
    expect(edited).toMatchObject({ code: 0, stdout: "configmap/edited-in-editor edited\n" });
    expect(api.getObject("configmaps", "default", "edited-in-editor")?.data).toEqual({ limit: "7" });
    expect(api.requests().some((request) => request.method === "PATCH" && request.url.includes("fieldManager=kubectl-edit"))).toBe(true);
  });

  it("diffs against a server-side dry run", async () => {
    await run(["create", "configmap", "diffed", "--from-literal=limit=1"]);
    const manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: diffed\ndata:\n  limit: \"2\"\n";
    const diff = await run(["diff", "-f", "-"], manifest);
    expect(diff.code).toBe(1);
    expect(diff.stdout.split("\n").filter((line) => /^[-+] /.test(line))).toEqual(['-  limit: "1"', '+  limit: "2"']);
    expect(api.getObject("configmaps", "default", "diffed")?.data).toEqual({ limit: "1" });
  });

  it("creates and deletes a namespace with what is in it", async () => {
    expect((await run(["create", "namespace", "team-a"])).stdout).toBe("namespace/team-a created\n");
    await run(["create", "configmap", "inside", "-n", "team-a"]);
    expect((await run(["get", "namespace", "team-a"])).stdout).toMatch(/^NAME\s+STATUS\s+AGE\nteam-a\s+Active\s+\d+s\n$/);
    expect(api.getObject("namespaces", undefined, "team-a")?.metadata.labels).toEqual({ "kubernetes.io/metadata.name": "team-a" });
    expect((await run(["delete", "namespace", "team-a"])).stdout).toBe('namespace "team-a" deleted\n');
    expect(api.getObject("configmaps", "team-a", "inside")).toBeUndefined();
  });

  it("watches with kubectl get -w", async () => {
    const watching = run(["get", "configmaps", "-n", "kube-public", "-w", "--request-timeout=2s"]);
    await new Promise((resolve) => setTimeout(resolve, 700));
    await run(["create", "configmap", "watched", "-n", "kube-public", "--from-literal=a=1"]);
    await run(["delete", "configmap", "watched", "-n", "kube-public"]);
    const output = (await watching).stdout.split("\n").filter((line) => line !== "");
    expect(output[0]).toMatch(/^NAME\s+DATA\s+AGE$/);
    expect(output.slice(1).map((line) => line.split(/\s+/).slice(0, 2).join(" "))).toEqual(["watched 1", "watched 1"]);
  });

  it("refuses to replace a deleted and recreated object by uid", async () => {
    await run(["create", "configmap", "recreated"]);
    const original = (await run(["get", "configmap", "recreated", "-o", "json"])).stdout;
    await run(["delete", "configmap", "recreated"]);
    await run(["create", "configmap", "recreated"]);
    const withoutVersion = JSON.stringify({ ...JSON.parse(original), metadata: { ...JSON.parse(original).metadata, resourceVersion: undefined } });
    const replaced = await run(["replace", "-f", "-"], withoutVersion);
    expect(replaced.stderr).toMatch(/^Error from server \(Conflict\): error when replacing "STDIN": Operation cannot be fulfilled on configmaps "recreated": Precondition failed: UID in precondition: [0-9a-f-]{36}, UID in object meta: [0-9a-f-]{36}\n$/);
  });

  it.each([
    ["strategic merge", ["-p", '{"data":{"b":"2"}}'], { a: "1", b: "2" }],
    ["merge", ["--type=merge", "-p", '{"data":{"a":null,"c":"3"}}'], { c: "3" }],
    ["json", ["--type=json", "-p", '[{"op":"add","path":"/data/d","value":"4"}]'], { a: "1", d: "4" }],
  ])("patches with a %s patch", async (name, patchArgs, expectedData) => {
    const objectName = `patched-${name.replace(" ", "-")}`;
    await run(["create", "configmap", objectName, "--from-literal=a=1"]);
    expect((await run(["patch", "configmap", objectName, ...patchArgs])).stdout).toBe(`configmap/${objectName} patched\n`);
    expect(api.getObject("configmaps", "default", objectName)?.data).toEqual(expectedData);
  });

  it("reports a failed json patch test operation", async () => {
    await run(["create", "configmap", "tested", "--from-literal=a=1"]);
    const result = await run(["patch", "configmap", "tested", "--type=json", "-p", '[{"op":"test","path":"/data/a","value":"2"}]']);
    expect(result.stderr).toBe("The request is invalid: : testing value /data/a failed: test failed\n");
  });

  it("deletes, and --dry-run=server stores nothing", async () => {
    await run(["create", "configmap", "doomed"]);
    const revisionBefore = api.currentResourceVersion();
    expect((await run(["create", "configmap", "imagined", "--dry-run=server"])).stdout).toBe("configmap/imagined created (server dry run)\n");
    expect((await run(["delete", "configmap", "doomed", "--dry-run=server"])).stdout).toBe('configmap "doomed" deleted (server dry run)\n');
    expect(api.getObject("configmaps", "default", "imagined")).toBeUndefined();
    expect(api.getObject("configmaps", "default", "doomed")).toBeDefined();
    expect(api.currentResourceVersion()).toBe(revisionBefore);
    expect((await run(["delete", "configmap", "doomed"])).stdout).toBe('configmap "doomed" deleted\n');
    expect(api.getObject("configmaps", "default", "doomed")).toBeUndefined();
  });

  it("applies server-side, with field-manager conflicts and --force-conflicts", async () => {
    const manifest = (value: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\ndata:\n  limit: "${value}"\n`;
    expect((await run(["apply", "--server-side", "-f", "-"], manifest("1"))).stdout).toBe("configmap/ssa serverside-applied\n");
    const contested = await run(["apply", "--server-side", "--field-manager=forecaster", "-f", "-"], manifest("2"));
    expect(contested.code).toBe(1);
    expect(contested.stderr).toContain('error: Apply failed with 1 conflict: conflict with "kubectl": .data.limit');
    expect((await run(["apply", "--server-side", "--field-manager=forecaster", "--force-conflicts", "-f", "-"], manifest("2"))).code).toBe(0);
    const stored = api.getObject("configmaps", "default", "ssa");
    expect(stored?.data).toEqual({ limit: "2" });
    expect(stored?.metadata.managedFields?.map((entry) => [entry.manager, entry.operation])).toEqual([["forecaster", "Apply"]]);
  });

  it("names an updater with its version and time in an apply conflict", async () => {
    await run(["create", "configmap", "created-then-applied", "--from-literal=limit=1"]);
    const applied = await run(["apply", "--server-side", "-f", "-"], "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: created-then-applied\ndata:\n  limit: \"2\"\n");
    expect(applied.stderr).toMatch(/^error: Apply failed with 1 conflict: conflict with "kubectl-create" using v1 at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ: \.data\.limit\n/);
  });

  it("refuses unknown fields under kubectl's strict validation", async () => {
    const manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: strict\nspec:\n  limit: 1\n";
    const strict = await run(["create", "-f", "-"], manifest);
    expect(strict.stderr).toBe(
      'Error from server (BadRequest): error when creating "STDIN": ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "spec"\n',
    );
    const warned = await run(["create", "--validate=warn", "-f", "-"], manifest);
    expect(warned).toMatchObject({ code: 0, stderr: 'Warning: unknown field "spec"\n' });
  });

  it("refuses an invalid name as Invalid", async () => {
    const result = await run(["create", "-f", "-"], "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Bad_Name\n");
    expect(result.stderr).toContain(
      'The ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters',
    );
  });

  it("selects by label and by field", async () => {
    await run(["create", "configmap", "selected"]);
    await run(["label", "configmap", "selected", "tier=guard"]);
    expect((await run(["get", "configmaps", "-l", "tier=guard", "-o", "name"])).stdout).toBe("configmap/selected\n");
    expect((await run(["get", "configmaps", "--field-selector", "metadata.name=selected", "-o", "name"])).stdout).toBe("configmap/selected\n");
    expect((await run(["get", "configmaps", "-l", "tier notin (guard)", "-o", "name"])).stdout).not.toContain("configmap/selected");
  });

  it("serves Leases in coordination.k8s.io", async () => {
    const lease = "apiVersion: coordination.k8s.io/v1\nkind: Lease\nmetadata:\n  name: forecaster-leader\n  namespace: istio-system\nspec:\n  holderIdentity: pod-a\n  leaseDurationSeconds: 30\n";
    expect((await run(["apply", "-f", "-"], lease)).stdout).toBe("lease.coordination.k8s.io/forecaster-leader created\n");
    expect((await run(["get", "leases", "-n", "istio-system"])).stdout).toMatch(/^NAME\s+HOLDER\s+AGE\nforecaster-leader\s+pod-a\s+\d+s\n$/);
  });

  it("records Events, which kubectl describe and get events show", async () => {
    await run(["create", "configmap", "described", "--from-literal=limit=1"]);
    const uid = api.getObject("configmaps", "default", "described")?.metadata.uid ?? "";
    // A week ago: kubectl (Go) keeps the real clock under libfaketime, so "now" here may be its future.
    const seen = new Date(Date.now() - 7 * 86_400_000).toISOString().replace(/\.\d{3}Z$/, "Z");
    const event = [
      "apiVersion: v1",
      "kind: Event",
      "metadata: {name: described.1}",
      `involvedObject: {kind: ConfigMap, name: described, namespace: default, uid: ${uid}, apiVersion: v1}`,
      "reason: LimitClamped",
      "message: limit clamped to 500",
      "type: Warning",
      "source: {component: trendmaster-webhook}",
      `firstTimestamp: "${seen}"`,
      `lastTimestamp: "${seen}"`,
      "count: 1",
    ].join("\n");
    expect((await run(["create", "-f", "-"], event)).stdout).toBe("event/described.1 created\n");
    expect((await run(["describe", "configmap", "described"])).stdout).toMatch(/Events:\n\s+Type\s+Reason\s+Age\s+From\s+Message\n.*\n\s+Warning\s+LimitClamped\s+\d+[dhms][\dhms]*\s+trendmaster-webhook\s+limit clamped to 500\n$/);
    expect((await run(["get", "events", "--field-selector", "involvedObject.name=described"])).stdout).toMatch(
      /^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE\n\d+[dhms][\dhms]*\s+Warning\s+LimitClamped\s+configmap\/described\s+limit clamped to 500\n$/,
    );
  });

  it("tells kubectl what it does not serve", async () => {
    expect((await run(["get", "deployments"])).stderr).toBe('error: the server doesn\'t have a resource type "deployments"\n');
    expect((await run(["get", "--raw", "/apis/apps/v1/namespaces/default/deployments"])).stderr).toBe(
      "Error from server (NotFound): the server could not find the requested resource\n",
    );
  });

  it("knows who is asking", async () => {
    expect((await run(["auth", "whoami", "-o", "jsonpath={.status.userInfo.username} {.status.userInfo.groups}"], undefined, "alice")).stdout).toBe(
      'alice ["trendmaster-operators","system:authenticated"]',
    );
    expect((await run(["auth", "can-i", "update", "configmaps", "-n", "istio-system"], undefined, "alice")).stdout).toBe("yes\n");
    const intruder = join(workDirectory, "kubeconfig-intruder.yaml");
    const { readFile } = await import("node:fs/promises");
    await writeFile(intruder, (await readFile(kubeconfig, "utf8")).replace(/token: .*/, "token: not-a-known-token"));
    expect((await runKubectl(kubectl as string, intruder, ["get", "configmaps"])).stderr).toContain("error: You must be logged in to the server (Unauthorized)");
  });
});

describeWithKubectl("kube-apiserver stand-in with an authorizer", () => {
  let api: KubeApiStandIn;
  const run = (args: string[]): Promise<KubectlResult> => runKubectl(kubectl as string, api.kubeconfigPath("viewer"), args);

  beforeAll(async () => {
    api = await startKubeApiStandIn({
      users: [{ name: "viewer", groups: ["readers"] }],
      authorize: ({ verb, resource }) => resource === "configmaps" && ["get", "list", "watch"].includes(verb),
    });
  });
  afterAll(async () => api?.stop());

  it("refuses what the authorizer refuses, in RBAC's words", async () => {
    expect((await run(["get", "configmaps"])).code).toBe(0);
    expect((await run(["create", "configmap", "written"])).stderr).toBe(
      'error: failed to create configmap: configmaps is forbidden: User "viewer" cannot create resource "configmaps" in API group "" in the namespace "default"\n',
    );
    expect((await run(["get", "leases", "-n", "istio-system", "holder"])).stderr).toBe(
      'Error from server (Forbidden): leases.coordination.k8s.io "holder" is forbidden: User "viewer" cannot get resource "leases" in API group "coordination.k8s.io" in the namespace "istio-system"\n',
    );
  });

  it("answers kubectl auth can-i from the same authorizer", async () => {
    expect(await run(["auth", "can-i", "list", "configmaps"])).toMatchObject({ code: 0, stdout: "yes\n" });
    expect(await run(["auth", "can-i", "delete", "configmaps"])).toMatchObject({ code: 1, stdout: "no\n" });
  });
});

describeWithKubectl("kube-apiserver stand-in as its own process", () => {
  it("starts, writes a kubeconfig kubectl can use, and stops on SIGTERM", async () => {
    const directory = await mkdtemp(join(tmpdir(), "stand-in-process-"));
    const kubeconfig = join(directory, "kubeconfig");
    const { spawn } = await import("node:child_process");
    const { fileURLToPath } = await import("node:url");
    const child = spawn(process.execPath, [fileURLToPath(new URL("./main.js", import.meta.url)), "--kubeconfig", kubeconfig], { stdio: ["ignore", "pipe", "inherit"] });
    try {
      const ready = await new Promise<string>((resolve, reject) => {
        child.stdout.on("data", (chunk: Buffer) => resolve(chunk.toString("utf8")));
        child.on("exit", (code) => reject(new Error(`exited with ${String(code)}`)));
      });
      expect(ready).toMatch(new RegExp(`^ready https://127\\.0\\.0\\.1:\\d+ ${kubeconfig}\\n$`));
      expect((await runKubectl(kubectl as string, kubeconfig, ["get", "namespace", "istio-system", "-o", "name"])).stdout).toBe("namespace/istio-system\n");
      const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    } finally {
      child.kill("SIGKILL");
      await rm(directory, { recursive: true, force: true });
    }
  });
});
