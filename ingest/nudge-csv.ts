/**
 * Nudge's own CSV/TSV files, for what Jisc UDD has no field for: how to reach a student (Teams
 * identity, preferred channel, timezone, a checked mobile number) and how Nudge recognises a member
 * of staff in Teams. Same layout as UDD (one file per entity, upper-case field names, TSV or CSV),
 * and the people must already exist: students and staff come from UDD student.tsv and staff.tsv,
 * personal tutors from UDD staff_link.tsv. A blank value leaves what is stored.
 */
import type { SqlExecutor } from "../prisma/index.ts";
import { codeField, optional, required, RowError, shown } from "./fields.ts";
import { clock, e164Field, eachRecord, emailField, entityOfFile, idsBy, planFiles, referenced, RowsByKey, upsertRows, type EntityNames } from "./records.ts";
import type { FeedFormat, FileContext, WriteStep } from "./types.ts";

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CHANNELS = new Map([
  ["TEAMS", "teams"],
  ["SMS", "sms"],
  ["EMAIL", "email"],
]);

function guidField(value: string | undefined, field: string): string | null {
  const text = optional(value);
  if (text !== null && !GUID.test(text))
    throw new RowError(`${field} ${shown(text)} is not a GUID (the Entra object id, like 7d1c0b9e-4f2a-4c51-9a63-2f0e8b6d41a7)`);
  return text?.toLowerCase() ?? null;
}

/**
 * An IANA zone name, kept as written (ICU would turn Asia/Kolkata into its legacy Asia/Calcutta);
 * offsets like +01:00 are refused: they know nothing of daylight saving.
 */
function timezoneField(value: string | undefined, field: string): string | null {
  const text = optional(value);
  if (text === null) return null;
  try {
    if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(text)) throw new RangeError(text);
    new Intl.DateTimeFormat("en-GB", { timeZone: text });
    return text;
  } catch {
    throw new RowError(`${field} ${shown(text)} is not an IANA timezone (like Europe/London)`);
  }
}

/**
 * Entra object ids are unique per person: one already held by someone else, or claimed twice in
 * the file, is rejected here rather than failing the whole file on the database's unique index.
 */
class EntraClaims {
  private readonly owners: Map<string, string>;

  constructor(stored: readonly { owner: string; entraObjectId: string }[]) {
    this.owners = new Map(stored.map((row) => [row.entraObjectId, row.owner]));
  }

  claim(id: string | null, owner: string, who: string): void {
    if (id === null) return;
    const holder = this.owners.get(id);
    if (holder !== undefined && holder !== owner) throw new RowError(`ENTRA_OBJECT_ID ${shown(id)} already belongs to another ${who}`);
    this.owners.set(id, owner);
  }
}

async function entraClaims(sql: SqlExecutor, table: "Student" | "Staff", numberColumn: string): Promise<EntraClaims> {
  return new EntraClaims(
    await sql.query<{ owner: string; entraObjectId: string }>(
      `SELECT "${numberColumn}" AS "owner", "entraObjectId" FROM "${table}" WHERE "entraObjectId" IS NOT NULL`,
    ),
  );
}

// ---------------------------------------------------------------------------------------------
// student_contact -> Student (mobile, email, Entra id, preferred channel, timezone)
// ---------------------------------------------------------------------------------------------

const CONTACT_FIELDS = ["mobile", "email", "entraObjectId", "preferredChannel", "timezone"] as const;
type Contact = Record<(typeof CONTACT_FIELDS)[number], string | null>;

async function parseStudentContacts(context: FileContext): Promise<WriteStep> {
  const students = await idsBy(context.db.sql, "Student", "studentNumber");
  const claims = await entraClaims(context.db.sql, "Student", "studentNumber");
  const rows = new RowsByKey<Contact & { number: string }>(context);
  const columns = ["MOBILE", "EMAIL", "ENTRA_OBJECT_ID", "PREFERRED_CHANNEL", "TIMEZONE"];
  await eachRecord(context, { required: ["STUDENT_ID"], optional: columns }, (get, line) => {
    const number = required(get("STUDENT_ID"), "STUDENT_ID");
    referenced(students, number, "STUDENT_ID", "student", "UDD student.tsv");
    const preferred = optional(get("PREFERRED_CHANNEL"));
    const row = {
      number,
      mobile: e164Field(get("MOBILE"), "MOBILE"),
      email: emailField(get("EMAIL"), "EMAIL"),
      entraObjectId: guidField(get("ENTRA_OBJECT_ID"), "ENTRA_OBJECT_ID"),
      preferredChannel: preferred === null ? null : codeField(preferred, "PREFERRED_CHANNEL", CHANNELS, "channel"),
      timezone: timezoneField(get("TIMEZONE"), "TIMEZONE"),
    };
    claims.claim(row.entraObjectId, number, "student");
    rows.add(number, `STUDENT_ID ${shown(number)}`, row, line);
  });
  const { now } = clock(context);
  return async (tx) => {
    const stored = new Map(
      (
        await tx.query<Contact & { studentNumber: string }>(`SELECT "studentNumber", ${CONTACT_FIELDS.map((name) => `"${name}"`).join(", ")} FROM "Student"`)
      ).map((row) => [row.studentNumber, row]),
    );
    const changed: unknown[][] = [];
    for (const row of rows.values()) {
      const old = stored.get(row.number)!;
      const merged = CONTACT_FIELDS.map((name) => row[name] ?? old[name]);
      if (CONTACT_FIELDS.every((name, k) => merged[k] === old[name])) continue;
      changed.push([row.number, ...merged, now]);
    }
    // Every student exists (checked above), so this updates; the insert half never applies.
    await upsertRows(
      tx,
      {
        table: "Student",
        columns: {
          studentNumber: "text",
          mobile: "text",
          email: "text",
          entraObjectId: "text",
          preferredChannel: { enum: "Channel" },
          timezone: "text",
          updatedAt: "timestamp",
        },
        key: ["studentNumber"],
      },
      changed,
    );
    return { loaded: changed.length, duplicates: rows.values().length - changed.length };
  };
}

