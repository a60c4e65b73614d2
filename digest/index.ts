/**
 * A personal tutor's digest: which tutees need a look, each with the evidence in plain words, the
 * recent weeks, what was tried, and the suggestion waiting; paged cards that update in place.
 */
export {
  tutorDigest,
  studentsForDigest,
  markRepliesSeen,
  evidenceLine,
  TREND_WEEKS,
  type DigestEntry,
  type DigestOptions,
  type TutorDigestPage,
} from "./entries.ts";
export {
  composeDigest,
  digestPage,
  digestStudent,
  digestStudents,
  fitPhrases,
  trendScale,
  sparkline,
  type ComposedDigest,
  type DigestStudents,
  type DigestTrigger,
  type StoredDigest,
} from "./cards.ts";
export { sendDigests, markSentDigestsSeen, digestJobs, type DigestLinkSettings } from "./jobs.ts";
export {
  digestOfLink,
  digestLinkPage,
  actOnDigestLink,
  digestLinkUrl,
  DIGEST_LINK_PATH,
  DIGEST_LINK_DAYS,
  type LinkedDigest,
  type DigestLinkPage,
  type LinkActionRequest,
} from "./email-links.ts";
export { digestEmail, type DigestPage } from "./cards.ts";
export { tuteesCardFor, digestNow, studentLookupCard, digestAction, type StaffMember, type DigestActionData, type DigestActionDeps } from "./tutor-tools.ts";

import { digestAction, digestNow, studentLookupCard, tuteesCardFor } from "./tutor-tools.ts";
import { digestJobs, markSentDigestsSeen, sendDigests } from "./jobs.ts";
import { actOnDigestLink, digestLinkPage, digestOfLink } from "./email-links.ts";

/** What the edges may ask of the digest (app/ binds the database). */
export const useCases = {
  tuteesCardFor,
  digestNow,
  studentLookupCard,
  digestAction,
  sendDigests,
  markSentDigestsSeen,
  digestOfLink,
  digestLinkPage,
  actOnDigestLink,
  jobs: digestJobs,
};
