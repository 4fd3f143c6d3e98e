import { existsSync, readFileSync } from "node:fs";
import type { CommandIO } from "./io.js";
import { kubeconfigProblem } from "./kubeconfig-check.js";
import { buildWebhookConfig, WEBHOOK_SPEC, WEBHOOK_USAGE } from "../webhook/config.js";
import { formatCommandHelp, parseCommandLine } from "./options.js";
import { runWebhook } from "../webhook/main.js";

/**
 * `trendmaster webhook --port P --cert F --key F [options]`:
 * serve /mutate and /validate until SIGTERM or SIGINT. Exit 2 on bad flags or settings, 1 when it cannot start.
 */
export async function webhookCommand(args: string[], io: CommandIO): Promise<number> {
  const parsed = parseCommandLine(WEBHOOK_SPEC, args);
  if (parsed.ok && parsed.help) {
    io.stdout(formatCommandHelp(WEBHOOK_SPEC));
    return 0;
  }
  const built = buildWebhookConfig({
    args,
    env: process.env,
    exists: (path) => existsSync(path),
    readText: (path) => {
      try {
        return readFileSync(path, "utf8");
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw error;
      }
    },
  });
  if (!built.ok) {
    io.stderr(built.problems.map((p) => `trendmaster webhook: ${p}\n`).join("") + `${WEBHOOK_USAGE}\n`);
    return 2;
  }
  // Without --forecast the webhook watches the forecast cache through the API server.
  const kube = built.config.forecastFile === undefined ? kubeconfigProblem(process.env) : undefined;
  if (kube !== undefined) {
    io.stderr(`trendmaster webhook: ${kube}\n`);
    return 2;
  }
  let webhook;
  try {
    webhook = await runWebhook(built.config);
  } catch (error) {
    io.stderr(`trendmaster webhook: cannot start: ${(error as Error).message}\n`);
    return 1;
  }
  const running = webhook;
  return new Promise<number>((resolve) => {
    const stop = () => {
      process.off("SIGTERM", stop);
      process.off("SIGINT", stop);
      running.stop().then(() => resolve(0), () => resolve(1));
    };
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
  });
}
