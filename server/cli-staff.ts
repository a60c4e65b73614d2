/**
 * `nudge staff grant|revoke|roles|list`: who holds which role. Run at the service's command line by IT
 * (that is where the first admin comes from) or, with --as, by an admin or operator; every change
 * is audited with who made it.
 */
import { userInfo } from "node:os";
import { Argument, type Command, InvalidArgumentError, Option } from "commander";
import type { App } from "../app/index.ts";
import { STAFF_ROLES, type RoleGrant, type StaffRoleName } from "../access/index.ts";
import type { AuditActor } from "../audit/index.ts";
import { withApp } from "./cli-database.ts";

interface GrantOptions {
  programme?: string;
  year?: number;
  name?: string;
  as?: string;
  json?: boolean;
}

function year(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 8) throw new InvalidArgumentError("must be a year of study from 1 to 8");
  return n;
}

/** The person at the command line: a named member of staff, or the shell account on the service host. */
async function actorOf(app: App, as: string | undefined): Promise<AuditActor> {
  if (!as) return { kind: "system", component: `cli:${userInfo().username}` };
  const staff = await app.access.authorise(as, "system.operate");
  return { kind: "staff", staffNumber: staff.staffNumber };
}

const scopeText = (r: { role: string; programme?: string | null; yearOfStudy?: number | null }) =>
  `${r.role}${r.programme ? ` of ${r.programme}` : ""}${r.yearOfStudy ? ` year ${r.yearOfStudy}` : ""}`;

export function registerStaffCommand(program: Command): void {
  const staff = program.command("staff").description("staff roles: who may see and do what (see the access table in docs/data-protection.md)");
  const roleArgument = (command: Command) =>
    command
      .argument("<staff-number>")
      .addArgument(new Argument("<role>", "the role").choices(STAFF_ROLES))
      .option("--programme <code>", "programme code (programme_leader, level_tutor)")
      .addOption(new Option("--year <n>", "year of study (level_tutor)").argParser(year))
      .option("--as <staff-number>", "who is making the change (an admin or operator); without it, the command line's own account is recorded")
      .option("--json", "print one JSON object");

  roleArgument(staff.command("grant").description("give a member of staff a role"))
    .option("--name <display name>", "create the staff record if it does not exist yet (e.g. the first admin)")
    .action(async (staffNumber: string, role: StaffRoleName, options: GrantOptions) => {
      const grant: RoleGrant = { staffNumber, role, programmeCode: options.programme, yearOfStudy: options.year, displayName: options.name };
      const result = await withApp(async (app) => app.access.grantRole(grant, await actorOf(app, options.as)));
      const text = `${staffNumber}: ${result.created ? "now" : "already"} ${scopeText({ role, programme: options.programme, yearOfStudy: options.year })}${result.staffCreated ? " (staff record created)" : ""}`;
      process.stdout.write(options.json ? `${JSON.stringify({ staffNumber, role, ...result })}\n` : `${text}\n`);
    });

  roleArgument(staff.command("revoke").description("take a role away")).action(async (staffNumber: string, role: StaffRoleName, options: GrantOptions) => {
    const grant: RoleGrant = { staffNumber, role, programmeCode: options.programme, yearOfStudy: options.year };
    const result = await withApp(async (app) => app.access.revokeRole(grant, await actorOf(app, options.as)));
    const text = `${staffNumber}: ${result.removed ? "no longer" : "did not hold"} ${scopeText({ role, programme: options.programme, yearOfStudy: options.year })}`;
    process.stdout.write(options.json ? `${JSON.stringify({ staffNumber, role, ...result })}\n` : `${text}\n`);
  });

  staff
    .command("roles")
    .description("the roles a member of staff holds")
    .argument("<staff-number>")
    .option("--json", "print one JSON object")
    .action(async (staffNumber: string, options: { json?: boolean }) => {
      const roles = await withApp((app) => app.access.rolesOfStaff(staffNumber));
      process.stdout.write(
        options.json ? `${JSON.stringify({ staffNumber, roles })}\n` : `${roles.length ? roles.map(scopeText).join("\n") : `${staffNumber} holds no role`}\n`,
      );
    });

  staff
    .command("list")
    .description("everyone who holds a role, or --role R: their staff numbers (for --as), names and roles")
    .addOption(new Option("--role <role>", "only those holding this role").choices(STAFF_ROLES))
    .option("--json", "print one JSON object")
    .action(async (options: { role?: StaffRoleName; json?: boolean }) => {
      const people = await withApp((app) => app.access.staffWithRoles({ role: options.role }));
      const lines = people.map((p) => `${p.staffNumber}  ${p.displayName}  ${p.roles.map(scopeText).join(", ")}`);
      const none = options.role ? `nobody holds ${options.role}` : "nobody holds a role yet: npx nudge staff grant <staff-number> admin --name <name>";
      process.stdout.write(options.json ? `${JSON.stringify({ staff: people })}\n` : `${(lines.length ? lines : [none]).join("\n")}\n`);
    });

  staff
    .command("office")
    .description("a tutor's office hours (the times invitations to talk offer) and office location (where booked meetings are); without options, shows them")
    .argument("<staff-number>")
    .option("--hours <json>", 'weekly office hours, e.g. \'[{"day":"tue","from":"10:00","to":"12:00"}]\' in the tutor\'s timezone; "[]" clears them')
    .option("--location <place>", 'where they meet students, e.g. "Room 2.14, Hawthorn Building"; "" clears it')
    .option("--as <staff-number>", "who is making the change (an admin or operator); without it, the command line's own account is recorded")
    .option("--json", "print one JSON object")
    .action(async (staffNumber: string, options: { hours?: string; location?: string; as?: string; json?: boolean }) => {
      let hours: unknown;
      if (options.hours !== undefined) {
        try {
          hours = JSON.parse(options.hours);
        } catch {
          throw new InvalidArgumentError(`--hours: not JSON: give a list like '[{"day":"tue","from":"10:00","to":"12:00"}]'`);
        }
      }
      const office = await withApp(async (app) =>
        options.hours === undefined && options.location === undefined
          ? app.meetings.officeOf(staffNumber)
          : app.meetings.setOffice({ staffNumber, officeHours: hours, officeLocation: options.location }, await actorOf(app, options.as)),
      );
      const windows = Array.isArray(office.officeHours) ? (office.officeHours as { day: string; from: string; to: string }[]) : [];
      const text = [
        `${office.staffNumber} ${office.displayName}`,
        `office hours: ${windows.length ? windows.map((w) => `${w.day} ${w.from}-${w.to}`).join(", ") : "none (invitations to talk cannot offer times)"} (${office.timezone})`,
        `office location: ${office.officeLocation ?? "none (meetings are online when the calendar makes a Teams meeting, else the place is agreed)"}`,
      ];
      process.stdout.write(options.json ? `${JSON.stringify(office)}\n` : `${text.join("\n")}\n`);
    });
}
