// labelSelector and fieldSelector query parameters, parsed like k8s.io/apimachinery/pkg/labels
// and pkg/fields. A parse failure is data: the caller answers 400 with the message.
import type { KubeObject } from "./objects.js";
import type { FieldLabels } from "./resources.js";

export type Requirement =
  | { key: string; operator: "=" | "!="; values: [string] }
  | { key: string; operator: "in" | "notin"; values: string[] }
  | { key: string; operator: "exists" | "!"; values: [] };

export type Selector = (object: KubeObject) => boolean;

export type ParsedSelector = { selector: Selector } | { error: string };

const everything: Selector = () => true;

function splitTerms(text: string): string[] {
  // Commas separate requirements, except inside the parentheses of `in (a,b)`.
  const terms: string[] = [];
  let depth = 0;
  let current = "";
  for (const char of text) {
    if (char === "(") depth += 1;
    if (char === ")") depth -= 1;
    if (char === "," && depth === 0) {
      terms.push(current.trim());
      current = "";
    } else {
      current += char;
    }
  }
  if (current.trim() !== "") terms.push(current.trim());
  return terms;
}

function parseRequirement(term: string): Requirement | string {
  const setMatch = /^([^\s!=()]+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(term);
  if (setMatch) {
    const values = (setMatch[3] ?? "").split(",").map((value) => value.trim());
    return { key: setMatch[1] ?? "", operator: setMatch[2] as "in" | "notin", values };
  }
  const equalityMatch = /^([^\s!=()]+)\s*(==|=|!=)\s*([^\s!=()]*)$/.exec(term);
  if (equalityMatch) {
    const operator = equalityMatch[2] === "!=" ? "!=" : "=";
    return { key: equalityMatch[1] ?? "", operator, values: [equalityMatch[3] ?? ""] };
  }
  const existsMatch = /^(!?)\s*([^\s!=()]+)$/.exec(term);
  if (existsMatch) return { key: existsMatch[2] ?? "", operator: existsMatch[1] === "!" ? "!" : "exists", values: [] };
  return `unable to parse requirement: found '${term}', expected: identifier`;
}

export function matchesRequirement(labels: Record<string, string>, requirement: Requirement): boolean {
  const has = Object.hasOwn(labels, requirement.key);
  const value = labels[requirement.key];
  switch (requirement.operator) {
    case "=":
      return has && value === requirement.values[0];
    case "!=":
      return !has || value !== requirement.values[0];
    case "in":
      return has && requirement.values.includes(value ?? "");
    case "notin":
      return !has || !requirement.values.includes(value ?? "");
    case "exists":
      return has;
    case "!":
      return !has;
  }
}

export function parseLabelSelector(text: string | null): ParsedSelector {
  if (text === null || text.trim() === "") return { selector: everything };
  const requirements: Requirement[] = [];
  for (const term of splitTerms(text)) {
    const parsed = parseRequirement(term);
    if (typeof parsed === "string") return { error: parsed };
    requirements.push(parsed);
  }
  return { selector: (object) => requirements.every((requirement) => matchesRequirement(object.metadata.labels ?? {}, requirement)) };
}

export function parseFieldSelector(text: string | null, labels: FieldLabels): ParsedSelector {
  if (text === null || text.trim() === "") return { selector: everything };
  const checks: Array<{ field: string; negate: boolean; value: string }> = [];
  for (const term of splitTerms(text)) {
    const match = /^([^!=]+)(==|=|!=)(.*)$/.exec(term);
    if (!match) return { error: `invalid selector: '${text}'; can't understand '${term}'` };
    const field = (match[1] ?? "").trim();
    if (!labels.supported.includes(field)) return { error: labels.refuse(field) };
    checks.push({ field, negate: match[2] === "!=", value: (match[3] ?? "").trim() });
  }
  return {
    selector: (object) => {
      const values = labels.values(object);
      return checks.every((check) => ((values[check.field] ?? "") === check.value) !== check.negate);
    },
  };
}
