// create, update, patch and delete, in the order kube-apiserver runs a write: decode, defaults,
// NamespaceLifecycle, mutating admission, validation, validating admission, then the
// compare-and-swap in storage. Every outcome is an ApiResponse; nothing throws.
import { randomInt } from "node:crypto";
import type { AdmissionAttributes, AdmissionChain, AdmissionOperation } from "./admission-chain.js";
import { type ApiRequest, type ApiResponse, failed, listItem } from "./api-request.js";
import { type FieldValidation, decodeObject, parseBody, parseFieldValidation } from "./decoding.js";
import { applyConfiguration, defaultFieldManager, describeApplyConflicts, describeManager, recordUpdate } from "./managed-fields.js";
import { type KubeObject, isPlainObject } from "./objects.js";
import { APPLY_PATCH, JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH, applyJsonPatch, applyMergePatch, applyStrategicMergePatch } from "./patches.js";
import { type ResourceDefinition, apiVersionOf, namespaces } from "./resources.js";
import {
  OPTIMISTIC_LOCK_MESSAGE,
  type Status,
  applyConflict,
  badRequest,
  conflict,
  invalid,
  isStatus,
  notFound,
  success,
  unsupportedMediaType,
} from "./status.js";
import type { ObjectStore } from "./store.js";
import type { ReadHandlers } from "./read-handlers.js";

/** How often an unconditional write is retried after losing a compare-and-swap race. */
const UNCONDITIONAL_RETRIES = 5;

const GENERATED_NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

interface WriteContext {
  request: ApiRequest;
  dryRun: boolean;
  fieldManager: string;
  options: Record<string, unknown>;
  warnings: string[];
}

export class WriteHandlers {
  constructor(
    private readonly store: ObjectStore,
    /** Every served resource: a namespace deletion removes their objects in it. */
    private readonly resources: readonly ResourceDefinition[],
    private readonly admission: () => AdmissionChain,
    private readonly now: () => Date,
    /** deletecollection selects what to delete as a list would. */
    private readonly reads: ReadHandlers,
  ) {}

  async create(request: ApiRequest): Promise<ApiResponse> {
    const context = this.writeContext(request, "CreateOptions");
    if (isStatus(context)) return failed(context);
    const decoded = this.decodeBody(request, context);
    if (isStatus(decoded)) return failed(decoded, context.warnings);
    const object = decoded;
    if (object.metadata.resourceVersion !== undefined && object.metadata.resourceVersion !== "") {
      return failed(badRequest("resourceVersion should not be set on objects to be created"), context.warnings);
    }
    const scoped = this.scopeToNamespace(request, object);
    if (scoped !== undefined) return failed(scoped, context.warnings);
    return this.admitAndCreate(context, object);
  }

  async update(request: ApiRequest): Promise<ApiResponse> {
    const context = this.writeContext(request, "UpdateOptions");
    if (isStatus(context)) return failed(context);
    const decoded = this.decodeBody(request, context);
    if (isStatus(decoded)) return failed(decoded, context.warnings);
    const urlName = request.path.name ?? "";
    if ((decoded.metadata.name ?? "") !== urlName) {
      return failed(badRequest(`the name of the object (${decoded.metadata.name ?? ""}) does not match the name on the URL (${urlName})`), context.warnings);
    }
    const scoped = this.scopeToNamespace(request, decoded);
    if (scoped !== undefined) return failed(scoped, context.warnings);
    const precondition = decoded.metadata.resourceVersion ?? "";
    return this.retryUnconditional(precondition !== "", async () => {
      const current = this.store.get(request.resource, request.path.namespace, urlName);
      if (current === undefined) return failed(notFound(request.resource, urlName), context.warnings);
      // A uid in the body is a precondition too: it catches a replace of a deleted and recreated object.
      const uid = decoded.metadata.uid ?? "";
      if (uid !== "" && uid !== current.metadata.uid) {
        return failed(conflict(request.resource, urlName, `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${current.metadata.uid ?? ""}`), context.warnings);
      }
      if (precondition !== "" && precondition !== current.metadata.resourceVersion) {
        return failed(conflict(request.resource, urlName, OPTIMISTIC_LOCK_MESSAGE), context.warnings);
      }
      const candidate = structuredClone(decoded);
      // The client does not manage managedFields on a plain update; the server records them.
      candidate.metadata.managedFields = current.metadata.managedFields;
      return this.admitAndUpdate(context, candidate, current);
    });
  }

