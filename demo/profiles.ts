/**
 * Engagement profiles: each student's propensity to engage on each day of the period (about 1 for
 * a steady student, 0 for none). Every activity source scales with it, so a declining student's
 * VLE clicks, attendance and submissions all fall away together, as they do in real data.
 */
import type { Cohort } from "./cohort.ts";
import type { Period } from "./calendar.ts";
import { stream } from "./random.ts";

export interface Propensity {
  /** Per day offset from the start of the period. */
  daily: Float64Array;
  /** How much this student uses the VLE and the library, relative to others. */
  vleAppetite: number;
  libraryAppetite: number;
}

/** Fills `out.daily` for student `i` (buffers are reused across students). */
export function propensity(seed: number, cohort: Cohort, period: Period, i: number, out: Propensity): Propensity {
  const random = stream(seed, i, "propensity");
  const daily = out.daily;
  const days = period.days;
  out.vleAppetite = 0.6 + 0.9 * random.float();
  out.libraryAppetite = 0.2 + 1.5 * random.float();
  switch (cohort.profile[i]) {
    case 0: {
      // steady: a personal level, day-to-day noise only
      const level = 0.8 + 0.35 * random.float();
      daily.fill(level, 0, days);
      break;
    }
    case 1: {
      // declining: normal until a change point, then decaying towards a low floor
      const level = 0.8 + 0.3 * random.float();
      const change = Math.floor(days * (0.2 + 0.5 * random.float()));
      const halfLife = 3 + 7 * random.float();
      const floor = 0.03 + 0.12 * random.float();
      for (let t = 0; t < days; t++) {
        daily[t] = t < change ? level : level * (floor + (1 - floor) * 0.5 ** ((t - change) / halfLife));
      }
      break;
    }
    case 2: {
      // erratic: runs of a few days of bursts, ordinary activity or near silence
      for (let t = 0; t < days; ) {
        const length = random.int(2, 8);
        const kind = random.weighted([0.3, 0.35, 0.35]);
        const level = kind === 0 ? 1.4 + 0.5 * random.float() : kind === 1 ? 0.6 + 0.4 * random.float() : 0.02 + 0.08 * random.float();
        daily.fill(level, t, Math.min(days, t + length));
        t += length;
      }
      break;
    }
    default: {
      // disengaged: either barely there throughout, or fading out and then stopping entirely
      if (random.chance(0.55)) {
        daily.fill(0.02 + 0.08 * random.float(), 0, days);
      } else {
        const level = 0.3 + 0.4 * random.float();
        const stop = Math.floor(days * (0.05 + 0.45 * random.float()));
        for (let t = 0; t < days; t++) daily[t] = t < stop ? level * (1 - (0.5 * t) / Math.max(1, stop)) : 0;
      }
    }
  }
  for (let t = 0; t < days; t++) daily[t] = daily[t]! * (0.8 + 0.4 * random.float());
  // Nothing after withdrawing or interrupting studies.
  const left = cohort.leftDay[i]!;
  if (left >= 0) daily.fill(0, Math.max(0, left - period.startDay), days);
  return out;
}

export function newPropensity(period: Period): Propensity {
  return { daily: new Float64Array(period.days), vleAppetite: 1, libraryAppetite: 1 };
}
