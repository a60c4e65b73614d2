/**
 * `nudge interventions`: proposals waiting for a decision, and approving or rejecting one, as the
 * digest card does in Teams. Every command acts as `--as <staff number>` through the access layer.
 */
import type { Command } from "commander";
import { approveIntervention, loadApprovalPolicy, rejectIntervention, type ApprovableKind } from "../interventions/index.ts";
import { authorise, decide, staffByNumber } from "../access/index.ts";
import { writeAudit } from "../audit/index.ts";
import { withDatabase } from "./cli-database.ts";
import { idArgument } from "./cli-options.ts";
import { print, type JsonOption } from "./cli-output.ts";

const MAX_LISTED = 200;

export function registerInterventionsCommand(program: Command): void {
  const interventions = program.command("interventions").description("proposed interventions: list those you may decide, approve (optionally edited) or reject");

  interventions
    .command("list")
    .description("interventions awaiting approval for students within your role (each read is audited)")
    .requiredOption("--as <staff>", "your staff number")
    .option("--json", "print one JSON object")
    .action(async (options: JsonOption & { as: string }) => {
      const result = await withDatabase(async (db, config) => {
        const policy = loadApprovalPolicy(config.approvalPolicyFile);
        const staff = await staffByNumber(db, options.as);
        const waiting = await db.prisma.intervention.findMany({
          where: { state: "awaiting_approval" },
          orderBy: { createdAt: "asc" },
          take: 5000,
          select: { id: true, kind: true, studentId: true, body: true, proposedBy: true, createdAt: true, student: { select: { studentNumber: true } } },
        });
        const mine = [];
        for (const item of waiting) {
          if (mine.length >= MAX_LISTED || !staff) break;
          const decision = await decide(db, { kind: "staff", staffId: staff.staffId }, "intervention.decide", { studentId: item.studentId }, new Date(), policy[item.kind as ApprovableKind]?.roles);
          if (!decision.allowed) continue;
          await writeAudit(db.prisma, { actor: { kind: "staff", staffNumber: staff.staffNumber }, action: "intervention.view", targetType: "intervention", targetId: String(item.id), studentId: item.studentId });
          mine.push({ id: item.id, kind: item.kind, student: item.student.studentNumber, proposedBy: item.proposedBy, proposedAt: item.createdAt, text: item.body });
        }
        if (!staff) await authorise(db, options.as, "intervention.decide");
        return { interventions: mine };
      });
      print(options, result, result.interventions.length ? result.interventions.map((i) => `#${i.id} ${i.kind} for ${i.student} (${i.proposedBy}): ${i.text}`) : ["nothing is waiting for your decision"]);
    });

  interventions
    .command("approve")
    .description("approve a proposed intervention; it is queued for sending at once (send-time checks still apply)")
    .argument("<id>", "the intervention's number", idArgument)
    .requiredOption("--as <staff>", "your staff number")
    .option("--text <message>", "send your own wording instead (kept with the original)")
    .option("--note <note>", "a note kept with the decision")
    .option("--json", "print one JSON object")
    .action(async (id: number, options: JsonOption & { as: string; text?: string; note?: string }) => {
      await withDatabase(async (db, config) => {
        await approveIntervention(db, { interventionId: id, staffNumber: options.as, editedText: options.text, note: options.note }, loadApprovalPolicy(config.approvalPolicyFile));
        const after = await db.prisma.intervention.findUniqueOrThrow({ where: { id: id }, select: { state: true, approvedAt: true } });
        print(options, { id, ...after }, [`#${id} approved by ${options.as}: ${after.state}`]);
      });
    });

  interventions
    .command("reject")
    .description("reject a proposed intervention, saying why (kept as feedback on the rule)")
    .argument("<id>", "the intervention's number", idArgument)
    .requiredOption("--as <staff>", "your staff number")
    .requiredOption("--note <reason>", "why it is rejected")
    .option("--json", "print one JSON object")
    .action(async (id: number, options: JsonOption & { as: string; note: string }) => {
      await withDatabase(async (db, config) => {
        await rejectIntervention(db, { interventionId: id, staffNumber: options.as, note: options.note }, loadApprovalPolicy(config.approvalPolicyFile));
        print(options, { id, state: "rejected" }, [`#${id} rejected by ${options.as}`]);
      });
    });
}