  async patch(request: ApiRequest): Promise<ApiResponse> {
    const patchType = request.contentType.split(";")[0]?.trim() ?? "";
    if (![MERGE_PATCH, STRATEGIC_MERGE_PATCH, JSON_PATCH, APPLY_PATCH].includes(patchType)) {
      return failed(unsupportedMediaType());
    }
    const context = this.writeContext(request, patchType === APPLY_PATCH ? "PatchOptions" : "UpdateOptions");
    if (isStatus(context)) return failed(context);
    if (patchType === APPLY_PATCH) return this.serverSideApply(request, context);
    const parsed = parseBody(request.body, "application/json");
    if ("status" in parsed) return failed(parsed.status);
    const name = request.path.name ?? "";
    return this.retryUnconditional(false, async () => {
      const current = this.store.get(request.resource, request.path.namespace, name);
      if (current === undefined) return failed(notFound(request.resource, name));
      let patched: unknown;
      if (patchType === JSON_PATCH) {
        const result = applyJsonPatch(current, parsed.value);
        if ("status" in result) return failed(result.status);
        patched = result.document;
      } else if (!isPlainObject(parsed.value)) {
        return failed(badRequest("json: cannot unmarshal array into Go value of type map[string]interface {}"));
      } else {
        patched = patchType === MERGE_PATCH ? applyMergePatch(current, parsed.value) : applyStrategicMergePatch(current, parsed.value);
      }
      const attempt = { ...context, warnings: [...context.warnings] };
      // Unknown fields in a patch are found after patching; Strict makes them a 422 on `patch`.
      const validation = this.fieldValidation(request);
      const decoded = decodeObject(patched, request.resource, validation === "Ignore" ? "Ignore" : "Warn");
      if ("status" in decoded) return failed(decoded.status, attempt.warnings);
      if (validation === "Strict" && decoded.warnings.length > 0) {
        const cause = { reason: "FieldValueInvalid", message: `Invalid value: ${JSON.stringify(JSON.stringify(patched))}: strict decoding error: ${decoded.warnings.join(", ")}`, field: "patch" };
        return failed(invalid("", "", "", [cause]), attempt.warnings);
      }
      attempt.warnings.push(...decoded.warnings);
      const candidate = decoded.object;
      if ((candidate.metadata.name ?? "") !== name) {
        return failed(badRequest(`the name of the object (${candidate.metadata.name ?? ""}) does not match the name on the URL (${name})`), attempt.warnings);
      }
      // A resourceVersion inside the patch is a precondition, checked against the stored object.
      // One the patch removes (kubectl apply after a replace: `"resourceVersion": null`) leaves
      // none, and the update is unconditional, as GuaranteedUpdate makes it for a version of 0.
      const patchedVersion = candidate.metadata.resourceVersion ?? "";
      if (patchedVersion !== "" && patchedVersion !== current.metadata.resourceVersion) {
        return failed(conflict(request.resource, name, OPTIMISTIC_LOCK_MESSAGE), attempt.warnings);
      }
      return this.admitAndUpdate(attempt, candidate, current);
    });
  }

  async delete(request: ApiRequest): Promise<ApiResponse> {
    const name = request.path.name ?? "";
    const deleteOptions = this.deleteOptions(request);
    if (isStatus(deleteOptions)) return failed(deleteOptions);
    const current = this.store.get(request.resource, request.path.namespace, name);
    if (current === undefined) return failed(notFound(request.resource, name));
    const preconditions = isPlainObject(deleteOptions.preconditions) ? deleteOptions.preconditions : {};
    if (typeof preconditions.uid === "string" && preconditions.uid !== current.metadata.uid) {
      return failed(conflict(request.resource, name, `Precondition failed: UID in precondition: ${preconditions.uid}, UID in object meta: ${current.metadata.uid ?? ""}`));
    }
    if (typeof preconditions.resourceVersion === "string" && preconditions.resourceVersion !== current.metadata.resourceVersion) {
      return failed(
        conflict(request.resource, name, `Precondition failed: ResourceVersion in precondition: ${preconditions.resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion ?? ""}`),
      );
    }
    return this.admitAndDelete(request, current, deleteOptions);
  }

