/**
 * The privacy notice (POLICY P6, P7): what Nudge uses, why, who can see it, how long it is kept,
 * and the student's rights, generated from the service's settings and from the code that decides
 * these things, so the notice cannot say one thing while the service does another:
 *
 * - data sources: the engagement sources ingest loads (`EngagementSource`), and the channels
 *   switched on in this deployment;
 * - who has access: the permission matrix the access gate enforces (`permissions.ts`), in words;
 * - retention: the configured periods, when the deployment sets them.
 *
 * `privacyNotice(settings)` returns the notice as sections; `noticeHtml` and `noticeText` render
 * it (the page at GET /privacy, the bot's answer to "privacy"); `welcomeText` is the short version
 * a student receives on first contact.
 */
import escapeHtml from "escape-html";
import { ENGAGEMENT_SOURCES, SOURCE_WORDS, type ChannelName as Channel, type EngagementSource } from "../core/index.ts";
import { CAPABILITIES, MATRIX, ROLES, type CapabilityName, type Role, type Scope } from "../access/index.ts";

export const DEFAULT_INSTITUTION_NAME = "your university";
export const DEFAULT_PRIVACY_CONTACT = "your university's Data Protection Officer";

export interface PrivacyNoticeSettings {
  /** Who is responsible for the data (the controller), e.g. "University of Exampleshire". */
  institutionName: string;
  /** Where privacy questions and requests go, e.g. "Data Protection Officer <dpo@example.ac.uk>". */
  privacyContact: string;
  /** Channels switched on in this deployment. */
  channels: readonly Channel[];
  /** Retention periods, in days after the course ends, when the deployment sets them. */
  retention?: { contactDays?: number; anonymiseDays?: number };
  /** Days raw VLE activity statements are kept (0: none). */
  rawActivityDays?: number;
}

export const DEFAULT_NOTICE_SETTINGS: PrivacyNoticeSettings = {
  institutionName: DEFAULT_INSTITUTION_NAME,
  privacyContact: DEFAULT_PRIVACY_CONTACT,
  channels: ["teams"],
};

export type SectionId = "about" | "sources" | "channels" | "purposes" | "access" | "retention" | "rights" | "contact";

export interface NoticeItem {
  /** A short label shown before the text (e.g. the name of a right). */
  term?: string;
  text: string;
}

/** One role's line in "who can see your data": generated from the permission matrix. */
export interface AccessRow {
  role: Role;
  who: string;
  /** What the role may do, in words; one entry per capability the matrix grants it. */
  can: string[];
  capabilities: CapabilityName[];
  /** Over whom, in words. */
  limits: string;
}

export interface NoticeSection {
  id: SectionId;
  title: string;
  paragraphs: string[];
  items?: NoticeItem[];
  access?: AccessRow[];
  /** Paragraphs after the list or table. */
  after?: string[];
}

export interface PrivacyNotice {
  title: string;
  institutionName: string;
  privacyContact: string;
  sections: NoticeSection[];
}

// ---------------------------------------------------------------------------------------------
// What the words are generated from

interface SourceWords {
  /** The label in the notice's list. */
  term: string;
  /** What it records, at length; in a sentence the source is named by core's SOURCE_WORDS. */
  text: string;
}

/**
 * Every engagement source ingest knows, in words; null for a source no feed format loads yet (it
 * is then not in the notice). A new source must be described here before it compiles.
 */
export const NOTICE_SOURCES: Record<EngagementSource, SourceWords | null> = {
  vle: {
    term: "VLE",
    text: "when you log in to the virtual learning environment (Moodle, Canvas or Blackboard) and view or take part in your modules' pages, counted per day",
  },
  attendance: { term: "Attendance", text: "whether you attended timetabled sessions (registers, card swipes or QR codes)" },
  library: { term: "Library", text: "library visits and loans, and use of e-resources, counted per day" },
  submission: {
    term: "Submissions",
    text: "whether coursework was handed in on time, late or not at all (marks are never used to decide whether to contact you)",
  },
  printing: null,
};

