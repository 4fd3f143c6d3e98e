/** A realistic ratelimit-config: partners × API paths, comments and mixed styles, seeded. */
export function generateRateLimitConfig(ruleCount: number, seed = 42): string {
  let state = seed >>> 0;
  const random = () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const paths = ["/api_v3/catalog", "/api_v3/playback/start", "/api_v3/search", "/api_v2/user/profile", "/api_v3/epg/grid"];
  const units = ["second", "minute", "minute", "minute", "hour"];
  const lines = ["# Generated ratelimit config", "domain: global-ratelimit", "descriptors:"];
  let rules = 0;
  for (let partner = 0; rules < ruleCount; partner++) {
    lines.push(`  # partner ${partner}`, "  - key: PARTNER", `    value: CUSTOMER_ID_${partner}`, "    descriptors:");
    for (const path of paths) {
      if (rules >= ruleCount) break;
      const unit = units[Math.floor(random() * units.length)] ?? "minute";
      const limit = Math.round(10 + random() * 5000);
      lines.push("      - key: PATH", `        value: "${path}"`, "        rate_limit:", `          unit: ${unit}`, `          requests_per_unit: ${limit}`);
      rules++;
    }
  }
  return lines.join("\n") + "\n";
}