  async deleteCollection(request: ApiRequest): Promise<ApiResponse> {
    const listed = this.reads.list({ ...request, accept: "application/json" });
    if (listed.code !== 200) return listed;
    const deleteOptions = this.deleteOptions(request);
    if (isStatus(deleteOptions)) return failed(deleteOptions);
    const deleted: object[] = [];
    const warnings: string[] = [];
    for (const object of this.store.list(request.resource, request.path.namespace)) {
      const items = (listed.body as { items: Array<{ metadata: { name?: string } }> }).items;
      if (!items.some((item) => item.metadata.name === object.metadata.name)) continue;
      const response = await this.admitAndDelete(request, object, deleteOptions);
      warnings.push(...response.warnings);
      if (response.code >= 300) return { ...response, warnings };
      deleted.push(listItem(object));
    }
    const body = { kind: `${request.resource.kind}List`, apiVersion: apiVersionOf(request.resource), metadata: { resourceVersion: String(this.store.currentRevision()) }, items: deleted };
    return { code: 200, body, warnings };
  }

  /** Server-side apply: creates the object when missing, else merges the manager's intent. */
  private async serverSideApply(request: ApiRequest, context: WriteContext): Promise<ApiResponse> {
    const parsed = parseBody(request.body, APPLY_PATCH);
    if ("status" in parsed) return failed(parsed.status);
    const decoded = decodeObject(parsed.value, request.resource, this.fieldValidation(request));
    if ("status" in decoded) return failed(decoded.status);
    context.warnings.push(...decoded.warnings);
    if (request.query.get("fieldManager") === null) {
      return failed(badRequest("PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch"));
    }
    const applied = decoded.object;
    const name = request.path.name ?? "";
    if ((applied.metadata.name ?? "") !== name) {
      return failed(badRequest(`the name of the object (${applied.metadata.name ?? ""}) does not match the name on the URL (${name})`), context.warnings);
    }
    const scoped = this.scopeToNamespace(request, applied);
    if (scoped !== undefined) return failed(scoped, context.warnings);
    const force = request.query.get("force") === "true";
    return this.retryUnconditional(false, async () => {
      const current = this.store.get(request.resource, request.path.namespace, name);
      if (current === undefined) {
        const created = applyConfiguration({ kind: applied.kind, apiVersion: applied.apiVersion, metadata: { name, namespace: applied.metadata.namespace } }, applied, context.fieldManager, true, this.now());
        if ("conflicts" in created) return failed(applyConflict([], describeApplyConflicts(created.conflicts)));
        const createContext = { ...context, options: { ...context.options, kind: "CreateOptions" } };
        return this.admitAndCreate(createContext, created.object, false);
      }
      const result = applyConfiguration(current, applied, context.fieldManager, force, this.now());
      if ("conflicts" in result) {
        const causes = result.conflicts.map((item) => ({ reason: "FieldManagerConflict", message: `conflict with ${describeManager(item)}`, field: `.${item.path.join(".")}` }));
        return failed(applyConflict(causes, describeApplyConflicts(result.conflicts)), context.warnings);
      }
      return this.admitAndUpdate({ ...context, options: { ...context.options, kind: "UpdateOptions" } }, result.object, current, false);
    });
  }

  private async admitAndCreate(context: WriteContext, object: KubeObject, recordManager = true): Promise<ApiResponse> {
    const { request } = context;
    const missingNamespace = this.checkNamespaceExists(request.resource, object.metadata.namespace);
    if (missingNamespace !== undefined) return failed(missingNamespace, context.warnings);
    delete object.metadata.uid;
    delete object.metadata.creationTimestamp;
    if (request.resource === namespaces) object.status = { phase: "Active" };
    if (request.resource === namespaces) object.metadata.labels = { ...object.metadata.labels, "kubernetes.io/metadata.name": object.metadata.name ?? "" };
    const admitted = await this.admit("CREATE", context, object, undefined);
    if (isStatus(admitted)) return failed(admitted, context.warnings);
    // generateName is resolved in BeforeCreate: after mutating, before validating admission.
    if ((admitted.metadata.name ?? "") === "" && typeof admitted.metadata.generateName === "string" && admitted.metadata.generateName !== "") {
      const suffix = Array.from({ length: 5 }, () => GENERATED_NAME_ALPHABET[randomInt(GENERATED_NAME_ALPHABET.length)]).join("");
      admitted.metadata.name = `${admitted.metadata.generateName}${suffix}`;
    }
    const causes = request.resource.validate(admitted, undefined);
    if (causes.length > 0) return failed(invalid(request.resource.kind, request.resource.group, admitted.metadata.name ?? "", causes), context.warnings);
    const validated = await this.validate("CREATE", context, admitted, undefined);
    if (validated !== undefined) return failed(validated, context.warnings);
    if (recordManager) admitted.metadata.managedFields = recordUpdate(undefined, admitted, context.fieldManager, this.now());
    const stored = this.store.create(request.resource, admitted, { dryRun: context.dryRun });
    if ("status" in stored) return failed(stored.status, context.warnings);
    return { code: 201, body: stored.object, warnings: context.warnings };
  }