// ---------------------------------------------------------------------------------------------
// staff_contact -> Staff (Entra id, timezone)
// ---------------------------------------------------------------------------------------------

interface StaffContact {
  number: string;
  entraObjectId: string | null;
  timezone: string | null;
}

async function parseStaffContacts(context: FileContext): Promise<WriteStep> {
  const staff = await idsBy(context.db.sql, "Staff", "staffNumber");
  const claims = await entraClaims(context.db.sql, "Staff", "staffNumber");
  const rows = new RowsByKey<StaffContact>(context);
  await eachRecord(context, { required: ["STAFF_ID"], optional: ["ENTRA_OBJECT_ID", "TIMEZONE"] }, (get, line) => {
    const number = required(get("STAFF_ID"), "STAFF_ID");
    referenced(staff, number, "STAFF_ID", "staff member", "UDD staff.tsv");
    const row = { number, entraObjectId: guidField(get("ENTRA_OBJECT_ID"), "ENTRA_OBJECT_ID"), timezone: timezoneField(get("TIMEZONE"), "TIMEZONE") };
    claims.claim(row.entraObjectId, number, "staff member");
    rows.add(number, `STAFF_ID ${shown(number)}`, row, line);
  });
  const { now } = clock(context);
  return async (tx) => {
    const stored = new Map(
      (
        await tx.query<{ staffNumber: string; displayName: string; entraObjectId: string | null; timezone: string }>(
          `SELECT "staffNumber", "displayName", "entraObjectId", "timezone" FROM "Staff"`,
        )
      ).map((row) => [row.staffNumber, row]),
    );
    const changed: unknown[][] = [];
    for (const row of rows.values()) {
      const old = stored.get(row.number)!;
      const entraObjectId = row.entraObjectId ?? old.entraObjectId;
      const timezone = row.timezone ?? old.timezone;
      if (entraObjectId === old.entraObjectId && timezone === old.timezone) continue;
      // displayName rides along because the insert half of an upsert must satisfy NOT NULL.
      changed.push([row.number, old.displayName, entraObjectId, timezone, now]);
    }
    await upsertRows(
      tx,
      {
        table: "Staff",
        columns: { staffNumber: "text", displayName: "text", entraObjectId: "text", timezone: "text", updatedAt: "timestamp" },
        key: ["staffNumber"],
      },
      changed,
    );
    return { loaded: changed.length, duplicates: rows.values().length - changed.length };
  };
}

// ---------------------------------------------------------------------------------------------

const ENTITIES = ["student_contact", "staff_contact"] as const;
type Entity = (typeof ENTITIES)[number];

const NAMES: EntityNames = {
  format: "nudge-csv",
  names: new Map(ENTITIES.map((entity) => [entity, entity])),
  order: ENTITIES,
  notUsed: new Map([
    ["staff", "staff records are UDD's: load staff.tsv with --format udd (staff_contact adds the Entra id)"],
    ["personal_tutor", "personal tutors are UDD staff_link rows (SCOPE NUDGE, RELATIONSHIP personal_tutor): load stafflink.tsv with --format udd"],
  ]),
};

const PARSERS: Record<Entity, (context: FileContext) => Promise<WriteStep>> = {
  student_contact: parseStudentContacts,
  staff_contact: parseStaffContacts,
};

export const nudgeCsvFormat: FeedFormat = {
  name: "nudge-csv",
  description: "Nudge contact files for what UDD lacks: student_contact, staff_contact (.csv or .tsv)",
  plan: (paths) => planFiles(paths, NAMES),
  entityOf: (path) => entityOfFile(path, NAMES),
  parse: (context) => PARSERS[context.entity as Entity](context),
};
