// The TrendMaster-AI integration guide's two values blocks, character for character, in the two
// environment variants platform teams paste (orp2 pre-production, prd1 production). Chart tests
// render them unchanged; docs/integration-guide.md must quote them unchanged.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The guide's `trendmaster_ai:` block, orp2 variant. */
export const GUIDE_TRENDMASTER_BLOCK_ORP2 = `trendmaster_ai:
  enabled: "true"
  prometheus_url: "https://trickster.orp2.ott.example.com"
  dry_run: "true"
  log_level: "INFO"
  schedule: "0 */6 * * *"
  resources:
    requests:
      cpu: "200m"
      memory: "512Mi"
    limits:
      cpu: "1"
      memory: "1Gi"
`;

/** The guide's `trendmaster_ai:` block, prd1 variant. */
export const GUIDE_TRENDMASTER_BLOCK_PRD1 = `trendmaster_ai:
  enabled: "true"
  prometheus_url: "https://trickster.prd1.ott.example.com"
  dry_run: "false"
  log_level: "INFO"
  schedule: "0 */6 * * *"
  resources:
    requests:
      cpu: "500m"
      memory: "1Gi"
    limits:
      cpu: "2"
      memory: "2Gi"
`;

/** The guide's "Configure Slack notifications in your values files" block. */
export const GUIDE_MONITORING_BLOCK = `monitoring:
  trendmaster_ai:
    enabled: "true"
    alerts:
      rate_limit_changes: "true"
      ml_confidence_low: "true"
      system_errors: "true"
    slack_channels:
      - "#alerts"
      - "#platform-team"
`;

export type GuideVariant = "orp2" | "prd1";

/** A values file holding the guide's two blocks as pasted, nothing else. */
export function guideValuesText(variant: GuideVariant): string {
  return `${variant === "orp2" ? GUIDE_TRENDMASTER_BLOCK_ORP2 : GUIDE_TRENDMASTER_BLOCK_PRD1}\n${GUIDE_MONITORING_BLOCK}`;
}

/** Writes guideValuesText(variant) to a fresh temporary file and returns its path. */
export function writeGuideValuesFile(variant: GuideVariant): string {
  const file = join(mkdtempSync(join(tmpdir(), `trendmaster-guide-${variant}-`)), "values.yaml");
  writeFileSync(file, guideValuesText(variant));
  return file;
}
