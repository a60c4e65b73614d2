/**
 * Safeguarding: recognising a message that could be a crisis or distress (the screen), raising a
 * concern and alerting people at once, escalating what nobody acknowledges, and acknowledging.
 */
export { screenMessage, higherLevel, type SafeguardingLevel, type Screening, type CrisisReason, type DistressReason } from "./screen.ts";
export { raiseConcern, alertFacts, personalTutors, type NewConcern, type RaisedConcern } from "./raise.ts";
export { acknowledgeConcern, recordCircumstances, ConcernError, type AcknowledgeResult, type Acknowledger } from "./acknowledge.ts";
export { escalateUnacknowledged, type EscalationFigures } from "./escalate.ts";
export { acknowledgeToken, readAcknowledgeToken, acknowledgeUrl, ACKNOWLEDGE_PATH, type AlertRecipientId } from "./acknowledge-links.ts";
export { alertCard, alertCardData, alertEmail, alertTitle, type AlertFacts } from "./alert-content.ts";
export { defaultSafeguardingSettings, DEFAULT_CRISIS_LINES, type SafeguardingContact, type SafeguardingSettings } from "./settings.ts";
export { safeguardingJobs } from "./jobs.ts";
export { respondToAlert, concernOfLink, acknowledgeByLink, type AlertResponse, type LinkedConcern } from "./alert-responses.ts";

import { acknowledgeByLink, concernOfLink, respondToAlert } from "./alert-responses.ts";
import { safeguardingJobs as safeguardingJobsOf } from "./jobs.ts";

/** What the edges may ask of safeguarding (app/ binds the database). */
export const useCases = { respondToAlert, concernOfLink, acknowledgeByLink, jobs: safeguardingJobsOf };