const CHANNEL_WORDS: Record<Channel, { name: string; text: string }> = {
  teams: { name: "Teams", text: "messages in a one-to-one chat with the Nudge app in Microsoft Teams" },
  sms: {
    name: "text message",
    text: "text messages to the mobile number in your student record, sent through an SMS provider that handles them for us under contract and receives only your number and the message",
  },
  email: { name: "email", text: "emails to the email address in your student record" },
};

/** What each capability lets someone do, said to the student it concerns. */
export const CAPABILITY_WORDS: Record<CapabilityName, string> = {
  "student.read": "see your record, your engagement figures and any flags raised about you, with the evidence",
  "student.special_category.read": "see special-category information (health, disability, ethnicity), only if you have consented to its use",
  "student.contact": "message you, invite you to talk and read your replies",
  "intervention.decide": "approve, change or turn down support proposed for you",
  "consent.record": "record your consent or its withdrawal",
  "student.export": "produce a copy of everything held about you",
  "student.rectify": "correct your record",
  "student.erase": "erase your personal data",
  "safeguarding.respond": "respond to a message you sent that suggested you might be at risk, and record extenuating circumstances",
  "analytics.ask": "see counts over groups of students, with small groups hidden",
  "analytics.report":
    "produce the yearly report on how Nudge is used, whether its messages help, and whether some groups of students are flagged more than others (counts and rates over groups, with small groups hidden)",
  "rules.edit": "write and change the checks that decide when a message is suggested",
  "runs.read": "see how many students the checks found, and how up to date each data feed is (counts only)",
  "audit.read": "read the log of who looked at or acted on records",
  "system.operate": "load the data feeds and keep the service running",
};

const ROLE_WORDS: Record<Role, string> = {
  student: "You",
  personal_tutor: "Personal tutors",
  level_tutor: "Level tutors",
  programme_leader: "Programme leaders",
  student_centre: "Student Centre staff",
  safeguarding: "Safeguarding and wellbeing staff",
  admin: "Designated administrators",
  operator: "IT staff who run the service",
};

/** Over whom a role's individual rights reach, in words. */
const SCOPE_LIMITS: Record<Exclude<Scope, "aggregate">, string> = {
  own: "Your own data.",
  tutees: "Only the students they are personal tutor to, while they are.",
  programme_year: "Only students on their programme and year of study.",
  programme: "Only students on their programme.",
  concerns: "Only students who sent a message suggesting they might be at risk or in distress, for 90 days after it.",
  all: "Any student's record, but only to carry out these duties.",
};
const NEVER_INDIVIDUAL = "Never see information about you as an individual.";

/** Who has access, role by role, from the matrix the access gate enforces. */
export function accessRows(): AccessRow[] {
  return ROLES.map((role) => {
    const granted = (Object.keys(CAPABILITIES) as CapabilityName[]).filter((name) => MATRIX[role][name] !== undefined);
    const scopes = [...new Set(granted.filter((name) => CAPABILITIES[name].individual).map((name) => MATRIX[role][name]!))].filter(
      (s): s is Exclude<Scope, "aggregate"> => s !== "aggregate",
    );
    return {
      role,
      who: ROLE_WORDS[role],
      can: granted.map((name) => CAPABILITY_WORDS[name]),
      capabilities: granted,
      limits: scopes.length ? scopes.map((s) => SCOPE_LIMITS[s]).join(" ") : NEVER_INDIVIDUAL,
    };
  });
}

/** Staff roles that may see an individual student's engagement data (the "who sees it" of the welcome). */
function supportRoles(): Role[] {
  return ROLES.filter((role) => role !== "student" && ["tutees", "programme_year", "programme"].includes(MATRIX[role]["student.read"] ?? ""));
}

/** Staff roles that see a student only after a message suggesting they might be at risk. */
function concernRoles(): Role[] {
  return ROLES.filter((role) => MATRIX[role]["student.read"] === "concerns");
}

