/** Option parsers shared by the CLI's commands. */
import { InvalidArgumentError } from "commander";
import { dayOfDate } from "../ingest/index.ts";

/** `--as-of 2026-11-20`, `--since …`: a real calendar date as its day number. */
export function dayOption(value: string): number {
  const day = dayOfDate(value);
  if (day === null) throw new InvalidArgumentError("must be a date as YYYY-MM-DD");
  return day;
}

/** An intervention's (or any row's) number: a whole number from 1. */
export function idArgument(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError(`'${value}' must be a number such as 812`);
  return n;
}