  private async admitAndUpdate(context: WriteContext, object: KubeObject, current: KubeObject, recordManager = true): Promise<ApiResponse> {
    const { request } = context;
    if (request.resource === namespaces) {
      object.status = current.status;
      object.metadata.labels = { ...object.metadata.labels, "kubernetes.io/metadata.name": object.metadata.name ?? "" };
    }
    const admitted = await this.admit("UPDATE", context, object, current);
    if (isStatus(admitted)) return failed(admitted, context.warnings);
    const causes = request.resource.validate(admitted, current);
    if (causes.length > 0) return failed(invalid(request.resource.kind, request.resource.group, admitted.metadata.name ?? "", causes), context.warnings);
    const validated = await this.validate("UPDATE", context, admitted, current);
    if (validated !== undefined) return failed(validated, context.warnings);
    if (recordManager) admitted.metadata.managedFields = recordUpdate(current, admitted, context.fieldManager, this.now());
    const stored = this.store.update(request.resource, admitted, current.metadata.resourceVersion ?? "", { dryRun: context.dryRun });
    if ("status" in stored) return failed(stored.status, context.warnings);
    return { code: 200, body: stored.object, warnings: context.warnings };
  }

  private async admitAndDelete(request: ApiRequest, current: KubeObject, deleteOptions: Record<string, unknown>): Promise<ApiResponse> {
    const dryRun = request.query.get("dryRun") === "All" || (Array.isArray(deleteOptions.dryRun) && deleteOptions.dryRun.includes("All"));
    const context: WriteContext = { request, dryRun, fieldManager: "", options: { ...deleteOptions, kind: "DeleteOptions", apiVersion: "meta.k8s.io/v1" }, warnings: [] };
    const name = current.metadata.name ?? "";
    const mutated = await this.admit("DELETE", context, undefined, current);
    if (isStatus(mutated)) return failed(mutated, context.warnings);
    const validated = await this.validate("DELETE", context, undefined, current);
    if (validated !== undefined) return failed(validated, context.warnings);
    if (request.resource === namespaces && !dryRun) this.deleteNamespaceContents(name);
    const deleted = this.store.delete(request.resource, request.path.namespace, name, { dryRun });
    if ("status" in deleted) return failed(deleted.status, context.warnings);
    // Namespaces answer with the object; ConfigMaps and Leases with a Success Status.
    if (request.resource === namespaces) return { code: 200, body: deleted.object, warnings: context.warnings };
    const details = { name, ...(request.resource.group === "" ? {} : { group: request.resource.group }), kind: request.resource.plural, uid: current.metadata.uid ?? "" };
    return { code: 200, body: success(details), warnings: context.warnings };
  }

  /** Mutating admission; returns the (possibly patched) object, or the Status that refused it. */
  private async admit(operation: AdmissionOperation, context: WriteContext, object: KubeObject | undefined, oldObject: KubeObject | undefined): Promise<KubeObject | Status> {
    const outcome = await this.admission().mutate(this.attributes(operation, context, object, oldObject));
    context.warnings.push(...outcome.warnings);
    if (!outcome.allowed) return outcome.status;
    return outcome.object ?? (object as KubeObject);
  }

  private async validate(operation: AdmissionOperation, context: WriteContext, object: KubeObject | undefined, oldObject: KubeObject | undefined): Promise<Status | undefined> {
    const outcome = await this.admission().validate(this.attributes(operation, context, object, oldObject));
    context.warnings.push(...outcome.warnings);
    return outcome.allowed ? undefined : outcome.status;
  }

  private attributes(operation: AdmissionOperation, context: WriteContext, object: KubeObject | undefined, oldObject: KubeObject | undefined): AdmissionAttributes {
    const { request } = context;
    return {
      operation,
      resource: request.resource,
      namespace: request.path.namespace,
      name: object?.metadata.name ?? oldObject?.metadata.name ?? request.path.name ?? "",
      object,
      oldObject,
      user: request.user,
      dryRun: context.dryRun,
      options: context.options,
    };
  }

