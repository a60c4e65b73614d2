/** The demo generator refused: bad options, or data already present without --reset. */
import { NudgeError } from "../core/index.ts";
export class DemoSeedError extends NudgeError {
  static override kind = "usage" as const;
  static override code = "demo_seed_invalid";
}
