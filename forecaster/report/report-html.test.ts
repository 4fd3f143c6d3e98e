import { buildReportData } from "./report-data.js";
import { escapeHtml, renderReportHtml, scriptJson } from "./report-html.js";

const hostile = "PATH=</script><img src=x onerror=alert(1)>";
const data = buildReportData({
  cache: { generation: 1, generatedAt: "2026-01-08T00:00:00.000Z", source: "s", model: "m", rules: {} },
  target: "istio-system/ratelimit-config",
  unguarded: true,
  builtAt: "2026-01-08T00:00:00.000Z",
  trafficSource: "files:/t",
  rules: [{ fullKey: "edge.x", liveLimit: 5, forecast: { label: hostile, unit: "minute", current: 5, recommended: 5, confidence: "low", explanation: hostile } }],
});
const html = renderReportHtml(data, { script: "window.uPlot = function () {};", style: ".uplot{}" });

describe("renderReportHtml", () => {
  it("escapes rule text everywhere it appears", () => {
    expect(html).not.toContain("<img");
    expect(html).toContain(escapeHtml(hostile));
    expect(html.match(/<\/script>/g)?.length).toBe(3); // the data, uPlot and the page script: nothing else closes a script
  });

  it("forbids every network request and references nothing outside the page", () => {
    expect(html).toContain(`content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:"`);
    expect(html).not.toMatch(/\b(src|href)="(?!#)/);
  });

  it("says when ratelimit-config was changed without the webhook", () => {
    expect(html).toContain('role="alert"');
  });
});

describe("scriptJson", () => {
  it("cannot end its script element early", () => {
    expect(scriptJson({ a: "</script><!--" })).toBe('{"a":"\\u003c/script>\\u003c!--"}');
    expect(JSON.parse(scriptJson({ a: "</script>" }))).toEqual({ a: "</script>" });
  });
});
