/**
 * `demo seed --effect RULE=DELTA`: a seeded cohort where one starter rule's nudge works by a known
 * amount, so `nudge rules effect RULE` can be seen to find it. The rule (and the calendar) are
 * imported from the starter library as the first admin and enabled, the rules run for each day
 * from six weeks before the last day of data to two weeks before it (so every flag's 14-day window
 * is complete), and then every student in the nudged arm gets DELTA more VLE active days in the 14
 * days after their first flag of the term (the whole part always, the fraction as a chance), on
 * days they had none. A window with too few quiet days takes what it has, so the true effect can
 * be a little under DELTA for very active students. Each nudged student's nudge is recorded as
 * sent (an email delivered the morning after the flag, about one in six thanked for), so the
 * annual report's use figures agree with the arms.
 */
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { staffByNumber } from "../access/index.ts";
import type { Database } from "../prisma/index.ts";
import { checkFiles, runRules, saveAll, setEnabled, termOf } from "../rules/index.ts";
import { DemoSeedError } from "./errors.ts";
import { stream } from "./random.ts";

export interface EffectOptions {
  ruleId: string;
  /** Extra VLE active days in the 14 days after a nudge. */
  delta: number;
  seed: number;
  endDay: number;
  /** Where the starter rules are (default: rules/library). */
  library?: string;
}

export interface EffectReport {
  rule: string;
  delta: number;
  days: { from: string; to: string };
  nudged: number;
  heldOut: number;
  activeDaysAdded: number;
}

const WINDOW = 14;
const RUN_DAYS = 28;

/** "no-vle-10-days=1.5" → the rule and the effect. */
export function parseEffect(text: string): { ruleId: string; delta: number } {
  const match = /^([a-z0-9]+(?:-[a-z0-9]+)*)=(\d+(?:\.\d+)?)$/.exec(text.trim());
  if (!match) throw new DemoSeedError(`--effect must look like RULE=DELTA, e.g. no-vle-10-days=1.5 (got ${text})`);
  const delta = Number(match[2]);
  if (delta > WINDOW) throw new DemoSeedError(`--effect DELTA is extra active days in ${WINDOW} days: from 0 to ${WINDOW} (got ${delta})`);
  return { ruleId: match[1]!, delta };
}

