import { readFileSync } from "node:fs";
import { join } from "node:path";
import yaml from "js-yaml";
import { repoRoot } from "../../test/support/paths.js";
import { checkSettingsSchema, mergeProblems, missingFiles, SETTINGS_SCHEMA, type SchemaNode } from "./settings-schema.js";

const SETTINGS_DOC = readFileSync(join(repoRoot(), "docs", "settings.md"), "utf8");

/** Every key path the schema knows (rule full keys of `overrides` stand as one `[key]` segment). */
function keyPaths(node: SchemaNode, path = ""): string[] {
  if (node.kind === "map") return Object.entries(node.keys).flatMap(([key, child]) => [path === "" ? key : `${path}.${key}`, ...keyPaths(child, path === "" ? key : `${path}.${key}`)]);
  if (node.kind === "dict") return keyPaths(node.value, `${path}[key]`);
  if (node.kind === "scalarOrMap") return keyPaths(node.map, path);
  return [];
}

describe("the settings schema", () => {
  // Problems come in the order of the file's own keys.
  it.each<[string, unknown, string[]]>([
    ["an empty file", null, []],
    ["null sections (an empty YAML key)", { webhook: null, forecaster: { prometheus: null } }, []],
    ["a misspelt key at each depth", { webhok: {}, webhook: { breakGlass: { user: [] } }, forecaster: { prometheus: { basicAuth: { pasword: "x" } } } }, [
      "webhok: unknown setting (known: ratelimitConfig, forecastCache, webhook, guardStamp, forecaster, report, gitops, slack)",
      "webhook.breakGlass.user: unknown setting (known: users, groups)",
      "forecaster.prometheus.basicAuth.pasword: unknown setting (known: user, passwordFile)",
    ]],
    ["wrong types", { ratelimitConfig: { mergeDomains: "maybe" }, forecaster: { stepSeconds: 1.5, workers: "2" }, webhook: { forecasterUsers: "system:serviceaccount:tm:f" } }, [
      "ratelimitConfig.mergeDomains: must be true or false, got 'maybe'",
      "forecaster.stepSeconds: must be an integer, got 1.5",
      "forecaster.workers: must be an integer, got '2'",
      "webhook.forecasterUsers: must be a list of non-empty strings, got 'system:serviceaccount:tm:f'",
    ]],
    ["a rule override and an alert route, checked inside", { forecaster: { overrides: { "edge.PARTNER_a": { pin: "high" } } }, slack: { alerts: { system_errors: { chanels: [] }, ml_confidence_low: 3 } } }, [
      "forecaster.overrides['edge.PARTNER_a'].pin: must be an integer, got 'high'",
      "slack.alerts.system_errors.chanels: unknown setting (known: enabled, channels)",
      "slack.alerts.ml_confidence_low: must be true or false or a mapping, got 3",
    ]],
    ["a file that is not a mapping", ["webhook"], ["the settings file: must be a mapping, got a list"]],
  ])("%s", (_name, document, problems) => {
    expect(checkSettingsSchema(document).problems).toEqual(problems);
  });

  it("lists the files each process must find at start", () => {
    const { files } = checkSettingsSchema({ guardStamp: { keyFile: "/k" }, slack: { botTokenFile: "/s" }, forecaster: { prometheus: { caFile: "/ca", basicAuth: { user: "u", passwordFile: "/p" } } } });
    expect(missingFiles(files, "webhook", () => false)).toEqual([
      "guardStamp.keyFile: '/k' does not exist (mount the Secret there)",
      "slack.botTokenFile: '/s' does not exist (mount the Secret there)",
    ]);
    expect(missingFiles(files, "forecaster", (file) => file === "/s")).toEqual([
      "guardStamp.keyFile: '/k' does not exist (mount the Secret there)",
      "forecaster.prometheus.caFile: '/ca' does not exist (mount the Secret there)",
      "forecaster.prometheus.basicAuth.passwordFile: '/p' does not exist (mount the Secret there)",
    ]);
  });

  it("keeps a reader's own words for a path, and adds the schema's for the rest", () => {
    expect(mergeProblems(["a.b: must be a number, got 'x'", "c: unknown setting (known: a)"], ["a.b: must be a number >= 1, got 'x'"])).toEqual([
      "a.b: must be a number >= 1, got 'x'",
      "c: unknown setting (known: a)",
    ]);
  });

  it("accepts the example in docs/settings.md, which names every key the schema knows", () => {
    const example = /## Settings file \(YAML\)\n\n```yaml\n([\s\S]*?)```/.exec(SETTINGS_DOC)?.[1];
    expect(example).toBeDefined();
    expect(checkSettingsSchema(yaml.load(example as string)).problems).toEqual([]);
    const documented = `${SETTINGS_DOC}\n${readFileSync(join(repoRoot(), "docs", "forecast-formula.md"), "utf8")}`;
    const undocumented = keyPaths(SETTINGS_SCHEMA).filter((path) => !documented.includes(path.split(".").at(-1)?.replace("[key]", "") as string));
    expect(undocumented).toEqual([]);
  });
});
