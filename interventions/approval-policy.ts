/**
 * Who may approve each kind of intervention (POLICY P2). The policy is configuration (a YAML file
 * named by NUDGE_APPROVAL_POLICY), with the safe default below. Whatever the file says, the
 * system may approve only a rule's `nudge`: a file that gives the system any other kind is
 * refused at start-up, naming the line.
 */
import { NudgeError } from "../core/index.ts";
import { readFileSync } from "node:fs";
import { parseDocument } from "yaml";
import { z } from "zod/v4";
import { MATRIX, type Role } from "../access/index.ts";

export const APPROVABLE_KINDS = ["nudge", "invitation_to_talk", "referral", "escalation", "staff_message"] as const;
export type ApprovableKind = (typeof APPROVABLE_KINDS)[number];

export interface KindPolicy {
  /** Whether the system approves it without a person (only ever `nudge` from a rule). */
  system: boolean;
  /** Roles that may approve it, each within its own scope of students. */
  roles: readonly Role[];
}

export type ApprovalPolicy = Readonly<Record<ApprovableKind, KindPolicy>>;

/** Roles the access matrix lets decide on interventions at all. */
export const DECIDING_ROLES = (Object.keys(MATRIX) as Role[]).filter((role) => MATRIX[role]["intervention.decide"]);

export const DEFAULT_POLICY: ApprovalPolicy = {
  nudge: { system: true, roles: ["personal_tutor", "level_tutor", "programme_leader"] },
  invitation_to_talk: { system: false, roles: ["personal_tutor", "level_tutor", "programme_leader"] },
  referral: { system: false, roles: ["personal_tutor", "level_tutor", "programme_leader"] },
  escalation: { system: false, roles: ["personal_tutor", "level_tutor"] },
  staff_message: { system: false, roles: ["personal_tutor", "level_tutor", "programme_leader"] },
};

export class ApprovalPolicyError extends NudgeError {
  static override kind = "usage" as const;
  static override code = "approval_policy_invalid";
}

const kindSchema = z.strictObject({
  system: z.boolean().optional(),
  roles: z.array(z.string()).min(1, { message: "needs at least one role" }),
});
const policySchema = z.strictObject(
  Object.fromEntries(APPROVABLE_KINDS.map((k) => [k, kindSchema.optional()])) as Record<ApprovableKind, z.ZodOptional<typeof kindSchema>>,
);

/** Reads a policy file; kinds it leaves out keep the default. Errors name the file, line and field. */
export function parseApprovalPolicy(text: string, file = "approval policy"): ApprovalPolicy {
  const doc = parseDocument(text, { prettyErrors: false });
  if (doc.errors.length) throw new ApprovalPolicyError(`${file}: not valid YAML: ${doc.errors[0]!.message.split("\n")[0]}`);
  const lineOf = (path: (string | number)[]) => {
    const node = doc.getIn(path, true) as { range?: [number, number] } | undefined;
    if (!node?.range) return "";
    return `:${text.slice(0, node.range[0]).split("\n").length}`;
  };
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 }) ?? {};
  } catch (error) {
    // The yaml library's answer to an alias "bomb" (aliases of aliases, growing exponentially).
    if (error instanceof ReferenceError)
      throw new ApprovalPolicyError(`${file}: uses YAML aliases (*name) so many times over that reading it would take too much memory`);
    throw error;
  }
  const parsed = policySchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path.map((p) => (typeof p === "number" ? p : String(p)));
    throw new ApprovalPolicyError(`${file}${lineOf(path)}: ${path.join(".") || "(top)"}: ${issue.message}`);
  }
  const policy: Record<ApprovableKind, KindPolicy> = { ...DEFAULT_POLICY };
  for (const kind of APPROVABLE_KINDS) {
    const given = parsed.data[kind];
    if (!given) continue;
    if (given.system && kind !== "nudge") {
      throw new ApprovalPolicyError(
        `${file}${lineOf([kind, "system"])}: ${kind}.system: only a nudge may be approved by the system; a ${kind.replace(/_/g, " ")} needs a person's approval (POLICY P2)`,
      );
    }
    given.roles.forEach((role, i) => {
      if (!(DECIDING_ROLES as string[]).includes(role)) {
        throw new ApprovalPolicyError(
          `${file}${lineOf([kind, "roles", i])}: ${kind}.roles[${i}]: "${role}" may not decide on interventions; use ${DECIDING_ROLES.join(", ")}`,
        );
      }
    });
    policy[kind] = { system: given.system ?? false, roles: given.roles as Role[] };
  }
  return policy;
}

export function loadApprovalPolicy(file?: string): ApprovalPolicy {
  if (!file) return DEFAULT_POLICY;
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new ApprovalPolicyError(`${file}: cannot read the approval policy (${(error as Error).message})`);
  }
  return parseApprovalPolicy(text, file);
}
