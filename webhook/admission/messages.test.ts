import { boundUserText, boundWarnings, cutUserText, MAX_QUOTED_CHARS, MAX_WARNING_CHARS } from "./messages.js";
import { buildDenyResponse } from "./response.js";

const HUGE = "k".repeat(2 * 1024 * 1024);

describe("user text in messages", () => {
  it("cuts a quoted stretch over 200 characters and says so", () => {
    const message = boundUserText(`config.yaml: config error, unknown key '${HUGE}'`);
    expect(message).toBe(`config.yaml: config error, unknown key '${"k".repeat(MAX_QUOTED_CHARS)}...(cut: ${HUGE.length} characters in all)'`);
  });

  it("leaves short messages and short quotes exactly as they are", () => {
    const message = `config.yaml: config error, unknown key 'rate_limits'\n${"x".repeat(300)} 'short'`;
    expect(boundUserText(message)).toBe(message);
    expect(cutUserText("INC-42: failover")).toBe("INC-42: failover");
  });

  it("bounds unquoted user text by the line, and the whole message", () => {
    const line = boundUserText(`value ${HUGE}`);
    expect(line.length).toBeLessThan(1_100);
    expect(line).toMatch(/\.\.\.\(cut: \d+ characters in all\)$/);
    const many = boundUserText(Array.from({ length: 100 }, (_v, i) => `line ${i} ${"y".repeat(900)}`).join("\n"));
    expect(many.length).toBeLessThan(8_300);
    expect(many).toMatch(/\.\.\.\(cut: \d+ characters in all\)$/);
  });

  it("bounds denials, warnings and audit annotations", () => {
    const denial = buildDenyResponse("u", `config.yaml: config error, unknown key '${HUGE}'`, 422, { warnings: [`'${HUGE}'`], auditAnnotations: { "would-deny": `key '${HUGE}'` } });
    expect(denial.status?.message?.length).toBeLessThan(400);
    expect(denial.warnings?.[0]?.length).toBeLessThanOrEqual(MAX_WARNING_CHARS);
    expect(denial.auditAnnotations?.["would-deny"]?.length).toBeLessThan(400);
    expect(boundWarnings([`${HUGE}`])[0]?.length).toBeLessThanOrEqual(MAX_WARNING_CHARS);
    expect(cutUserText(HUGE)).toBe(`${"k".repeat(MAX_QUOTED_CHARS)}...(cut: ${HUGE.length} characters in all)`);
  });
});
