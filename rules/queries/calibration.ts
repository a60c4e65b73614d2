/** What the calibration reads besides the metrics: which module presentations have VLE rows at all. */
import type { SqlExecutor } from "../../prisma/index.ts";

/** Module instance id → days with VLE rows for it (presentations absent here had no VLE export). */
export async function vleDaysByModuleInstance(sql: SqlExecutor): Promise<Map<number, { days: number; firstDay: number; lastDay: number }>> {
  const rows = await sql.query<{ instance: number | string; days: number | string; firstDay: number | string; lastDay: number | string }>(
    `SELECT e."moduleInstanceKey" AS "instance", COUNT(DISTINCT e."day") AS "days", MIN(e."day") AS "firstDay", MAX(e."day") AS "lastDay"
       FROM "EngagementDaily" e
      WHERE e."source" = 'vle' AND e."moduleInstanceKey" <> 0
      GROUP BY e."moduleInstanceKey"`,
  );
  return new Map(rows.map((r) => [Number(r.instance), { days: Number(r.days), firstDay: Number(r.firstDay), lastDay: Number(r.lastDay) }]));
}
