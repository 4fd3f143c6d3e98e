// `helm test`: the webhook answers over the TLS the API server uses, and the live guarded
// ConfigMap loads as the ratelimit service loads it (`trendmaster validate`). Exit 0 when both
// hold; otherwise 1, each failure on its own line naming what failed.
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { request } from "node:https";

const env = process.env;
const required = (name) => {
  const value = env[name];
  if (value === undefined || value === "") {
    console.error(`FAIL ${name} is not set`);
    process.exit(1);
  }
  return value;
};

/** GET over HTTPS trusting only `caFile`: { status, body } or { error }. */
function get(url, caFile, headers = {}) {
  return new Promise((resolve) => {
    let ca;
    try {
      ca = readFileSync(caFile);
    } catch (error) {
      resolve({ error: `cannot read the CA ${caFile}: ${error.message}` });
      return;
    }
    const req = request(url, { method: "GET", ca, headers, timeout: 10_000 }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("timeout", () => req.destroy(new Error("no answer within 10 s")));
    req.on("error", (error) => resolve({ error: error.message }));
    req.end();
  });
}

const failures = [];

const webhookUrl = `${required("WEBHOOK_URL").replace(/\/+$/, "")}/readyz`;
const webhook = await get(webhookUrl, required("WEBHOOK_CA_FILE"));
if ("error" in webhook) failures.push(`the webhook does not answer at ${webhookUrl}: ${webhook.error}`);
else if (webhook.status !== 200) failures.push(`the webhook answers ${webhookUrl} with ${webhook.status}: ${webhook.body.slice(0, 300)}`);
else console.log(`ok   the webhook answers ${webhookUrl}`);

const namespace = required("RATELIMIT_NAMESPACE");
const name = required("RATELIMIT_NAME");
const apiServer = env.KUBERNETES_API_URL || `https://${required("KUBERNETES_SERVICE_HOST")}:${required("KUBERNETES_SERVICE_PORT")}`;
const accountDir = env.SERVICE_ACCOUNT_DIR || "/var/run/secrets/kubernetes.io/serviceaccount";
let token = "";
try {
  token = readFileSync(`${accountDir}/token`, "utf8").trim();
} catch (error) {
  failures.push(`no ServiceAccount token at ${accountDir}/token: ${error.message}`);
}
if (token !== "") {
  const url = `${apiServer}/api/v1/namespaces/${encodeURIComponent(namespace)}/configmaps/${encodeURIComponent(name)}`;
  const live = await get(url, `${accountDir}/ca.crt`, { authorization: `Bearer ${token}`, accept: "application/json" });
  if ("error" in live) failures.push(`cannot read ${namespace}/${name}: ${live.error}`);
  else if (live.status !== 200) failures.push(`cannot read ${namespace}/${name}: the API server answered ${live.status}: ${live.body.slice(0, 300)}`);
  else {
    const config = JSON.parse(live.body).data?.["config.yaml"];
    if (typeof config !== "string") failures.push(`${namespace}/${name} has no data."config.yaml"`);
    else {
      const file = `${env.TMPDIR || "/tmp"}/${name}-config.yaml`;
      writeFileSync(file, config);
      const cli = env.TRENDMASTER_CLI || "/app/dist/cli/main.js";
      const validation = spawnSync(process.execPath, [cli, "validate", file], { encoding: "utf8" });
      process.stdout.write(validation.stdout);
      if (validation.status === 0) console.log(`ok   ${namespace}/${name} loads as the ratelimit service loads it`);
      else failures.push(`${namespace}/${name} does not load: ${(validation.stderr || validation.stdout).trim()}`);
    }
  }
}

for (const failure of failures) console.error(`FAIL ${failure}`);
process.exit(failures.length === 0 ? 0 : 1);
