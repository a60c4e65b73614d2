/**
 * Synthetic flagged cohorts with a known effect of the nudge, to prove the effect estimate: each
 * student gets a profile like the demo's (steady, declining, erratic, disengaged), VLE active days
 * in the 28 days before the flag and the 14 after, and an arm from the product's own holdout draw.
 * Nudged students gain `effect` active days after the flag on average (the whole part always, the
 * fraction as a chance), so the true intention-to-treat effect is exactly `effect`.
 */
import { armOf, holdoutDraw, type HoldoutArm } from "../rules/index.ts";
import { stream } from "./random.ts";

export interface SimulatedUnit {
  studentId: number;
  arm: HoldoutArm;
  /** VLE active days in the 28 days up to the flag. */
  before: number;
  /** VLE active days in the 14 days after. */
  after: number;
}

export interface CohortOptions {
  seed: number;
  cohort: number;
  students: number;
  /** Share held out, 0 to 0.5. */
  holdout: number;
  /** Extra active days in the 14 days after a nudge. */
  effect: number;
  ruleId?: string;
}

function activeDays(random: ReturnType<typeof stream>, days: number, probability: number): number {
  let n = 0;
  for (let d = 0; d < days; d++) if (random.float() < probability) n++;
  return n;
}

export function simulateCohort(options: CohortOptions): SimulatedUnit[] {
  const units: SimulatedUnit[] = [];
  for (let i = 0; i < options.students; i++) {
    const studentId = options.cohort * options.students + i + 1;
    const random = stream(options.seed, studentId, "effect-simulation");
    // The demo's mix of profiles among flagged students: most are declining or disengaged.
    const profile = random.weighted([0.15, 0.4, 0.2, 0.25]);
    const level =
      profile === 0
        ? 0.7 + 0.25 * random.float()
        : profile === 1
          ? 0.5 + 0.3 * random.float()
          : profile === 2
            ? 0.3 + 0.4 * random.float()
            : 0.05 + 0.15 * random.float();
    // After the flag a declining student keeps falling; the others stay near their level.
    const later = profile === 1 ? level * (0.3 + 0.4 * random.float()) : level * (0.8 + 0.3 * random.float());
    const before = activeDays(random, 28, level);
    let after = activeDays(random, 14, Math.min(1, later));
    const arm = armOf(holdoutDraw(options.ruleId ?? "simulated-rule", 1, "2026/27", studentId), options.holdout);
    if (arm === "nudged") {
      const whole = Math.trunc(options.effect);
      after += whole + (random.float() < options.effect - whole ? Math.sign(options.effect) : 0);
    }
    units.push({ studentId, arm, before, after });
  }
  return units;
}
