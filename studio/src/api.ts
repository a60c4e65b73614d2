/** The studio's calls to the service: JSON, a bearer token on each, never a cookie. */

export interface Problem {
  severity: "error" | "warning";
  file?: string;
  document?: string;
  field: string;
  line?: number;
  column?: number;
  message: string;
}

export type Count = number | "fewer than 5";

export interface DryRunReport {
  rule: string;
  asOf: string;
  currentVersion: number | null;
  skipped?: string;
  evaluated: Count;
  matched: Count;
  flagged: Count;
  notEvaluable: Count;
  inCooldown: Count;
  alreadyFlagged: Count;
  byCohort: { cohort: string; students: Count }[];
  comparedWithCurrent?: { newlyFlagged: Count; noLongerFlagged: Count; matchedByCurrent: Count };
  load: { days: number; flagsPerDay: { mean: number; max: number }; perTutorPerDay: { tutors: number; mean: number; max: number }; reaches: string };
  backtest?: { lift: number | null; flagged: { rate: number | null }; everyone: { rate: number | null } };
  volumeGuard?: { wouldHold: boolean; reason: string | null };
}

export type DryRun = { ok: true; report: DryRunReport; problems: Problem[]; ms: number } | { ok: false; problems: Problem[] };

export interface RuleRow {
  id: string;
  title: string;
  enabled: boolean;
  version: number;
  significance: string;
  intervention: string;
  owner: string | null;
  lastRun: string | null;
  flagsPerDay: { day: string; flags: number }[];
}

export interface Version {
  version: number;
  author: string | null;
  authorName: string | null;
  comment: string | null;
  createdAt: string;
}

export interface RuleDetail extends RuleRow {
  shownVersion: number;
  yaml: string;
  versions: Version[];
}

export interface Me {
  staffNumber: string;
  displayName: string;
  canEdit: boolean;
}

export type DiffLine = { kind: "same" | "added" | "removed"; text: string };

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

let token: string | null = null;
export const setToken = (value: string) => {
  token = value;
};

export async function api<T>(path: string, body?: unknown): Promise<T> {
  const response = await fetch(`/studio/api${path}`, {
    method: body === undefined ? "GET" : "POST",
    credentials: "omit",
    headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = (await response.json().catch(() => ({}))) as T & { error?: string };
  if (!response.ok) throw new ApiError(response.status, data.error ?? "Something went wrong. Please try again.");
  return data;
}
