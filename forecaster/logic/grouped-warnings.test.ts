import { GroupedWarnings } from "./grouped-warnings.js";

describe("grouped warnings", () => {
  it("says a warning once however many subjects share it, naming a few", () => {
    const warnings = new GroupedWarnings();
    for (let i = 0; i < 1000; i++) warnings.add("PromQL info: metric might not be a counter", `rule edge.PARTNER_${i}`);
    warnings.add("query hit the sample limit", "rule edge.PARTNER_7");
    expect(warnings.lines()).toEqual([
      "PromQL info: metric might not be a counter (1000 times: rule edge.PARTNER_0, rule edge.PARTNER_1, rule edge.PARTNER_2 and 997 more)",
      "rule edge.PARTNER_7: query hit the sample limit",
    ]);
  });

  it("names every subject when there are few", () => {
    const warnings = new GroupedWarnings();
    warnings.add("w", "a");
    warnings.add("w", "b");
    expect(warnings.lines()).toEqual(["w (2 times: a, b)"]);
    expect(new GroupedWarnings().lines()).toEqual([]);
  });
});
