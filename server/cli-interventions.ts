/**
 * `nudge interventions`: proposals waiting for a decision, and approving or rejecting one, as the
 * digest card does in Teams. Every command acts as `--as <staff number>` through the access layer.
 */
import type { Command } from "commander";
import { dateLabel } from "../core/index.ts";
import { tutorCalendarOf } from "../integrations/index.ts";
import { loadApprovalPolicy } from "../interventions/index.ts";
import { heldInWords, slotLabel } from "../meetings/index.ts";
import { withApp } from "./cli-database.ts";
import { idArgument } from "./cli-options.ts";
import { print, type JsonOption } from "./cli-output.ts";

export function registerInterventionsCommand(program: Command): void {
  const interventions = program
    .command("interventions")
    .description("proposed interventions: list those you may decide, approve (optionally edited) or reject");

  interventions
    .command("list")
    .description("interventions awaiting approval for students within your role (each read is audited)")
    .requiredOption("--as <staff>", "your staff number")
    .option("--json", "print one JSON object")
    .action(async (options: JsonOption & { as: string }) => {
      const result = {
        interventions: await withApp((app, config) => app.interventions.awaitingDecision(options.as, loadApprovalPolicy(config.approvalPolicyFile))),
      };
      print(
        options,
        result,
        result.interventions.length
          ? result.interventions.map((i) => `#${i.id} ${i.kind} for ${i.student} (${i.proposedBy}): ${i.text}`)
          : ["nothing is waiting for your decision"],
      );
    });

  interventions
    .command("approve")
    .description(
      "approve a proposed intervention; it is queued for sending at once (send-time checks still apply). An invitation to talk or an escalation offers the student three times from your office hours",
    )
    .argument("<id>", "the intervention's number", idArgument)
    .requiredOption("--as <staff>", "your staff number")
    .option("--text <message>", "send your own wording instead (kept with the original)")
    .option("--note <note>", "a note kept with the decision")
    .option("--json", "print one JSON object")
    .action(async (id: number, options: JsonOption & { as: string; text?: string; note?: string }) => {
      let timezone = "Europe/London";
      const after = await withApp((app, config) => {
        timezone = config.timezone;
        return app.meetings.approveSuggestion(
          { interventionId: id, staffNumber: options.as, editedText: options.text, note: options.note },
          loadApprovalPolicy(config.approvalPolicyFile),
          { calendar: tutorCalendarOf(config.graph), delivery: config.delivery },
        );
      });
      const lines = [`#${id} approved by ${options.as}: ${after.state}`];
      if (after.offer) {
        lines.push(...after.offer.slots.map((s, i) => `time ${i + 1}: ${slotLabel(s, timezone)}`));
        if (after.offer.heldReason) lines.push(`it waits until ${dateLabel(after.offer.sendsAt, timezone)}: ${heldInWords(after.offer.heldReason)}`);
      }
      print(options, after, lines);
    });

  interventions
    .command("reject")
    .description("reject a proposed intervention, saying why (kept as feedback on the rule)")
    .argument("<id>", "the intervention's number", idArgument)
    .requiredOption("--as <staff>", "your staff number")
    .requiredOption("--note <reason>", "why it is rejected")
    .option("--json", "print one JSON object")
    .action(async (id: number, options: JsonOption & { as: string; note: string }) => {
      await withApp((app, config) =>
        app.interventions.reject({ interventionId: id, staffNumber: options.as, note: options.note }, loadApprovalPolicy(config.approvalPolicyFile)),
      );
      print(options, { id, state: "rejected" }, [`#${id} rejected by ${options.as}`]);
    });
}