  private writeContext(request: ApiRequest, optionsKind: "CreateOptions" | "UpdateOptions" | "PatchOptions"): WriteContext | Status {
    const dryRunValues = request.query.getAll("dryRun");
    const unsupported = dryRunValues.find((value) => value !== "All");
    if (unsupported !== undefined) return badRequest(`dryRun: Unsupported value: "${unsupported}": supported values: "All"`);
    const validation = parseFieldValidation(request.query.get("fieldValidation"));
    if (isStatus(validation)) return validation;
    const fieldManagerParameter = request.query.get("fieldManager");
    const options: Record<string, unknown> = { kind: optionsKind === "PatchOptions" ? "UpdateOptions" : optionsKind, apiVersion: "meta.k8s.io/v1" };
    if (dryRunValues.length > 0) options.dryRun = dryRunValues;
    if (fieldManagerParameter !== null) options.fieldManager = fieldManagerParameter;
    const fieldValidationParameter = request.query.get("fieldValidation");
    if (fieldValidationParameter !== null) options.fieldValidation = fieldValidationParameter;
    return {
      request,
      dryRun: dryRunValues.length > 0,
      fieldManager: fieldManagerParameter ?? defaultFieldManager(request.userAgent),
      options,
      warnings: [],
    };
  }

  private fieldValidation(request: ApiRequest): FieldValidation {
    const validation = parseFieldValidation(request.query.get("fieldValidation"));
    return isStatus(validation) ? "Warn" : validation;
  }

  private decodeBody(request: ApiRequest, context: WriteContext): KubeObject | Status {
    const parsed = parseBody(request.body, request.contentType);
    if ("status" in parsed) return parsed.status;
    const decoded = decodeObject(parsed.value, request.resource, this.fieldValidation(request));
    if ("status" in decoded) return decoded.status;
    context.warnings.push(...decoded.warnings);
    return decoded.object;
  }

  private deleteOptions(request: ApiRequest): Record<string, unknown> | Status {
    if (request.body.length === 0) return {};
    const parsed = parseBody(request.body, request.contentType);
    if ("status" in parsed) return parsed.status;
    return isPlainObject(parsed.value) ? parsed.value : {};
  }

  /** Puts the URL's namespace on the object; a different one in the body is refused. */
  private scopeToNamespace(request: ApiRequest, object: KubeObject): Status | undefined {
    if (!request.resource.namespaced) {
      delete object.metadata.namespace;
      return undefined;
    }
    const bodyNamespace = object.metadata.namespace;
    if (bodyNamespace !== undefined && bodyNamespace !== "" && bodyNamespace !== request.path.namespace) {
      return badRequest("the namespace of the provided object does not match the namespace sent on the request");
    }
    object.metadata.namespace = request.path.namespace;
    return undefined;
  }

  /** The NamespaceLifecycle admission plugin: no objects in a namespace that does not exist. */
  private checkNamespaceExists(resource: ResourceDefinition, namespace: string | undefined): Status | undefined {
    if (!resource.namespaced || namespace === undefined) return undefined;
    if (this.store.get(namespaces, undefined, namespace) !== undefined) return undefined;
    return notFound(namespaces, namespace);
  }

  private deleteNamespaceContents(namespace: string): void {
    for (const resource of this.resources.filter((candidate) => candidate.namespaced)) {
      for (const object of this.store.list(resource, namespace)) this.store.delete(resource, namespace, object.metadata.name ?? "", { dryRun: false });
    }
  }

  /**
   * Runs a write; when the client gave no resourceVersion and the store's compare-and-swap lost
   * a race (an admission webhook was slow), tries again on the fresh object, as GuaranteedUpdate does.
   */
  private async retryUnconditional(conditional: boolean, attempt: () => Promise<ApiResponse>): Promise<ApiResponse> {
    let response = await attempt();
    for (let retry = 0; !conditional && retry < UNCONDITIONAL_RETRIES && isLostRace(response); retry += 1) response = await attempt();
    return response;
  }
}
function isLostRace(response: ApiResponse): boolean {
  const body = response.body as Partial<Status>;
  return response.code === 409 && body.reason === "Conflict" && (body.message ?? "").endsWith(OPTIMISTIC_LOCK_MESSAGE);
}

