/** The keys the service's validateYamlKeys accepts anywhere in a file. */
export const VALID_KEYS: ReadonlySet<string> = new Set([
  "domain", "key", "value", "descriptors", "rate_limit", "unit", "requests_per_unit", "unlimited", "shadow_mode",
  "name", "replaces", "detailed_metric", "value_to_metric", "share_threshold", "quota_mode", "metadata",
]);
