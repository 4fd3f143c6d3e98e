// matchConditions: CEL expressions over object, oldObject and request, evaluated with a real
// CEL evaluator. Kubernetes binds JSON integers as CEL int, so integers become bigint here.
import type { V1MatchCondition } from "@kubernetes/client-node";
import { celEnv, isCelError, parse, plan } from "@bufbuild/cel";
import { strings } from "@bufbuild/cel/ext";
import { isPlainObject } from "../objects.js";

export interface CompiledMatchCondition {
  name: string;
  expression: string;
  evaluate(bindings: MatchConditionBindings): boolean | Error;
}

/** The variables a match condition sees (`authorizer` is not offered by the stand-in). */
export interface MatchConditionBindings {
  object: unknown;
  oldObject: unknown;
  request: unknown;
}

export type MatchConditionResult = { matches: true } | { matches: false; failedCondition: string } | { error: string };

const environment = celEnv({ funcs: strings });

function toCelInput(value: unknown): unknown {
  if (typeof value === "number" && Number.isInteger(value)) return BigInt(value);
  if (Array.isArray(value)) return value.map(toCelInput);
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, toCelInput(item)]));
  return value;
}

export function compileMatchCondition(condition: V1MatchCondition, where: string): CompiledMatchCondition {
  let program: ReturnType<typeof plan>;
  try {
    program = plan(environment, parse(condition.expression));
  } catch (error) {
    throw new Error(`${where}: matchConditions[${condition.name}].expression: Invalid value: ${JSON.stringify(condition.expression)}: compilation failed: ${String(error)}`);
  }
  return {
    name: condition.name,
    expression: condition.expression,
    evaluate: (bindings) => {
      const result = program({
        object: toCelInput(bindings.object),
        oldObject: toCelInput(bindings.oldObject),
        request: toCelInput(bindings.request),
      } as Parameters<typeof program>[0]);
      if (isCelError(result)) return new Error(result.message);
      if (typeof result !== "boolean") return new Error(`expression '${condition.expression}' resulted in non-boolean value`);
      return result;
    },
  };
}

/**
 * The matcher's rule: any false condition skips the webhook; otherwise any error is an error
 * (which failurePolicy turns into a refusal or a skip); otherwise the webhook is called.
 */
export function evaluateMatchConditions(conditions: readonly CompiledMatchCondition[], bindings: MatchConditionBindings): MatchConditionResult {
  const errors: string[] = [];
  for (const condition of conditions) {
    const outcome = condition.evaluate(bindings);
    if (outcome === false) return { matches: false, failedCondition: condition.name };
    if (outcome instanceof Error) errors.push(outcome.message);
  }
  if (errors.length === 1) return { error: errors[0] as string };
  if (errors.length > 1) return { error: `[${errors.join(", ")}]` };
  return { matches: true };
}