async function importRule(db: Database, ruleId: string, library: string): Promise<void> {
  const admin = await db.prisma.staffRoleAssignment.findFirst({
    where: { role: "admin" },
    orderBy: { id: "asc" },
    select: { staff: { select: { staffNumber: true } } },
  });
  const author = admin ? await staffByNumber(db, admin.staff.staffNumber) : null;
  if (!author) throw new DemoSeedError("--effect needs an admin among the staff to import the rule as");
  const folder = mkdtempSync(join(tmpdir(), "nudge-demo-effect-"));
  try {
    for (const file of ["calendar.yaml", `${ruleId}.yaml`]) {
      try {
        copyFileSync(join(library, file), join(folder, file));
      } catch {
        throw new DemoSeedError(`--effect names ${ruleId}, which is not a starter rule (no ${file} in ${library})`);
      }
    }
    const checked = checkFiles(folder, null);
    const errors = checked.problems.filter((p) => p.severity === "error");
    if (errors.length) throw new DemoSeedError(`the starter rule ${ruleId} does not validate: ${errors.map((e) => e.message).join("; ")}`);
    await saveAll(db, { calendar: checked.calendar, rules: checked.rules }, author);
    await setEnabled(db, ruleId, true, author);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/**
 * The nudge each nudged student was sent (by email, the morning after the flag) and, for about one
 * in six, their thanks the same day: what the outbox and the replies would hold, so the report's
 * use figures and the effect agree. Held-out students get nothing, as in the service.
 */
async function sendNudges(db: Database, seed: number, ruleId: string, units: readonly { id: number; studentId: number; day: number }[]): Promise<void> {
  for (const unit of units) {
    const sentAt = new Date((unit.day + 1) * 86_400_000 + 9 * 3_600_000);
    const random = stream(seed, unit.studentId, `nudge:${ruleId}:${unit.day}`);
    await db.prisma.intervention.create({
      data: {
        studentId: unit.studentId,
        flagId: unit.id,
        kind: "nudge",
        state: "delivered",
        channel: "email",
        body: "We noticed you have not been on the VLE for a while. Is everything all right?",
        proposedBy: `rule:${ruleId}`,
        createdAt: sentAt,
        deliveries: { create: { channel: "email", state: "delivered", dueAt: sentAt, sentAt, deliveredAt: sentAt } },
        ...(random.chance(1 / 6)
          ? {
              replies: {
                create: {
                  studentId: unit.studentId,
                  channel: "email",
                  text: "Thanks, I'm fine",
                  classification: "thanks",
                  receivedAt: new Date(sentAt.getTime() + 3_600_000),
                },
              },
            }
          : {}),
      },
    });
  }
}

export async function seedEffect(db: Database, options: EffectOptions): Promise<EffectReport> {
  const { ruleId, delta, endDay } = options;
  await importRule(db, ruleId, options.library ?? "rules/library");
  const [from, to] = [endDay - WINDOW - RUN_DAYS + 1, endDay - WINDOW];
  for (let day = from; day <= to; day++)
    await runRules(db, { asOfDay: day, trigger: "manual", force: true, now: new Date((day + 1) * 86_400_000 + 6 * 3_600_000) });

  const flags = await db.prisma.flag.findMany({
    where: { ruleId, arm: { not: null }, day: { gte: from, lte: to } },
    orderBy: [{ day: "asc" }, { id: "asc" }],
    select: { id: true, studentId: true, day: true, arm: true },
  });
  const first = new Map<string, { id: number; studentId: number; day: number; arm: string }>();
  for (const flag of flags) {
    const term = termOf(flag.day);
    const key = `${flag.studentId}|${term.academicYear}|${term.term}`;
    if (!first.has(key)) first.set(key, { id: flag.id, studentId: flag.studentId, day: flag.day, arm: flag.arm! });
  }
  const units = [...first.values()];
  const rows: unknown[][] = [];
  for (const unit of units.filter((u) => u.arm === "nudged")) {
    const random = stream(options.seed, unit.studentId, `effect:${ruleId}:${unit.day}`);
    const whole = Math.trunc(delta);
    const extra = whole + (random.float() < delta - whole ? 1 : 0);
    if (extra === 0) continue;
    const active = await db.prisma.engagementDaily.findMany({
      where: { studentId: unit.studentId, source: "vle", day: { gt: unit.day, lte: unit.day + WINDOW } },
      select: { day: true },
    });
    const activeDays = new Set(active.map((a) => a.day));
    const quiet = Array.from({ length: WINDOW }, (_, i) => unit.day + 1 + i).filter((d) => !activeDays.has(d) && d <= endDay);
    for (let k = 0; k < extra && quiet.length; k++) {
      const [day] = quiet.splice(random.int(0, quiet.length - 1), 1);
      rows.push([unit.studentId, day, "vle", 0, 1 + random.int(1, 6), 0, 0, 0]);
    }
  }
  if (rows.length)
    await db.sql.transaction((tx) =>
      tx.bulkInsert("EngagementDaily", ["studentId", "day", "source", "moduleInstanceKey", "count", "expected", "late", "missed"], rows),
    );
  await sendNudges(
    db,
    options.seed,
    ruleId,
    units.filter((u) => u.arm === "nudged"),
  );
  const iso = (d: number) => new Date(d * 86_400_000).toISOString().slice(0, 10);
  return {
    rule: ruleId,
    delta,
    days: { from: iso(from), to: iso(to) },
    nudged: units.filter((u) => u.arm === "nudged").length,
    heldOut: units.filter((u) => u.arm === "held_out").length,
    activeDaysAdded: rows.length,
  };
}
