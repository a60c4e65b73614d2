/**
 * Rule conditions in CEL (Common Expression Language, via @marcbachmann/cel-js): a small, safe,
 * non-Turing-complete language with no I/O and no `eval`. Every metric is a `double` variable.
 *
 * Conditions compare metrics with numbers, and nothing else: only arithmetic, comparisons, logic,
 * `? :`, `in` a short list of numbers and the `int`/`double` conversions are allowed. No strings,
 * no methods (`matches`, `all`, `map`, …), no indexing. So evaluating a condition costs at most one
 * step per node of its tree (500 at most): a hostile expression is refused at validation with a
 * message, and none can run long enough to hold up the service.
 *
 * A metric can be null (e.g. attendance_rate_21d when nothing was timetabled). CEL then raises an
 * error for that comparison, and its logic operators absorb errors the way a careful reader would:
 * `a || b` is true when either side is true, `a && b` false when either side is false. A condition
 * still left undecided is "not evaluable" for that student: never a flag, and counted in the run.
 */
import { Environment, type ASTNode } from "@marcbachmann/cel-js";
import { lookupMetric, type Metric } from "./metrics.ts";

export interface ConditionProblem {
  /** 0-based offset in the expression, when known. */
  offset?: number;
  message: string;
}

export interface CompiledCondition {
  expression: string;
  metrics: Metric[];
  /** true / false, or null when the condition cannot be decided for these values. */
  evaluate(values: Readonly<Record<string, number | null>>): boolean | null;
}

export type ConditionResult = { ok: true; condition: CompiledCondition } | { ok: false; problems: ConditionProblem[] };

const LIMITS = { maxAstNodes: 500, maxDepth: 50, maxListElements: 100, maxMapEntries: 0, maxCallArguments: 8 };

function firstLine(message: string): string {
  return message.split("\n")[0]!.trim();
}

function offsetOf(error: unknown): number | undefined {
  const node = (error as { node?: { pos?: number } }).node;
  return typeof node?.pos === "number" ? node.pos : undefined;
}

/** Identifiers the expression reads, with where they are. */
function identifiers(node: ASTNode, found: Map<string, number>): void {
  const { op, args } = node as unknown as { op: string; args: unknown; pos: number };
  if (op === "id") {
    if (!found.has(args as string)) found.set(args as string, (node as unknown as { pos: number }).pos);
    return;
  }
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === "object" && "op" in value) identifiers(value as ASTNode, found);
  };
  visit(args);
}

/** Operators a condition may use: arithmetic, comparison, logic, the conditional and `in`. */
const OPERATORS = new Set(["+", "-", "*", "/", "%", "-_", "!_", "==", "!=", "<", "<=", ">", ">=", "&&", "||", "?:", "in", "list"]);
/** Functions a condition may call: numeric conversions only. */
const FUNCTIONS = new Set(["int", "double"]);
const EXAMPLE = "conditions compare metrics with numbers, e.g. vle_days_since_last >= 10 && attendance_rate_14d < 0.5";

/** The first thing in the tree a condition may not use, with where it is. */
function forbidden(node: ASTNode): ConditionProblem | null {
  const { op, args, pos } = node as unknown as { op: string; args: unknown; pos?: number };
  const at = typeof pos === "number" ? pos : undefined;
  if (op === "id") return null;
  if (op === "value") {
    const value = args;
    if (value === null || typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") return null;
    return { offset: at, message: `${typeof value === "string" ? "text" : "this kind of value"} is not allowed in a condition: ${EXAMPLE}` };
  }
  if (op === "rcall") return { offset: at, message: `.${String((args as unknown[])[0])}() is not available in a rule condition: ${EXAMPLE}` };
  if (op === "call") {
    const [name, callArgs] = args as [string, ASTNode[]];
    if (!FUNCTIONS.has(name)) return { offset: at, message: `${name}() is not available in a rule condition: ${EXAMPLE}` };
    for (const arg of callArgs) {
      const problem = forbidden(arg);
      if (problem) return problem;
    }
    return null;
  }
  if (!OPERATORS.has(op)) return { offset: at, message: `"${op === "[]" ? "[ ]" : op}" is not available in a rule condition: ${EXAMPLE}` };
  const children = Array.isArray(args) ? args : [args];
  for (const child of children.flat()) {
    if (child && typeof child === "object" && "op" in child) {
      const problem = forbidden(child as ASTNode);
      if (problem) return problem;
    }
  }
  return null;
}

export function compileCondition(expression: string): ConditionResult {
  let ast: ASTNode;
  try {
    ast = new Environment({ unlistedVariablesAreDyn: true, limits: LIMITS }).parse(expression).ast;
  } catch (error) {
    return { ok: false, problems: [{ offset: offsetOf(error), message: firstLine((error as Error).message) }] };
  }
  const refused = forbidden(ast);
  if (refused) return { ok: false, problems: [refused] };
  const used = new Map<string, number>();
  identifiers(ast, used);
  const problems: ConditionProblem[] = [];
  const metrics: Metric[] = [];
  for (const [name, offset] of used) {
    const found = lookupMetric(name);
    if ("error" in found) problems.push({ offset, message: found.error });
    else metrics.push(found.metric);
  }
  if (problems.length) return { ok: false, problems };
  if (metrics.length === 0) return { ok: false, problems: [{ message: "the condition uses no metric, so it would flag everyone or no one" }] };

  const env = new Environment({ limits: LIMITS });
  for (const metric of metrics) env.registerVariable(metric.name, "double");
  const checked = env.check(expression);
  if (!checked.valid) return { ok: false, problems: [{ offset: offsetOf(checked.error), message: firstLine(checked.error!.message) }] };
  if (checked.type !== "bool") return { ok: false, problems: [{ message: `the condition must be true or false; this one gives a ${checked.type}` }] };

  const program = env.parse(expression);
  return {
    ok: true,
    condition: {
      expression,
      metrics,
      evaluate(values) {
        try {
          return program(values as Record<string, unknown>) === true;
        } catch {
          return null;
        }
      },
    },
  };
}
