/**
 * The one error model. An error meant for the person who caused it is a `NudgeError`: a stable
 * `code` for logs and JSON, a `kind` that says what went wrong in terms every edge understands,
 * and a message written to be shown. Each edge maps the kind once (below): the CLI to its exit
 * status, HTTP to a status code, Teams to a sentence. Anything that is not a NudgeError is a bug
 * or an outage: the person is told something went wrong, the details stay in the log.
 */

/**
 * - `usage`: the input is wrong (a field, a line, a value); the person can fix it and try again.
 * - `not_found`: what was named does not exist (a student number, a rule id, a request).
 * - `refused`: the person may not do this (the access gate, or production protecting itself).
 * - `conflict`: it cannot be done in the state things are in (already decided, slot taken).
 * - `failure`: it could not be done for a reason outside the person's control.
 */
export const ERROR_KINDS = ["usage", "not_found", "refused", "conflict", "failure"] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

export class NudgeError extends Error {
  /** What a subclass's errors are unless one says otherwise. */
  static kind: ErrorKind = "failure";
  static code = "failure";

  readonly kind: ErrorKind;
  readonly code: string;
  /**
   * The same thing said for a member of staff in Teams, in a plain sentence with no field names,
   * ids or timestamps. `message` is for logs and the CLI and is never shown in Teams.
   */
  readonly plain: string | undefined;

  constructor(message: string, options: { kind?: ErrorKind; code?: string; cause?: unknown; plain?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    const type = new.target as typeof NudgeError;
    this.kind = options.kind ?? type.kind;
    this.code = options.code ?? type.code;
    this.plain = options.plain;
    this.name = new.target.name;
  }
}

export function isNudgeError(error: unknown): error is NudgeError {
  return error instanceof NudgeError;
}

/** `nudge` exits 2 when the person can change what they asked for and try again, 1 when it was refused or failed. */
const EXIT_CODES: Record<ErrorKind, number> = { usage: 2, not_found: 2, conflict: 2, refused: 1, failure: 1 };
const HTTP_STATUSES: Record<ErrorKind, number> = { usage: 400, not_found: 404, refused: 403, conflict: 409, failure: 500 };

export function exitCodeFor(error: unknown): number {
  return isNudgeError(error) ? EXIT_CODES[error.kind] : 1;
}

export function httpStatusFor(error: unknown): number {
  return isNudgeError(error) ? HTTP_STATUSES[error.kind] : 500;
}

/** What staff are told when an error carries no plain sentence of its own. */
const STAFF_SENTENCES: Record<Exclude<ErrorKind, "failure">, string> = {
  usage: "Sorry, I couldn't do that: something on the card wasn't filled in as I expected. Please check it and try again.",
  not_found: "Sorry, I couldn't find that any more: it may have been removed. Refresh the card to see where things stand.",
  conflict:
    "Sorry, that can't be done right now, so nothing was changed: things may have moved on since the card was sent. Refresh the card to see where things stand.",
  refused: "Sorry, you can't do that for this student. The attempt has been recorded.",
};

/**
 * What to say to a member of staff in Teams: the error's plain sentence, or a kind one for its
 * kind; never its `message` (field names, ids and dates stay in the log). A refusal is always the
 * same sentence (the gate's reason stays in the audit log); a failure gets nothing here, and the
 * bot answers it with its apology and logs it.
 */
export function staffSentenceFor(error: unknown): string | null {
  if (!isNudgeError(error) || error.kind === "failure") return null;
  if (error.kind === "refused") return STAFF_SENTENCES.refused;
  return error.plain ?? STAFF_SENTENCES[error.kind];
}
