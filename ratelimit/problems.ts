/**
 * Every problem the config model reports, by stable code. Errors use the ratelimit service's own
 * wording (the loader panics with `<file>: <text>`); warnings are ours: the service would load
 * the config, but an operator should hear about it.
 */
export const PROBLEM_CATALOGUE = {
  "yaml-syntax": { severity: "error", template: "<file>: error loading config file: yaml: line <n>: <parser message>" },
  "yaml-type": { severity: "error", template: "<file>: error loading config file: yaml: unmarshal errors:\\n  line <n>: cannot unmarshal <tag> `<value>` into <type>" },
  "yaml-decode": { severity: "error", template: "<file>: error loading config file: yaml: <decode failure> (cannot decode <tag> `<value>` as a <tag>, invalid map key, an anchor that contains itself, bad !!binary data)" },
  "yaml-aliasing": { severity: "error", template: "<file>: error loading config file: yaml: document contains excessive aliasing" },
  "yaml-merge": { severity: "error", template: "<file>: error loading config file: yaml: map merge requires map or sequence of maps as the value" },
  "document-too-large": { severity: "error", template: "<file>: error loading config file: document is <bytes> bytes, more than the <limit> bytes TrendMaster parses" },
  "document-too-deep": { severity: "error", template: "<file>: error loading config file: descriptors nest deeper than TrendMaster can check" },
  "key-not-string": { severity: "error", template: "<file>: config error, key is not of type string: <key>" },
  "unknown-key": { severity: "error", template: "<file>: config error, unknown key '<key>'" },
  "list-element-not-map": { severity: "error", template: "<file>: config error, yaml file contains list of type other than map: <element>" },
  "bad-leaf": { severity: "error", template: "<file>: error checking config" },
  "empty-domain": { severity: "error", template: "<file>: config file cannot have empty domain" },
  "duplicate-domain": { severity: "error", template: "<file>: duplicate domain '<domain>' in config file" },
  "empty-key": { severity: "error", template: "<file>: descriptor has empty key" },
  "duplicate-key": { severity: "error", template: "<file>: duplicate descriptor composite key '<full key>'" },
  "unlimited-with-unit": { severity: "error", template: "<file>: should not specify rate limit unit when unlimited" },
  "invalid-unit": { severity: "error", template: "<file>: invalid rate limit unit '<unit>'" },
  "empty-replaces": { severity: "error", template: "<file>: should not have an empty replaces entry" },
  "replaces-self": { severity: "error", template: "<file>: replaces should not contain name of same descriptor" },
  "share-threshold-without-wildcard": { severity: "error", template: "<file>: share_threshold can only be used with wildcard values (containing '*'), but found key '<key>' or '<key>_<value>'" },
  "zero-limit": { severity: "warning", template: "<file>: <path>: requests_per_unit is 0: every request to <rule> is refused" },
  "no-limit-no-children": { severity: "warning", template: "<file>: <path>: <rule> has neither rate_limit nor descriptors: matching requests are never limited" },
  "ambiguous-full-key": { severity: "warning", template: "<file>: <path>: <rule> has the same full key '<full key>' as another rule: TrendMaster cannot tell them apart and leaves both alone" },
} as const;

export type ProblemCode = keyof typeof PROBLEM_CATALOGUE;

/** One finding about one config file. `message` is the full line printed to the operator. */
export interface ConfigProblem {
  readonly code: ProblemCode;
  readonly severity: "error" | "warning";
  readonly file: string;
  readonly message: string;
  /** Where in the document, e.g. `descriptors[2].rate_limit.unit`. */
  readonly path?: string;
  readonly line?: number;
}

export function configProblem(code: ProblemCode, file: string, text: string, where: { path?: string; line?: number } = {}): ConfigProblem {
  return {
    code,
    severity: PROBLEM_CATALOGUE[code].severity,
    file,
    message: `${file}: ${text}`,
    ...(where.path !== undefined ? { path: where.path } : {}),
    ...(where.line !== undefined ? { line: where.line } : {}),
  };
}
