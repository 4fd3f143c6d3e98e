import type { DeliveryResult, Notifier } from "../../forecaster/io/slack.js";
import type { Alert } from "../../forecaster/logic/alerts.js";

/** Keeps every alert instead of sending it, for tests and benchmarks. */
export class RecordingNotifier implements Notifier {
  readonly alerts: Alert[] = [];
  async send(alert: Alert): Promise<DeliveryResult[]> {
    this.alerts.push(alert);
    return [{ destination: "recorder", ok: true }];
  }
}
