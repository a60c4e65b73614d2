/** The feed formats `nudge ingest --format` accepts, one parser file each. */
import { nudgeCsvFormat } from "./nudge-csv.ts";
import { ouladFormat } from "./oulad.ts";
import type { FeedFormat, FormatName } from "./types.ts";
import { uddFormat } from "./udd.ts";
import { xapiFormat } from "./xapi.ts";

const formats: Partial<Record<FormatName, FeedFormat>> = {
  oulad: ouladFormat,
  xapi: xapiFormat,
  udd: uddFormat,
  "nudge-csv": nudgeCsvFormat,
};

export function feedFormat(name: FormatName): FeedFormat {
  const format = formats[name];
  if (!format) throw new Error(`format ${name} is not available`);
  return format;
}

export function availableFormats(): FeedFormat[] {
  return Object.values(formats);
}
