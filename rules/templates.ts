/**
 * Message templates: Mustache text with {{placeholders}}, checked when a rule is saved so a
 * mistake never reaches a student. SMS templates are measured with Twilio's segment calculator
 * at the longest the placeholders can make them.
 */
import { escapeMarkdown } from "../core/index.ts";
import Mustache from "mustache";
import smsSegments from "sms-segments-calculator";
import type { Metric } from "./metrics.ts";

const { SegmentedMessage } = smsSegments;

/** Placeholders every template may use, with the longest value each is allowed to take in an SMS. */
export const PLACEHOLDERS = {
  first_name: { description: "The student's preferred name, else their given name.", longest: 20 },
  tutor_name: { description: "The student's personal tutor.", longest: 30 },
  as_of_date: { description: "The day the data was looked at, e.g. 23 November.", longest: 12 },
  sources: { description: 'The data the rule looked at, in words, e.g. "Moodle activity and attendance registers".', longest: 60 },
  rule_title: { description: "The rule's title.", longest: 120 },
  last_vle_date: { description: "The day of the student's last VLE activity, e.g. 3 November (rules using vle_days_since_last).", longest: 12 },
} as const;

export const MAX_SMS_SEGMENTS = 2;
/** Longest rendering of a metric value: "120", "0.25", "33.3". */
const METRIC_LONGEST = 5;

export interface TemplateProblem {
  severity: "error" | "warning";
  message: string;
}

interface Token {
  kind: string;
  name: string;
}

function tokens(template: string): Token[] {
  const out: Token[] = [];
  const walk = (list: unknown[][]) => {
    for (const token of list) {
      const [kind, value] = token as [string, string];
      if (kind !== "text") out.push({ kind, name: value });
      if ((kind === "#" || kind === "^") && Array.isArray(token[4])) walk(token[4] as unknown[][]);
    }
  };
  walk(Mustache.parse(template) as unknown as unknown[][]);
  return out;
}

export interface TemplateContext {
  channel: "teams" | "sms" | "email";
  metrics: readonly Metric[];
  metricsAcknowledged: boolean;
  title: string;
}

/** Problems with one template; empty when it is fine. */
export function checkTemplate(template: string, context: TemplateContext): TemplateProblem[] {
  let found: Token[];
  try {
    found = tokens(template);
  } catch (error) {
    return [{ severity: "error", message: `template does not parse: ${(error as Error).message}` }];
  }
  const problems: TemplateProblem[] = [];
  const metricNames = new Set(context.metrics.map((m) => m.name));
  const usedMetrics: string[] = [];
  for (const token of found) {
    if (token.name === "last_vle_date" && token.kind !== "/") usedMetrics.push(token.name);
    if (token.kind === ">" || token.kind === "=") {
      problems.push({ severity: "error", message: `{{${token.kind}…}} is not allowed in messages` });
      continue;
    }
    // Unescaped forms would let a value (a name from a feed) become markup in an email.
    if (token.kind === "&" || token.kind === "{") {
      problems.push({
        severity: "error",
        message: `{{${token.kind === "{" ? "{" : "&"}${token.name}${token.kind === "{" ? "}" : ""}}} is not allowed in messages: write {{${token.name}}}`,
      });
      continue;
    }
    if (token.kind === "/") continue;
    // Own keys only: `{{constructor}}` and `{{__proto__}}` are "in" every object.
    if (Object.hasOwn(PLACEHOLDERS, token.name)) {
      if (token.name === "last_vle_date" && !metricNames.has("vle_days_since_last")) {
        problems.push({ severity: "error", message: "{{last_vle_date}} needs the condition to use vle_days_since_last" });
      }
      continue;
    }
    if (metricNames.has(token.name)) {
      usedMetrics.push(token.name);
      continue;
    }
    const known = [...Object.keys(PLACEHOLDERS), ...metricNames].join(", ");
    problems.push({ severity: "error", message: `unknown placeholder {{${token.name}}}; known here: ${known}` });
  }
  if (usedMetrics.length && context.channel !== "teams" && !context.metricsAcknowledged) {
    problems.push({
      severity: "error",
      message: `includes metric values (${usedMetrics.join(", ")}), which would leave the university through the ${context.channel === "sms" ? "SMS" : "email"} provider: remove them, or set metricsInMessagesAcknowledged: true (POLICY P13)`,
    });
  }
  if (context.channel === "sms" && !problems.some((p) => p.severity === "error")) problems.push(...checkSmsLength(template, context.title, found));
  return problems;
}

/** Renders at the longest allowed placeholder values and counts segments. */
function checkSmsLength(template: string, title: string, found: Token[]): TemplateProblem[] {
  const longest: Record<string, string> = Object.create(null);
  for (const token of found) {
    const placeholder = Object.hasOwn(PLACEHOLDERS, token.name) ? PLACEHOLDERS[token.name as keyof typeof PLACEHOLDERS] : undefined;
    const length = token.name === "rule_title" ? title.length : placeholder ? placeholder.longest : METRIC_LONGEST;
    longest[token.name] = "x".repeat(length);
  }
  const text = Mustache.render(template, longest, {}, { escape: (value: string) => value });
  const message = new SegmentedMessage(text);
  const problems: TemplateProblem[] = [];
  if (message.encodingName !== "GSM-7") {
    const characters = [...new Set(message.getNonGsmCharacters())].map((c) => JSON.stringify(c)).join(" ");
    problems.push({
      severity: "warning",
      message: `uses characters outside the GSM-7 alphabet (${characters}), so every SMS is sent as UCS-2: 70 characters a segment instead of 160`,
    });
  }
  if (message.segmentsCount > MAX_SMS_SEGMENTS) {
    problems.push({
      severity: "error",
      message: `can reach ${message.segmentsCount} SMS segments (${message.numberOfCharacters} characters ${message.encodingName} with the longest placeholder values); keep it within ${MAX_SMS_SEGMENTS}`,
    });
  }
  return problems;
}

/** Segments and encoding of a finished SMS text (e.g. one a tutor edited before approving). */
export function smsSegmentsOf(text: string): { segments: number; encoding: string } {
  const message = new SegmentedMessage(text);
  return { segments: message.segmentsCount, encoding: message.encodingName };
}

/** Renders a template for sending (plain text: no HTML escaping; email HTML escapes its own copy). */
export function renderTemplate(template: string, values: Readonly<Record<string, string | number>>, options: { markdown?: boolean } = {}): string {
  // A view without a prototype: a name that is not a value renders as nothing, never "[object Object]".
  const view: Record<string, string | number> = Object.assign(Object.create(null), values);
  // Values are data: in a Markdown body (email) a name like "[Reset](https://evil.example)" stays text.
  const escapeValue = options.markdown ? (value: string) => escapeMarkdown(String(value)) : (value: string) => value;
  return Mustache.render(template, view, {}, { escape: escapeValue });
}
