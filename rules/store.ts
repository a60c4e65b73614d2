/**
 * Rules and the academic calendar in the database: every edit a numbered version, the current one
 * in force, each change in the audit log in the same transaction as the change.
 */
import { NudgeError } from "../core/index.ts";
import type { Database, Db } from "../prisma/index.ts";
import { writeAudit } from "../audit/index.ts";
import type { StaffIdentity } from "../access/index.ts";
import { calendarSpan, type CalendarDocument } from "./calendar.ts";
import { fieldName, type Path, type Problem, type SourceDocument } from "./document.ts";
import { validateRule, type RuleDocument, type ValidRule } from "./validate.ts";

type Tx = Parameters<Parameters<Db["$transaction"]>[0]>[0];

/** JSON with sorted keys: two documents are the same rule when these match. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_, v) =>
    v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v,
  );
}

/** Top-level fields that differ between two versions, for the audit entry and `rules show`. */
export function changedFields(before: RuleDocument | undefined, after: RuleDocument): string[] {
  if (!before) return Object.keys(after).sort();
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys]
    .filter((k) => canonicalJson((before as unknown as Record<string, unknown>)[k]) !== canonicalJson((after as unknown as Record<string, unknown>)[k]))
    .sort();
}

export interface RuleToSave {
  rule: ValidRule;
  /** The file's text, kept with the version (comments included). */
  source?: string;
}

export type SaveOutcome = { id: string; action: "created" | "updated" | "unchanged"; version: number; changed: string[] };

const staffActor = (author: StaffIdentity) => ({ kind: "staff" as const, staffNumber: author.staffNumber });

async function saveRule(tx: Tx, item: RuleToSave, author: StaffIdentity, comment: string | undefined): Promise<SaveOutcome> {
  const document = item.rule.document;
  const owner = document.owner ? await tx.staff.findUnique({ where: { staffNumber: document.owner } }) : null;
  const existing = await tx.rule.findUnique({ where: { id: document.id } });
  if (existing) {
    const current = await tx.ruleVersion.findUnique({ where: { ruleId_version: { ruleId: document.id, version: existing.currentVersion } } });
    const before = current?.document as unknown as RuleDocument | undefined;
    if (before && canonicalJson(before) === canonicalJson(document))
      return { id: document.id, action: "unchanged", version: existing.currentVersion, changed: [] };
    const latest = await tx.ruleVersion.aggregate({ where: { ruleId: document.id }, _max: { version: true } });
    const version = (latest._max.version ?? 0) + 1;
    const changed = changedFields(before, document);
    await tx.ruleVersion.create({
      data: { ruleId: document.id, version, document: document as object, source: item.source ?? null, authorId: author.staffId, comment: comment ?? null },
    });
    await tx.rule.update({ where: { id: document.id }, data: { title: document.title, currentVersion: version, ownerId: owner?.id ?? null } });
    await writeAudit(tx, {
      actor: staffActor(author),
      action: "rule.update",
      targetType: "rule",
      targetId: document.id,
      details: { version, previousVersion: existing.currentVersion, changed },
    });
    return { id: document.id, action: "updated", version, changed };
  }
  await tx.rule.create({ data: { id: document.id, title: document.title, enabled: false, currentVersion: 1, ownerId: owner?.id ?? null } });
  await tx.ruleVersion.create({
    data: { ruleId: document.id, version: 1, document: document as object, source: item.source ?? null, authorId: author.staffId, comment: comment ?? null },
  });
  await writeAudit(tx, {
    actor: staffActor(author),
    action: "rule.create",
    targetType: "rule",
    targetId: document.id,
    details: { version: 1, enabled: false },
  });
  return { id: document.id, action: "created", version: 1, changed: changedFields(undefined, document) };
}

async function saveCalendar(tx: Tx, calendar: CalendarDocument, source: string | undefined, author: StaffIdentity): Promise<"created" | "unchanged"> {
  const latest = await tx.academicCalendar.findFirst({ orderBy: { id: "desc" } });
  if (latest && canonicalJson(latest.document) === canonicalJson(calendar)) return "unchanged";
  const row = await tx.academicCalendar.create({
    data: { name: calendar.calendar, document: calendar as object, source: source ?? null, authorId: author.staffId },
  });
  await writeAudit(tx, {
    actor: staffActor(author),
    action: "calendar.import",
    targetType: "calendar",
    targetId: String(row.id),
    details: { name: calendar.calendar, periods: Object.keys(calendar.periods) },
  });
  return "created";
}

