import { readFile } from "node:fs/promises";
import { pino, type Logger } from "pino";
import { createMemoizedDerivations } from "./admission/content-memo.js";
import type { AdmissionPolicy } from "./admission/policy.js";
import type { WebhookConfig } from "./config.js";
import { createFileForecastSource } from "./io/file-forecast-source.js";
import { watchFileChanges } from "./io/file-change-watch.js";
import type { ForecastSource } from "./io/forecast-source.js";
import { kubeConfigMapAccess } from "./io/kube-configmap-access.js";
import { createSlackNotifier } from "./io/slack-notifier.js";
import { watchStampKeyFile } from "./io/stamp-key-file.js";
import { TlsReloader } from "./io/tls-reloader.js";
import { createWatchedForecastSource } from "./io/watched-forecast-source.js";
import { createWebhookMetrics } from "./metrics.js";
import { createReviewService } from "./review-service.js";
import { createWebhookApp, DEFAULT_CONNECTION_LIMITS, startHttpsServer } from "./server.js";
import { parseWebhookSettings, policyOf } from "./settings.js";

export interface RunningWebhook {
  readonly port: number;
  /** The policy in force (changes when the settings file does). */
  policy(): AdmissionPolicy;
  stop(): Promise<void>;
}

export interface WebhookOverrides {
  readonly logger?: Logger;
  /** Polling interval for the certificate, forecast and settings files (tests shorten it). */
  readonly filePollIntervalMs?: number;
  readonly host?: string;
  readonly forecast?: ForecastSource;
}

/** Build the real dependencies from a validated config and start serving. */
export async function runWebhook(config: WebhookConfig, overrides: WebhookOverrides = {}): Promise<RunningWebhook> {
  const logger = overrides.logger ?? pino({ level: config.logLevel, base: { component: "webhook" } });
  const pollIntervalMs = overrides.filePollIntervalMs ?? 2_000;
  let settings = config.settings;
  let policy = policyOf(settings, config.pinnedMode);

  const onForecast = (what: string) => (snapshot: { state: string; cache?: { generation: number; generatedAt: string }; problem?: string }) =>
    logger.info({ source: what, state: snapshot.state, generation: snapshot.cache?.generation, generatedAt: snapshot.cache?.generatedAt, problem: snapshot.problem }, "forecast cache read");
  const forecast =
    overrides.forecast ??
    (config.forecastFile !== undefined
      ? createFileForecastSource(config.forecastFile, { pollIntervalMs, onChange: onForecast(config.forecastFile) })
      : createWatchedForecastSource(await kubeConfigMapAccess(config.podNamespace, settings.forecastCacheName), {
          onChange: onForecast(`${config.podNamespace}/${settings.forecastCacheName}`),
          onError: (message) => logger.warn(message),
        }));

  const metrics = createWebhookMetrics(() => forecast.current());
  const tls = new TlsReloader(config.certFile, config.keyFile, (options) => running.server.setSecureContext(options), {
    pollIntervalMs,
    onReload: (result, message) => {
      metrics.certificateReloads.inc({ result });
      if (result === "ok") logger.info({ cert: config.certFile }, "serving certificate reloaded");
      else logger.warn({ cert: config.certFile, problem: message }, "serving certificate not reloaded");
    },
  });

  // The mode (and the rest of the policy) follows the settings file without a restart; a broken file keeps the last good one.
  const settingsListener = () => {
    readFile(config.settingsFile, "utf8").then(
      (text) => {
        const parsed = parseWebhookSettings(text);
        if (!parsed.ok) return logger.error({ file: config.settingsFile, problems: parsed.problems }, "settings file changed but is invalid: keeping the previous settings");
        if (parsed.settings.forecastCacheName !== settings.forecastCacheName) logger.warn("forecastCache.name changed: takes effect on restart");
        settings = parsed.settings;
        const next = policyOf(settings, config.pinnedMode);
        if (next.mode !== policy.mode) logger.info({ from: policy.mode, to: next.mode }, "webhook mode changed");
        policy = next;
        return undefined;
      },
      (error: NodeJS.ErrnoException) => logger.warn({ file: config.settingsFile, code: error.code }, "settings file unreadable: keeping the previous settings"),
    );
  };
  // Watched, so a mode switch applies to the next request; polling catches what events miss.
  const settingsWatch = watchFileChanges(config.settingsFile, pollIntervalMs, settingsListener);

  // Read at start (config checked it exists); guardStamp.keyFile changes take effect on restart.
  const stampKeys =
    settings.stampKeyFile !== undefined
      ? watchStampKeyFile(settings.stampKeyFile, {
          pollIntervalMs,
          onProblem: (message) => logger.error(message),
          onReload: () => logger.info({ file: settings.stampKeyFile }, "stamp keys reloaded"),
        })
      : undefined;
  const slack = settings.slack;
  const reviews = createReviewService({
    forecast,
    policy: () => policy,
    nowMs: Date.now,
    derive: createMemoizedDerivations(),
    ...(stampKeys ? { stampKeys: () => stampKeys.current() } : {}),
    metrics,
    logger,
    ...(slack ? { notifier: createSlackNotifier(slack, (message) => logger.warn(message)) } : {}),
  });
  let forecastStarted = false;
  const app = createWebhookApp({
    reviews,
    metrics,
    logger,
    bodyLimitBytes: config.bodyLimitBytes,
    ready: () => {
      if (!forecastStarted || forecast.current().state === "unknown") return { ready: false, reason: "forecast cache not read yet" };
      return { ready: true };
    },
  });
  const running = await startHttpsServer(app, tls.current(), config.port, overrides.host, { ...DEFAULT_CONNECTION_LIMITS, maxConnections: config.maxConnections });
  tls.start();
  // Serve (unguarded, with warnings) while the first read of the cache is in flight; readiness waits for it.
  const started = forecast.start().then(() => {
    forecastStarted = true;
  });
  logger.info({ port: running.port, mode: policy.mode, forecast: config.forecastFile ?? `${config.podNamespace}/${settings.forecastCacheName}`, target: policy.target }, "webhook listening");
  if (!stampKeys) logger.warn("guardStamp.keyFile is not set: admitted writes are not stamped, and writes made while the webhook is down cannot be told from guarded ones");
  await started;
  return {
    port: running.port,
    policy: () => policy,
    async stop() {
      settingsWatch.stop();
      stampKeys?.stop();
      tls.stop();
      forecast.stop();
      await running.close();
    },
  };
}
