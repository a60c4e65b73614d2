/** Interventions: lifecycle, approval policy (POLICY P2), proposals from flags, replies. */
export {
  TRANSITIONS,
  IllegalTransition,
  canTransition,
  transition,
  transitionMany,
  createProposed,
  type BatchTransitionRequest,
  type InterventionActor,
} from "./lifecycle.ts";
export {
  DEFAULT_POLICY,
  APPROVABLE_KINDS,
  ApprovalPolicyError,
  loadApprovalPolicy,
  parseApprovalPolicy,
  type ApprovalPolicy,
  type ApprovableKind,
} from "./approval-policy.ts";
export {
  proposeFromFlags,
  channelOrderFor,
  type StudentChannels,
  type ProposeReport,
  type ProposeSettings,
  type TemplateData,
  type RenderedTexts,
} from "./propose.ts";
export { queueApproved, channelOrderOf } from "./queue.ts";
export { joinInvitation, waitingInvitation } from "./merge.ts";
export { approveIntervention, rejectIntervention, DecisionRejected, type ApproveRequest } from "./approve.ts";
export {
  checkBeforeSend,
  decideBeforeSend,
  loadSendFacts,
  quietHoursEnd,
  type DeliveryRules,
  type SendDecision,
  type SendFacts,
  type StudentSendFacts,
  type WeeklySends,
} from "./send-checks.ts";
export { fullName, firstName, dayInWords, messageValues } from "./message-values.ts";
export { dismissFlags, snoozeFlags, referStudent, TutorActionError, VERDICTS, type Verdict } from "./tutor-actions.ts";
export { personalTutorName } from "./tutors.ts";

export { rulesJobs } from "./jobs.ts";
export { awaitingDecision, approveAndReport, type AwaitingDecision } from "./awaiting.ts";

import { approveAndReport, awaitingDecision } from "./awaiting.ts";
import { rejectIntervention } from "./approve.ts";
import { releaseHeldAndPropose, rulesJobs as rulesJobsOf, runRulesAndPropose } from "./jobs.ts";
import { proposeFromFlags } from "./propose.ts";

export { runRulesAndPropose, type RunAndPropose } from "./jobs.ts";

/** What the edges may ask of interventions (app/ binds the database). */
export const useCases = {
  awaitingDecision,
  approve: approveAndReport,
  reject: rejectIntervention,
  jobs: rulesJobsOf,
  runRulesAndPropose,
  releaseHeldAndPropose,
  proposeFromFlags,
};
