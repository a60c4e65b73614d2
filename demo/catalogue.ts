/**
 * The fictional university's programmes and module titles. Codes follow UK habits: a JACS-style
 * programme code, module codes of a subject prefix plus level digit (COMP1001 is first year).
 */

export interface ProgrammeSpec {
  code: string;
  title: string;
  school: string;
  lengthYears: number;
  /** Module code prefix. */
  prefix: string;
  /** Relative size of the programme's cohort. */
  weight: number;
  /** The weekly session beside the lecture. */
  practical: "seminar" | "lab";
  /** Module titles per year of study, four each. */
  modules: readonly (readonly string[])[];
}

const BASE: readonly ProgrammeSpec[] = [
  {
    code: "G400",
    title: "BSc (Hons) Computing",
    school: "School of Computing and Mathematical Sciences",
    lengthYears: 3,
    prefix: "COMP",
    weight: 1.3,
    practical: "lab",
    modules: [
      ["Programming Fundamentals", "Computer Systems", "Mathematics for Computing", "Web Development"],
      ["Data Structures and Algorithms", "Databases", "Software Engineering", "Networks and Security"],
      ["Machine Learning", "Distributed Systems", "Human-Computer Interaction", "Individual Project"],
    ],
  },
  {
    code: "C800",
    title: "BSc (Hons) Psychology",
    school: "School of Psychology",
    lengthYears: 3,
    prefix: "PSYC",
    weight: 1.3,
    practical: "seminar",
    modules: [
      ["Introduction to Psychology", "Research Methods and Statistics 1", "Developmental Psychology", "Biological Psychology"],
      ["Cognitive Psychology", "Social Psychology", "Research Methods and Statistics 2", "Individual Differences"],
      ["Clinical Psychology", "Health Psychology", "Forensic Psychology", "Psychology Dissertation"],
    ],
  },
  {
    code: "M100",
    title: "LLB (Hons) Law",
    school: "School of Law",
    lengthYears: 3,
    prefix: "LAWS",
    weight: 1.1,
    practical: "seminar",
    modules: [
      ["Contract Law", "Public Law", "Criminal Law", "Legal Skills and Method"],
      ["Tort Law", "Land Law", "EU and International Law", "Equity and Trusts"],
      ["Company Law", "Family Law", "Law of Evidence", "Law Dissertation"],
    ],
  },
  {
    code: "B740",
    title: "BSc (Hons) Nursing (Adult)",
    school: "School of Health Sciences",
    lengthYears: 3,
    prefix: "NURS",
    weight: 1.2,
    practical: "lab",
    modules: [
      ["Foundations of Nursing Practice", "Anatomy and Physiology for Nurses", "Communication in Healthcare", "Practice Learning 1"],
      ["Acute Care Nursing", "Pharmacology for Nurses", "Long-Term Conditions", "Practice Learning 2"],
      ["Leadership in Nursing", "Complex Care", "Evidence-Based Practice", "Practice Learning 3"],
    ],
  },
  {
    code: "V100",
    title: "BA (Hons) History",
    school: "School of Humanities",
    lengthYears: 3,
    prefix: "HIST",
    weight: 0.7,
    practical: "seminar",
    modules: [
      ["Medieval Europe 1000-1500", "The Making of Modern Britain", "Historical Skills and Sources", "The Atlantic World"],
      ["The British Empire", "The Age of Revolutions", "Historiography", "Cold War Europe"],
      ["Public History", "Gender and Society in Victorian Britain", "Special Subject", "History Dissertation"],
    ],
  },
  {
    code: "H300",
    title: "BEng (Hons) Mechanical Engineering",
    school: "School of Engineering",
    lengthYears: 3,
    prefix: "MECH",
    weight: 0.8,
    practical: "lab",
    modules: [
      ["Engineering Mathematics 1", "Statics and Dynamics", "Materials Science", "Engineering Design and CAD"],
      ["Thermodynamics", "Fluid Mechanics", "Engineering Mathematics 2", "Manufacturing Processes"],
      ["Control Systems", "Finite Element Analysis", "Heat Transfer", "Mechanical Engineering Project"],
    ],
  },
  {
    code: "N200",
    title: "BA (Hons) Business Management",
    school: "Business School",
    lengthYears: 3,
    prefix: "BUSM",
    weight: 1.4,
    practical: "seminar",
    modules: [
      ["Principles of Management", "Introduction to Accounting", "Marketing Fundamentals", "Business Economics"],
      ["Organisational Behaviour", "Operations Management", "Financial Management", "Business Research Methods"],
      ["Strategic Management", "International Business", "Entrepreneurship and Innovation", "Business Dissertation"],
    ],
  },
  {
    code: "B940",
    title: "BSc (Hons) Biomedical Science",
    school: "School of Life Sciences",
    lengthYears: 3,
    prefix: "BIOM",
    weight: 0.9,
    practical: "lab",
    modules: [
      ["Cell Biology", "Human Anatomy and Physiology", "Biochemistry", "Laboratory Skills"],
      ["Medical Microbiology", "Immunology", "Genetics and Molecular Biology", "Clinical Biochemistry"],
      ["Haematology and Transfusion Science", "Cellular Pathology", "Pharmacology", "Biomedical Research Project"],
    ],
  },
];

/** Added for large cohorts, so a big demo has 10 programmes and an integrated masters. */
const EXTRA: readonly ProgrammeSpec[] = [
  {
    code: "H601",
    title: "MEng Electronic and Electrical Engineering",
    school: "School of Engineering",
    lengthYears: 4,
    prefix: "EEEN",
    weight: 0.6,
    practical: "lab",
    modules: [
      ["Circuit Analysis", "Digital Electronics", "Mathematics for Electronic Engineers", "Programming for Engineers"],
      ["Analogue Electronics", "Signals and Systems", "Electromagnetism", "Embedded Systems"],
      ["Power Electronics", "Communication Systems", "Control Engineering", "Group Design Project"],
      ["Advanced Signal Processing", "Renewable Energy Systems", "VLSI Design", "Masters Research Project"],
    ],
  },
  {
    code: "Q320",
    title: "BA (Hons) English Literature",
    school: "School of Humanities",
    lengthYears: 3,
    prefix: "ENGL",
    weight: 0.7,
    practical: "seminar",
    modules: [
      ["Reading Literature", "Shakespeare", "Poetry and Poetics", "Introduction to Literary Theory"],
      ["Romantic Literature", "Victorian Fiction", "Modernism", "Creative Writing"],
      ["Postcolonial Literatures", "Contemporary Fiction", "Gothic Literature", "English Dissertation"],
    ],
  },
];

export const LARGE_COHORT = 5_000;

/** 8 programmes, or 10 from LARGE_COHORT students up. */
export function programmesFor(students: number): readonly ProgrammeSpec[] {
  return students >= LARGE_COHORT ? [...BASE, ...EXTRA] : BASE;
}
