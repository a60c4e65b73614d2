/**
 * An OULAD-shaped dataset for the ingest benchmark, generated from a fixed seed.
 *
 * Shape follows the published dataset (Kuzilek et al. 2017): 7 modules in 22 presentations,
 * ~32.6k registrations of ~28.8k students, and a `studentVle.csv` of 10,655,280 rows laid out as
 * distributed: quoted codes, CRLF line ends, rows grouped by presentation then date, students
 * interleaved within a date, and the same (student, site, date) repeated now and then.
 * Writes `courses.csv`, `studentInfo.csv` and `studentVle.csv` (the files the VLE load needs).
 */
import { createWriteStream, mkdirSync } from "node:fs";
import { once } from "node:events";
import { join } from "node:path";
import { stream } from "../demo/random.ts";

export const OULAD_STUDENT_VLE_ROWS = 10_655_280;

const PRESENTATIONS: readonly [string, string, number][] = [
  ["AAA", "2013J", 268],
  ["AAA", "2014J", 269],
  ["BBB", "2013B", 240],
  ["BBB", "2013J", 268],
  ["BBB", "2014B", 234],
  ["BBB", "2014J", 262],
  ["CCC", "2014B", 241],
  ["CCC", "2014J", 269],
  ["DDD", "2013B", 240],
  ["DDD", "2013J", 261],
  ["DDD", "2014B", 241],
  ["DDD", "2014J", 262],
  ["EEE", "2013J", 268],
  ["EEE", "2014B", 241],
  ["EEE", "2014J", 269],
  ["FFF", "2013B", 240],
  ["FFF", "2013J", 268],
  ["FFF", "2014B", 241],
  ["FFF", "2014J", 269],
  ["GGG", "2013J", 261],
  ["GGG", "2014B", 241],
  ["GGG", "2014J", 269],
];

export interface OuladShape {
  seed: number;
  /** studentVle rows to write. */
  rows: number;
  /** Registrations (student-presentation pairs). */
  registrations: number;
}

export const FULL_SHAPE: OuladShape = { seed: 2017, rows: OULAD_STUDENT_VLE_ROWS, registrations: 32_593 };

/** A writer that respects back-pressure without awaiting every line. */
function lineWriter(path: string) {
  const out = createWriteStream(path);
  let buffer = "";
  return {
    async write(text: string) {
      buffer += text;
      if (buffer.length >= 1 << 16) {
        if (!out.write(buffer)) await once(out, "drain");
        buffer = "";
      }
    },
    async close() {
      out.end(buffer);
      await once(out, "finish");
    },
  };
}

export interface GeneratedOulad {
  dir: string;
  rows: number;
  students: number;
  presentations: number;
}

export async function generateOulad(dir: string, shape: OuladShape = FULL_SHAPE): Promise<GeneratedOulad> {
  mkdirSync(dir, { recursive: true });
  const random = stream(shape.seed, 0, "oulad");
  const perPresentation = Math.ceil(shape.registrations / PRESENTATIONS.length);
  // ~12% of students take a second presentation, as in the published data.
  const uniqueStudents = Math.round(shape.registrations * 0.883);
  const studentIds: number[] = [];
  const seen = new Set<number>();
  while (studentIds.length < uniqueStudents) {
    const id = random.int(3_000, 2_720_000);
    if (!seen.has(id)) {
      seen.add(id);
      studentIds.push(id);
    }
  }

  const courses = lineWriter(join(dir, "courses.csv"));
  await courses.write("code_module,code_presentation,module_presentation_length\r\n");
  for (const [module, presentation, length] of PRESENTATIONS) await courses.write(`"${module}","${presentation}",${length}\r\n`);
  await courses.close();

  const cohorts: number[][] = [];
  const info = lineWriter(join(dir, "studentInfo.csv"));
  await info.write(
    "code_module,code_presentation,id_student,gender,region,highest_education,imd_band,age_band,num_of_prev_attempts,studied_credits,disability,final_result\r\n",
  );
  let next = 0;
  for (const [module, presentation] of PRESENTATIONS) {
    const cohort: number[] = [];
    for (let k = 0; k < perPresentation; k++) {
      const id = next < studentIds.length ? studentIds[next++]! : random.pick(studentIds);
      cohort.push(id);
      const result = random.pick(["Pass", "Pass", "Fail", "Withdrawn", "Distinction"]);
      await info.write(
        `"${module}","${presentation}",${id},"${random.pick(["M", "F"])}","East Anglian Region","A Level or Equivalent","20-30%","0-35",0,60,"${random.chance(0.1) ? "Y" : "N"}","${result}"\r\n`,
      );
    }
    cohorts.push(cohort);
  }
  await info.close();

  const vle = lineWriter(join(dir, "studentVle.csv"));
  await vle.write("code_module,code_presentation,id_student,id_site,date,sum_click\r\n");
  const quota = Math.ceil(shape.rows / PRESENTATIONS.length);
  let written = 0;
  for (let p = 0; p < PRESENTATIONS.length && written < shape.rows; p++) {
    const [module, presentation, length] = PRESENTATIONS[p]!;
    const cohort = cohorts[p]!;
    const firstSite = 540_000 + p * 1_500;
    const target = Math.min(quota, shape.rows - written);
    const days = length + 25;
    // Expected rows per (student, day) chosen so the presentation fills its quota.
    const siteSpread = 2.3;
    // 1 + floor(Exp(mean m)) has mean 1 + 1 / (e^(1/m) - 1).
    const rowsPerActiveDay = 1 + 1 / (Math.exp(1 / siteSpread) - 1);
    // 3% headroom so the quota is reached (and cut) on the last days rather than missed.
    const activeChance = Math.min(0.95, (1.03 * target) / (cohort.length * days * rowsPerActiveDay));
    let inPresentation = 0;
    for (let date = -25; date < length && inPresentation < target; date++) {
      for (let s = 0; s < cohort.length && inPresentation < target; s++) {
        if (!random.chance(activeChance)) continue;
        const sites = 1 + Math.floor(-Math.log(1 - random.float()) * siteSpread);
        let site = firstSite + random.int(0, 1_200);
        for (let k = 0; k < sites && inPresentation < target; k++) {
          // One visit in ten repeats the previous site: the published data has such rows.
          if (k > 0 && !random.chance(0.1)) site = firstSite + random.int(0, 1_200);
          const clicks = 1 + Math.floor(-Math.log(1 - random.float()) * 3);
          await vle.write(`"${module}","${presentation}",${cohort[s]},${site},${date},${clicks}\r\n`);
          inPresentation++;
        }
      }
    }
    written += inPresentation;
  }
  await vle.close();
  return { dir, rows: written, students: uniqueStudents, presentations: PRESENTATIONS.length };
}