/** Saves a calendar and rules (already validated) in one transaction: all of them or none. */
export async function saveAll(
  db: Database,
  input: { calendar?: { document: CalendarDocument; source?: string }; rules: RuleToSave[] },
  author: StaffIdentity,
  comment?: string,
): Promise<{ calendar?: "created" | "unchanged"; rules: SaveOutcome[] }> {
  return db.prisma.$transaction(async (tx) => {
    const calendar = input.calendar ? await saveCalendar(tx, input.calendar.document, input.calendar.source, author) : undefined;
    const rules: SaveOutcome[] = [];
    for (const item of input.rules) rules.push(await saveRule(tx, item, author, comment));
    return { calendar, rules };
  });
}

/**
 * The calendar in force on `day`: of the imported calendars (one per academic year), the latest
 * imported whose dates span the day, so a backtest of a past year reads that year's terms. Without
 * a day, or when none spans it, the latest imported.
 */
export async function loadCalendar(db: Database, day?: number): Promise<CalendarDocument | null> {
  const rows = await db.prisma.academicCalendar.findMany({ orderBy: { id: "desc" }, select: { document: true } });
  const calendars = rows.map((row) => row.document as unknown as CalendarDocument);
  if (day !== undefined) {
    const covering = calendars.find((calendar) => {
      const span = calendarSpan(calendar);
      return span !== null && span.from <= day && day <= span.to;
    });
    if (covering) return covering;
  }
  return calendars[0] ?? null;
}

export class RuleNotFound extends NudgeError {
  static override kind = "not_found" as const;
  static override code = "rule_not_found";
}

export async function setEnabled(db: Database, id: string, enabled: boolean, author: StaffIdentity): Promise<{ changed: boolean; version: number }> {
  return db.prisma.$transaction(async (tx) => {
    const rule = await tx.rule.findUnique({ where: { id } });
    if (!rule) throw new RuleNotFound(`no rule '${id}'`);
    if (rule.enabled === enabled) return { changed: false, version: rule.currentVersion };
    await tx.rule.update({ where: { id }, data: { enabled } });
    await writeAudit(tx, {
      actor: staffActor(author),
      action: enabled ? "rule.enable" : "rule.disable",
      targetType: "rule",
      targetId: id,
      details: { version: rule.currentVersion },
    });
    return { changed: true, version: rule.currentVersion };
  });
}

/** Rollback writes version N's document as a new version, so history only ever grows. */
export async function rollback(db: Database, id: string, toVersion: number, author: StaffIdentity): Promise<SaveOutcome> {
  return db.prisma.$transaction(async (tx) => {
    const rule = await tx.rule.findUnique({ where: { id } });
    if (!rule) throw new RuleNotFound(`no rule '${id}'`);
    const target = await tx.ruleVersion.findUnique({ where: { ruleId_version: { ruleId: id, version: toVersion } } });
    if (!target) throw new RuleNotFound(`rule '${id}' has no version ${toVersion} (it has 1 to ${rule.currentVersion})`);
    if (toVersion === rule.currentVersion) return { id, action: "unchanged" as const, version: toVersion, changed: [] };
    const document = target.document as unknown as RuleDocument;
    const current = await tx.ruleVersion.findUnique({ where: { ruleId_version: { ruleId: id, version: rule.currentVersion } } });
    const latest = await tx.ruleVersion.aggregate({ where: { ruleId: id }, _max: { version: true } });
    const version = (latest._max.version ?? 0) + 1;
    const changed = changedFields(current?.document as unknown as RuleDocument, document);
    await tx.ruleVersion.create({
      data: { ruleId: id, version, document: document as object, source: target.source, authorId: author.staffId, comment: `rollback to version ${toVersion}` },
    });
    await tx.rule.update({ where: { id }, data: { title: document.title, currentVersion: version } });
    await writeAudit(tx, {
      actor: staffActor(author),
      action: "rule.rollback",
      targetType: "rule",
      targetId: id,
      details: { version, restoredVersion: toVersion, previousVersion: rule.currentVersion, changed },
    });
    return { id, action: "updated" as const, version, changed };
  });
}

export interface RuleSummary {
  id: string;
  title: string;
  enabled: boolean;
  version: number;
  significance: string;
  intervention: string;
  owner: string | null;
  updatedAt: Date;
}

export async function listRules(db: Database): Promise<RuleSummary[]> {
  const rules = await db.prisma.rule.findMany({ orderBy: { id: "asc" }, include: { owner: true, versions: true } });
  return rules.map((rule) => {
    const document = rule.versions.find((v) => v.version === rule.currentVersion)?.document as unknown as RuleDocument | undefined;
    return {
      id: rule.id,
      title: rule.title,
      enabled: rule.enabled,
      version: rule.currentVersion,
      significance: document?.significance ?? "?",
      intervention: document?.intervention ?? "?",
      owner: rule.owner?.staffNumber ?? null,
      updatedAt: rule.updatedAt,
    };
  });
}

