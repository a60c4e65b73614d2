/** Interventions: lifecycle, approval policy (POLICY P2), proposals from flags, replies. */
export { TRANSITIONS, IllegalTransition, canTransition, transition, createProposed, type InterventionActor } from "./lifecycle.ts";
export { DEFAULT_POLICY, APPROVABLE_KINDS, ApprovalPolicyError, loadApprovalPolicy, parseApprovalPolicy, type ApprovalPolicy, type ApprovableKind } from "./approval-policy.ts";
export { proposeFromFlags, type ProposeReport, type ProposeSettings, type TemplateData } from "./propose.ts";
export { approveIntervention, rejectIntervention, DecisionRejected, type ApproveRequest } from "./approve.ts";
export { checkBeforeSend, quietHoursEnd, type DeliveryRules, type SendDecision } from "./send-checks.ts";
export { receiveStudentMessage, type StudentMessage, type ReplyOutcome } from "./replies.ts";
export { classifyReply, pauseDaysOf } from "./reply-classifier.ts";
export { explainEvidence, messageValues } from "./message-values.ts";
