// Runs the real helm (v3.17, from .cache/bin/) on helm-chart/ and parses what it renders.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import yaml from "js-yaml";
import { helmPath } from "../support/binaries.js";
import { repoRoot } from "../support/paths.js";

const run = promisify(execFile);

/** The Kubernetes version the chart is rendered for (Capabilities.KubeVersion). */
export const KUBE_VERSION = "1.31.0";
export const RELEASE_NAME = "trendmaster-ai";
export const RELEASE_NAMESPACE = "trendmaster";

export const CHART_DIR = join(repoRoot(), "helm-chart");

/** One rendered Kubernetes object; fields below metadata are read through the typed helpers in objects.ts. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

export interface RenderOptions {
  /** Values files, relative to helm-chart/ or absolute. */
  valuesFiles?: readonly string[];
  /** --set-string pairs: what a values file's quoted strings give. */
  setString?: Readonly<Record<string, string>>;
  /** --set pairs: typed values (booleans, numbers). */
  set?: Readonly<Record<string, string>>;
  namespace?: string;
}

export interface HelmResult {
  ok: boolean;
  stdout: string;
  stderr: string;
}

function helmArgs(command: "template" | "lint", options: RenderOptions): string[] {
  const args = command === "template" ? ["template", RELEASE_NAME, CHART_DIR, "--kube-version", KUBE_VERSION] : ["lint", "--strict", CHART_DIR];
  args.push("--namespace", options.namespace ?? RELEASE_NAMESPACE);
  for (const file of options.valuesFiles ?? []) args.push("--values", file.startsWith("/") ? file : join(CHART_DIR, file));
  for (const [key, value] of Object.entries(options.set ?? {})) args.push("--set", `${key}=${value}`);
  for (const [key, value] of Object.entries(options.setString ?? {})) args.push("--set-string", `${key}=${value}`);
  return args;
}

async function helm(command: "template" | "lint", options: RenderOptions): Promise<HelmResult> {
  const binary = helmPath();
  if (binary === undefined) throw new Error("bug: helm called without checking helmPath()");
  try {
    const { stdout, stderr } = await run(binary, helmArgs(command, options), { maxBuffer: 32 * 1024 * 1024, env: { ...process.env, HELM_CACHE_HOME: "/tmp/trendmaster-helm-cache", HELM_CONFIG_HOME: "/tmp/trendmaster-helm-config" } });
    return { ok: true, stdout, stderr };
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string };
    return { ok: false, stdout: failed.stdout ?? "", stderr: failed.stderr ?? String(error) };
  }
}

/** `helm template`: the objects, or throws with helm's message when rendering fails. */
export async function renderChart(options: RenderOptions = {}): Promise<KubeObject[]> {
  const result = await helm("template", options);
  if (!result.ok) throw new Error(`helm template failed: ${result.stderr}`);
  return parseManifests(result.stdout);
}

/** `helm template` expected to fail: helm's message (schema or `fail` errors). */
export async function renderChartError(options: RenderOptions): Promise<string> {
  const result = await helm("template", options);
  if (result.ok) throw new Error("helm template succeeded where it should have failed");
  return result.stderr;
}

export async function lintChart(options: RenderOptions = {}): Promise<HelmResult> {
  return helm("lint", options);
}

export function parseManifests(text: string): KubeObject[] {
  const objects: KubeObject[] = [];
  for (const document of yaml.loadAll(text)) {
    if (document === null || document === undefined) continue;
    objects.push(document as KubeObject);
  }
  return objects;
}

/** The one object of this kind and name; throws listing what there is when it is missing or doubled. */
export function findObject(objects: readonly KubeObject[], kind: string, name: string): KubeObject {
  const found = objects.filter((o) => o.kind === kind && o.metadata.name === name);
  if (found.length !== 1) {
    const present = objects.map((o) => `${o.kind}/${o.metadata.name}`).join(", ");
    throw new Error(`expected one ${kind}/${name}, found ${found.length}; rendered: ${present}`);
  }
  return found[0] as KubeObject;
}

export function objectsOfKind(objects: readonly KubeObject[], kind: string): KubeObject[] {
  return objects.filter((o) => o.kind === kind);
}