/** Other staff roles that may act on an individual's data at all (data-protection duties). */
function dutyRoles(): Role[] {
  const others = [...supportRoles(), ...concernRoles()];
  return ROLES.filter(
    (role) => role !== "student" && !others.includes(role) && (Object.keys(MATRIX[role]) as CapabilityName[]).some((name) => CAPABILITIES[name].individual),
  );
}

const SUPPORT_ROLE_NAMES: Partial<Record<Role, string>> = {
  personal_tutor: "your personal tutor",
  level_tutor: "the level tutor for your year",
  programme_leader: "your programme leader",
};

function sourcesInUse(): (SourceWords & { short: string })[] {
  return ENGAGEMENT_SOURCES.flatMap((source) => (NOTICE_SOURCES[source] ? [{ ...NOTICE_SOURCES[source], short: SOURCE_WORDS[source].activity }] : []));
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function listInWords(words: string[]): string {
  if (words.length <= 1) return words.join("");
  return `${words.slice(0, -1).join(", ")} and ${words[words.length - 1]}`;
}

function days(n: number): string {
  return n === 1 ? "1 day" : `${n} days`;
}

// ---------------------------------------------------------------------------------------------
// The notice

export function privacyNotice(settings: PrivacyNoticeSettings): PrivacyNotice {
  const institution = settings.institutionName.trim() || DEFAULT_INSTITUTION_NAME;
  const contact = settings.privacyContact.trim() || DEFAULT_PRIVACY_CONTACT;
  const channels = (["teams", "sms", "email"] as const).filter((c) => settings.channels.includes(c));
  const retention = settings.retention ?? {};

  const sections: NoticeSection[] = [
    {
      id: "about",
      title: "What Nudge is",
      paragraphs: [
        `Nudge is the student-support service ${institution} uses to notice early when your engagement with your studies suggests things might be getting hard, and to offer you a chance to talk with your personal tutor.`,
        `${capitalised(institution)} is responsible for your data (the data controller). This notice explains what Nudge uses, why, who can see it, how long it is kept and what you can ask for.`,
      ],
    },
    {
      id: "sources",
      title: "The data Nudge uses",
      paragraphs: ["Nudge receives data from the university's own systems:"],
      items: [
        {
          term: "Student records",
          text: "your name, student number, email address, mobile number, photo and Microsoft Teams identity; your programme, year and modules; your enrolment status; who your personal tutor is; and the dates (never the reasons) of any extenuating circumstances",
        },
        ...sourcesInUse().map((s) => ({ term: s.term, text: s.text })),
        { term: "Your messages", text: "the messages Nudge sends you, your replies, and the choices you make (pausing, stopping, your preferred channel)" },
        {
          term: "Special-category data",
          text: "a disability, ethnicity or health category code from your student record is used only with your explicit consent for that purpose, and only where essential. Without your consent it never reaches the checks, staff or anything exported to staff",
        },
      ],
      after: ["Nudge does not store your date of birth, home address or other details from your student record that it does not need."],
    },
    {
      id: "channels",
      title: "How Nudge contacts you",
      paragraphs: [channels.length ? "Nudge can reach you by:" : "No channels are switched on: Nudge does not message students at the moment."],
      items: channels.map((c) => ({ term: capitalised(CHANNEL_WORDS[c].name), text: CHANNEL_WORDS[c].text })),
      after: [
        "Messages say as little as possible: a text message or email does not contain your figures unless the university decided it should. Nothing is sent while you have paused Nudge, or once your enrolment has ended.",
        "To find out whether these prompts really help, some rules leave out a small share of students at random (usually 1 in 10, never more than half), the way a fair trial does: if you are one of them, you do not get that rule's automatic prompt for the rest of the term. Nothing else changes: your personal tutor still sees the same information and can still contact you, invitations to talk, referrals and replies to your messages are never left out, and you can always ask for help. Only counts over groups of students are compared, never one person.",
      ],
    },
    {
      id: "purposes",
      title: "Why: support, never assessment",
      paragraphs: [],
      items: [
        { text: "To notice early when your engagement suggests things might be getting hard, and offer you a chance to talk with your personal tutor." },
        { text: "To agree support with you and follow up until things improve." },
        {
          text: "To give staff counts over groups of students (never about one person, with small groups hidden) so that teaching and support can improve, and to report each year on whether Nudge helps.",
        },
      ],
      after: [
        "Nudge is not assessment and not discipline: nothing it finds is used for marks, progression, awards or disciplinary decisions.",
        'Short automatic prompts are sent by the system. Anything more, such as an invitation to talk sent in your tutor\'s name, a referral, or involving your programme leader, is only done after a member of staff has approved it, and every message is recorded. Every message says why it was sent; reply "why?" to any of them to see the reason again.',
      ],
    },
    {
      id: "access",
      title: "Who can see your data",
      paragraphs: ["Access depends on the role someone holds; every look at your record by staff is logged."],
      access: accessRows(),
      after: ["Special-category data is shown to staff only if you have consented to its use for that purpose."],
    },
    {
      id: "retention",
      title: "How long it is kept",
      paragraphs: [],
      items: [
        { text: "While you are actively enrolled, your data is available to the people above." },
        {
          text:
            retention.contactDays !== undefined
              ? `${retention.contactDays === 0 ? "From the day after your course ends" : `${capitalised(days(retention.contactDays))} after your course ends`}, your contact details are no longer available through Nudge.`
              : "When your course ends, your contact details are no longer available through Nudge.",
        },
        {
          text:
            retention.anonymiseDays !== undefined
              ? `${capitalised(days(retention.anonymiseDays))} after your course ends, the rest of your data in Nudge is deleted or anonymised.`
              : "After that, the rest of your data in Nudge is deleted or anonymised, in line with the university's retention schedule.",
        },
        ...(settings.rawActivityDays !== undefined
          ? [
              {
                text:
                  settings.rawActivityDays > 0
                    ? `Raw VLE activity records are kept for ${days(settings.rawActivityDays)}; after that only the daily counts made from them remain.`
                    : "Raw VLE activity records are not kept; only the daily counts made from them are.",
              },
            ]
          : []),
        { text: "Anonymised statistics (counts that cannot identify you) may be kept to report on whether Nudge helps." },
        { text: "A log of who looked at or acted on your record is kept, so the university can show that your data was handled properly." },
      ],
    },
    {
      id: "rights",
      title: "Your rights, and how to use them",
      paragraphs: [
        `You can reply to any Nudge message (or write to Nudge in Teams) with the words below, or contact ${contact}. Requests are answered within one month.`,
      ],
      items: [
        {
          term: "See your data (access)",
          text: `reply "what data do you hold about me?" for a copy of everything Nudge holds about you, in a portable electronic format and as a readable summary.`,
        },
        { term: "Why you were contacted", text: `reply "why?" to see which check a message came from and the data it was based on.` },
        { term: "Correct it (rectification)", text: `if something is wrong, tell ${contact}; it is corrected and the change is recorded.` },
        { term: "Erase it (erasure)", text: `ask ${contact} to erase your personal data from Nudge; only anonymised counts are kept.` },
        {
          term: "Pause or restrict it (restriction)",
          text: `reply "pause" (or "pause for 2 weeks") to stop messages for a while; ask ${contact} to restrict processing altogether, and nothing about you is checked or sent meanwhile.`,
        },
        { term: "Object", text: `you can object to Nudge using your data: contact ${contact}.` },
        {
          term: "Stop, or withdraw consent",
          text: `reply "stop" to stop messages on that channel; consent to learning analytics or to special-category data can be refused or withdrawn at any time through ${contact}.`,
        },
      ],
      after: [
        "Refusing or withdrawing consent, objecting or stopping messages never affects your marks, progression or standing. It means Nudge will not use that data or contact you, so you may miss these early offers of support; your personal tutor can still contact you directly.",
        `If you are unhappy with how your data is handled, contact ${contact}. You can also complain to the Information Commissioner's Office (ico.org.uk).`,
      ],
    },
    {
      id: "contact",
      title: "Questions",
      paragraphs: [
        `About your data and your rights: ${contact}.`,
        "About learning analytics and how Nudge works: the Student Centre.",
        ...(channels.includes("teams") ? [`Say "privacy" to Nudge in Teams to see this notice again.`] : []),
      ],
    },
  ];
  return { title: "How Nudge uses your data", institutionName: institution, privacyContact: contact, sections };
}

// ---------------------------------------------------------------------------------------------
// Renderers

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;

/** The notice as a complete, self-contained HTML page: no scripts, fonts, images or other requests. */
export function noticeHtml(notice: PrivacyNotice): string {
  const e = (text: string) => escapeHtml(text);
  // Text with email addresses as mailto links (the contact).
  const linked = (text: string) => e(text).replace(EMAIL, (address) => `<a href="mailto:${address}">${address}</a>`);
  const paragraphs = (texts: string[] | undefined) => (texts ?? []).map((t) => `<p>${linked(t)}</p>`).join("\n");
  const items = (list: NoticeItem[] | undefined) =>
    list?.length ? `<ul>\n${list.map((i) => `<li>${i.term ? `<strong>${e(i.term)}</strong>: ` : ""}${linked(i.text)}</li>`).join("\n")}\n</ul>` : "";
  const access = (rows: AccessRow[] | undefined) =>
    rows?.length
      ? `<table>
<caption>Who can see or do what with your data</caption>
<thead><tr><th scope="col">Who</th><th scope="col">What they can do</th><th scope="col">Whose data</th></tr></thead>
<tbody>
${rows
  .map(
    (r) =>
      `<tr data-role="${e(r.role)}"><th scope="row">${e(r.who)}</th><td>${r.can.length ? `<ul>${r.can.map((c) => `<li>${e(capitalised(c))}</li>`).join("")}</ul>` : "Nothing"}</td><td>${e(r.limits)}</td></tr>`,
  )
  .join("\n")}
</tbody>
</table>`
      : "";
  const toc = notice.sections.map((s) => `<li><a href="#${s.id}">${e(s.title)}</a></li>`).join("\n");
  const body = notice.sections
    .map(
      (s) => `<section id="${s.id}" aria-labelledby="${s.id}-title">
<h2 id="${s.id}-title">${e(s.title)}</h2>
${[paragraphs(s.paragraphs), items(s.items), access(s.access), paragraphs(s.after)].filter(Boolean).join("\n")}
</section>`,
    )
    .join("\n");
  return `<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(notice.title)}: privacy notice</title>
<style>
body{font-family:Arial,Helvetica,sans-serif;font-size:1rem;line-height:1.5;color:#1f1f1f;background:#fff;max-width:48rem;margin:0 auto;padding:1.5rem 1rem}
h1{font-size:1.75rem}h2{font-size:1.3rem;margin-top:2rem}
a{color:#0b57a4}a:focus{outline:3px solid #ffbf47;outline-offset:2px}
table{border-collapse:collapse;width:100%}caption{text-align:left;font-weight:bold;padding:.5rem 0}
th,td{border:1px solid #6f6f6f;padding:.5rem;text-align:left;vertical-align:top}td ul{margin:0;padding-left:1.2rem}
.skip{position:absolute;left:-999px}.skip:focus{position:static}
</style>
</head>
<body>
<a class="skip" href="#content">Skip to the notice</a>
<header>
<h1>${e(notice.title)}</h1>
<p>Privacy notice of Nudge at ${e(notice.institutionName)}.</p>
</header>
<nav aria-label="Contents">
<ol>
${toc}
</ol>
</nav>
<main id="content">
${body}
</main>
</body>
</html>
`;
}

/** The notice as plain text (a Teams message, a text file): headings, paragraphs and "- " lists. */
export function noticeText(notice: PrivacyNotice): string {
  const blocks: string[] = [`${notice.title.toUpperCase()} (${notice.institutionName})`];
  for (const s of notice.sections) {
    const lines: string[] = [s.title.toUpperCase(), ...s.paragraphs];
    for (const i of s.items ?? []) lines.push(`- ${i.term ? `${i.term}: ` : ""}${i.text}`);
    for (const r of s.access ?? []) lines.push(`- ${r.who}: ${r.can.length ? r.can.join("; ") : "nothing"}. ${r.limits}`);
    lines.push(...(s.after ?? []));
    blocks.push(lines.join("\n"));
  }
  return `${blocks.join("\n\n")}\n`;
}

/**
 * The short notice a student gets the first time Nudge sees their conversation: what Nudge is,
 * the data it uses, who sees it, how to pause or stop, how to get a copy, and where the full notice is.
 */
export function welcomeText(settings: PrivacyNoticeSettings, givenName?: string | null): string {
  const institution = settings.institutionName.trim() || DEFAULT_INSTITUTION_NAME;
  const sources = listInWords(sourcesInUse().map((s) => s.short));
  const who = listInWords(supportRoles().map((r) => SUPPORT_ROLE_NAMES[r] ?? ROLE_WORDS[r].toLowerCase()));
  return [
    `Hello${givenName ? ` ${givenName}` : ""}, this is Nudge, the student-support service of ${institution}. If your engagement data suggests things might be getting hard, Nudge sends you a short message and offers you a chat with your personal tutor. It is support, never assessment: nothing it finds affects your marks or progression.`,
    `Data it uses: your student record, and your ${sources}.`,
    `Who sees it about you: ${who}.${concernRoles().length ? ` ${capitalised(listInWords(concernRoles().map((r) => ROLE_WORDS[r].toLowerCase())))} see it only if a message you send suggests you might be at risk, so they can help.` : ""}${dutyRoles().length ? ` ${capitalised(listInWords(dutyRoles().map((r) => ROLE_WORDS[r].toLowerCase())))} see it only to handle a data-protection request, such as giving you a copy of your data.` : ""} Nobody else sees your data individually.`,
    `Reply "pause" to stop messages for a while, "stop" to stop them here, "what data do you hold about me?" for a copy of your data, or "why?" about any message.`,
    `Say "privacy" for the full privacy notice.`,
  ].join("\n\n");
}

/** The two things students most ask about, in a sentence each: who sees their data, and how long it is kept. */
export function privacySummary(settings: PrivacyNoticeSettings): { who: string; retention: string } {
  const who = listInWords(supportRoles().map((r) => SUPPORT_ROLE_NAMES[r] ?? ROLE_WORDS[r].toLowerCase()));
  const concern = concernRoles().length
    ? `, and ${listInWords(concernRoles().map((r) => ROLE_WORDS[r].toLowerCase()))} only if a message you send suggests you might be at risk`
    : "";
  const contactDays = settings.retention?.contactDays;
  const anonymiseDays = settings.retention?.anonymiseDays;
  const retention = `It is kept while you are enrolled; ${contactDays ? `${days(contactDays)} after your course ends` : "when your course ends"} your contact details are removed, and ${anonymiseDays !== undefined ? `${days(anonymiseDays)} after it ends` : "later"} the rest is deleted or anonymised.`;
  return { who: `${who}${concern}`, retention };
}

/** Whether a student's message asks for the privacy notice (not a request for their own data). */
export function asksForPrivacyNotice(text: string): boolean {
  const t = text
    .trim()
    .replace(/[.!?]+$/, "")
    .trim()
    .toLowerCase();
  return (
    /^(the )?privacy( notice| policy| statement| information)?$/.test(t) ||
    /^(show|send|give) me (the |your )?privacy( notice| policy| statement)?$/.test(t) ||
    /\bwhat (do|will|does nudge) (you )?do with my (data|information|info)\b/.test(t) ||
    /\bhow (do|does nudge) (you )?(use|handle|process) my (data|information|info)\b/.test(t)
  );
}
