/**
 * PREFERRED_CHANNEL from the student records feed decides where a nudge goes first; an order the
 * student chose in a conversation outranks it. Through the real rule run on a real database.
 */
import { copyFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_POLICY, proposeFromFlags } from "../../interventions/index.ts";
import { staffByNumber } from "../../access/index.ts";
import { checkFiles, runRules, saveAll, setEnabled } from "../../rules/index.ts";
import { useMigratedDatabase } from "../helpers/database.ts";
import { buildWorld, D, except, healthy, RUN_TIME } from "../rules/world.ts";

describe("the student's preferred channel", () => {
  const database = useMigratedDatabase();
  const db = () => database.db;
  let ids: Map<string, number>;

  beforeAll(async () => {
    const quiet = except(healthy(), (day, usual) => (day > D - 12 ? { ...usual, vle: undefined } : usual));
    const world = await buildWorld(db(), [
      { number: "S1", programme: "XA", year: 2, activity: quiet },
      { number: "S2", programme: "XA", year: 2, activity: quiet },
      { number: "S3", programme: "XA", year: 2, activity: quiet },
      { number: "S4", programme: "XA", year: 2, activity: healthy() },
    ]);
    ids = world.ids;
    const student = (n: string) => ({ id: ids.get(n)! });
    // S1: the records system says email. S2: email there too, but the student chose SMS then Teams. S3: nothing.
    await db().prisma.student.update({ where: student("S1"), data: { preferredChannel: "email" } });
    await db().prisma.student.update({ where: student("S2"), data: { preferredChannel: "email", channelOrder: ["sms", "teams"] } });

    const folder = mkdtempSync(join(tmpdir(), "nudge-rules-"));
    for (const file of ["calendar.yaml", "no-vle-10-days.yaml"]) copyFileSync(join("rules/library", file), join(folder, file));
    const checked = checkFiles(folder, null);
    expect(checked.problems.filter((p) => p.severity === "error")).toEqual([]);
    const author = (await staffByNumber(db(), world.adminNumber))!;
    await saveAll(db(), { calendar: checked.calendar, rules: checked.rules }, author);
    await setEnabled(db(), "no-vle-10-days", true, author);
    await runRules(db(), { asOfDay: D, trigger: "manual", now: RUN_TIME });
    await proposeFromFlags(db(), { policy: DEFAULT_POLICY, channels: ["teams", "sms", "email"], now: RUN_TIME });
  });

  async function nudgeOf(number: string) {
    return db().prisma.intervention.findFirstOrThrow({
      where: { studentId: ids.get(number), kind: "nudge" },
      include: { deliveries: { select: { channel: true } } },
    });
  }

  it("sends first on the channel the records system names (PREFERRED_CHANNEL)", async () => {
    const nudge = await nudgeOf("S1");
    expect(nudge.channelOrder).toEqual(["email", "teams", "sms"]);
    expect(nudge.deliveries.map((d) => d.channel)).toEqual(["email"]);
  });

  it("keeps the order the student chose over the records system's preference", async () => {
    const nudge = await nudgeOf("S2");
    expect(nudge.channelOrder).toEqual(["sms", "teams", "email"]);
    expect(nudge.deliveries.map((d) => d.channel)).toEqual(["sms"]);
  });

  it("follows the rule's order when neither says anything", async () => {
    const nudge = await nudgeOf("S3");
    expect(nudge.channelOrder).toEqual(["teams", "email", "sms"]); // no-vle-10-days.yaml: channels: [teams, email, sms]
    expect(nudge.deliveries.map((d) => d.channel)).toEqual(["teams"]);
  });
});
