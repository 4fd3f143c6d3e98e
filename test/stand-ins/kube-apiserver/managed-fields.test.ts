import { applyConfiguration, describeApplyConflicts, recordUpdate } from "./managed-fields.js";
import type { KubeObject } from "./objects.js";

const NOW = new Date("2026-01-01T00:00:00Z");
const configMap = (data: Record<string, string>, managedFields?: KubeObject["metadata"]["managedFields"]): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: "cm", namespace: "ns", ...(managedFields === undefined ? {} : { managedFields }) },
  data,
});

describe("managed fields", () => {
  it("gives an updater the fields it changed, taking them from their previous owner", () => {
    const created = configMap({ a: "1", b: "1" });
    created.metadata.managedFields = recordUpdate(undefined, created, "kubectl-create", NOW);
    const edited = configMap({ a: "2", b: "1" }, created.metadata.managedFields);
    const entries = recordUpdate(created, edited, "kubectl-edit", NOW);
    expect(entries.map((entry) => [entry.manager, entry.fieldsV1])).toEqual([
      ["kubectl-create", { "f:data": { "f:b": {} } }],
      ["kubectl-edit", { "f:data": { "f:a": {} } }],
    ]);
  });

  it("removes what an applier no longer applies, and keeps what others own", () => {
    const first = applyConfiguration(configMap({}), configMap({ a: "1", b: "1" }), "forecaster", false, NOW);
    if (!("object" in first)) throw new Error("unexpected conflict");
    const second = applyConfiguration(first.object, configMap({ a: "1" }), "forecaster", false, NOW);
    if (!("object" in second)) throw new Error("unexpected conflict");
    expect(second.object.data).toEqual({ a: "1" });
  });

  it("reports a conflict with another manager's value unless forced", () => {
    const owned = configMap({ a: "1" });
    owned.metadata.managedFields = recordUpdate(undefined, owned, "kubectl-edit", NOW);
    const result = applyConfiguration(owned, configMap({ a: "2" }), "forecaster", false, NOW);
    expect("conflicts" in result && describeApplyConflicts(result.conflicts)).toBe(
      'Apply failed with 1 conflict: conflict with "kubectl-edit" using v1 at 2026-01-01T00:00:00Z: .data.a',
    );
    const forced = applyConfiguration(owned, configMap({ a: "2" }), "forecaster", true, NOW);
    expect("object" in forced && forced.object.metadata.managedFields?.map((entry) => entry.manager)).toEqual(["forecaster"]);
  });
});

describe("conflict messages", () => {
  const conflict = (manager: string, operation: "Apply" | "Update", field: string) => ({ manager, operation, apiVersion: "v1", time: "2026-01-01T00:00:00Z", path: ["data", field] });
  it("groups several conflicts by manager, sorted", () => {
    expect(describeApplyConflicts([conflict("zeta", "Apply", "a"), conflict("alpha", "Update", "b"), conflict("zeta", "Apply", "c")])).toBe(
      'Apply failed with 3 conflicts: conflicts with "alpha" using v1 at 2026-01-01T00:00:00Z:\n- .data.b\nconflicts with "zeta":\n- .data.a\n- .data.c',
    );
  });
});