export interface RuleDetail extends RuleSummary {
  shownVersion: number;
  document: RuleDocument;
  source: string | null;
  /** `author` is the staff number (for the CLI and logs), `authorName` the name staff know them by. */
  versions: { version: number; author: string | null; authorName: string | null; comment: string | null; createdAt: Date }[];
}

export async function showRule(db: Database, id: string, version?: number): Promise<RuleDetail> {
  const rule = await db.prisma.rule.findUnique({
    where: { id },
    include: { owner: true, versions: { include: { author: true }, orderBy: { version: "asc" } } },
  });
  if (!rule) throw new RuleNotFound(`no rule '${id}'`);
  const shown = rule.versions.find((v) => v.version === (version ?? rule.currentVersion));
  if (!shown) throw new RuleNotFound(`rule '${id}' has no version ${version} (it has 1 to ${rule.versions.at(-1)?.version ?? 0})`);
  const document = shown.document as unknown as RuleDocument;
  return {
    id: rule.id,
    title: rule.title,
    enabled: rule.enabled,
    version: rule.currentVersion,
    significance: document.significance,
    intervention: document.intervention,
    owner: rule.owner?.staffNumber ?? null,
    updatedAt: rule.updatedAt,
    shownVersion: shown.version,
    document,
    source: shown.source,
    versions: rule.versions.map((v) => ({
      version: v.version,
      author: v.author?.staffNumber ?? null,
      authorName: v.author?.displayName ?? null,
      comment: v.comment,
      createdAt: v.createdAt,
    })),
  };
}

export interface StoredRule {
  rule: ValidRule;
  version: number;
}

/**
 * The rules a run evaluates (enabled ones, or those named), at their current version, validated
 * again: a stored rule the current catalogue no longer accepts is reported, not evaluated.
 */
export async function loadRulesToRun(
  db: Database,
  calendar: CalendarDocument | null,
  ids?: readonly string[],
): Promise<{ rules: StoredRule[]; invalid: { id: string; version: number; problems: Problem[] }[] }> {
  const rows = await db.prisma.rule.findMany({
    where: ids ? { id: { in: [...ids] } } : { enabled: true },
    include: { versions: true },
    orderBy: { id: "asc" },
  });
  if (ids) {
    const missing = ids.filter((id) => !rows.some((r) => r.id === id));
    if (missing.length) throw new RuleNotFound(`no rule ${missing.map((m) => `'${m}'`).join(", ")}`);
  }
  const rules: StoredRule[] = [];
  const invalid: { id: string; version: number; problems: Problem[] }[] = [];
  for (const row of rows) {
    const stored = row.versions.find((v) => v.version === row.currentVersion);
    const checked = validateRule(stored?.document, { calendar });
    if (checked.rule) rules.push({ rule: checked.rule, version: row.currentVersion });
    else invalid.push({ id: row.id, version: row.currentVersion, problems: checked.problems });
  }
  return { rules, invalid };
}

/**
 * What only the database can tell about rules about to be saved: the owner must be a member of
 * staff (error); cohort codes nobody has yet are warnings, since the records may be loaded later,
 * but until then the rule matches no one there.
 */
export async function referenceProblems(db: Database, rules: readonly { rule: ValidRule; document?: SourceDocument }[]): Promise<Problem[]> {
  const problems: Problem[] = [];
  const known = async (kind: "programmes" | "modules" | "tutorGroups", codes: string[]) => {
    const where = { code: { in: codes } };
    const found =
      kind === "programmes"
        ? await db.prisma.programme.findMany({ where, select: { code: true } })
        : kind === "modules"
          ? await db.prisma.module.findMany({ where, select: { code: true } })
          : await db.prisma.tutorGroup.findMany({ where, select: { code: true } });
    return new Set(found.map((f) => f.code));
  };
  for (const { rule, document } of rules) {
    const add = (severity: Problem["severity"], path: Path, message: string) => {
      const at = document?.positionOf(path);
      problems.push({
        severity,
        file: document?.file,
        document: `rule ${rule.document.id}`,
        field: fieldName(path),
        line: at?.line,
        column: at?.column,
        message,
      });
    };
    const { owner, cohort } = rule.document;
    if (owner && !(await db.prisma.staff.findUnique({ where: { staffNumber: owner } }))) add("error", ["owner"], `${owner} is not a known member of staff`);
    for (const kind of ["programmes", "modules", "tutorGroups"] as const) {
      const codes = cohort?.[kind];
      if (!codes) continue;
      const found = await known(kind, codes);
      codes.forEach((code, i) => {
        if (!found.has(code))
          add(
            "warning",
            ["cohort", kind, i],
            `no ${kind === "tutorGroups" ? "tutor group" : kind.slice(0, -1)} with code ${code} is loaded yet: until one is, the rule matches no one there`,
          );
      });
    }
  }
  return problems;
}
