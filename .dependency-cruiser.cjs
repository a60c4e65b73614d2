/**
 * The layer map, enforced (docs/developers/architecture.md explains it). Modules are top-level
 * folders; each may import from its own layer (without cycles) and the layers below it, only
 * through the other module's index.ts. The database is opened only by the composition roots.
 */
const LAYERS = [
  ["core", "adaptive-cards"],
  ["prisma"],
  ["audit"],
  ["access"],
  ["jobs", "notices", "contacts", "ingest"],
  ["rules"],
  ["interventions"],
  ["meetings", "safeguarding", "privacy", "analytics", "referrals"],
  ["digest"],
  ["conversations", "delivery"],
  ["channels", "integrations", "demo"],
  ["app"],
  ["bot", "scheduler"],
  ["server"],
  ["manifest", "studio", "bench", "scripts", "bin"],
];
const TOOLS = ["bench", "scripts", "bin"];
const COMPOSITION_ROOTS = ["server/service.ts", "server/cli-database.ts"];

const folders = (names) => `^(${names.join("|")})/`;
const upward = LAYERS.slice(0, -1).map((layer, i) => ({
  name: `no-upward-from-${layer.join("-")}`,
  comment: `${layer.join(", ")} may not import from a layer above: ${LAYERS.slice(i + 1)
    .flat()
    .join(", ")}`,
  severity: "error",
  from: { path: folders(layer) },
  to: { path: folders(LAYERS.slice(i + 1).flat()) },
}));

module.exports = {
  forbidden: [
    ...upward,
    {
      name: "no-cycles",
      comment: "a cycle between files (and so between modules) makes the layers meaningless",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    {
      name: "no-deep-imports",
      comment: "another module is used through its index.ts only",
      severity: "error",
      from: { path: "^([^/]+)/", pathNot: folders(TOOLS) },
      to: { dependencyTypes: ["local"], path: "^([^/]+)/.+", pathNot: ["^$1/", "^[^/]+/index\\.ts$", "^generated/"] },
    },
    {
      name: "no-database-in-edges",
      comment: "edges get an App from a composition root and never touch the database",
      severity: "error",
      from: { path: "^(bot|scheduler|server|adaptive-cards|manifest)/", pathNot: COMPOSITION_ROOTS.map((f) => `^${f.replace(".", "\\.")}$`) },
      to: { path: ["^prisma/", "^generated/", "@prisma/client"] },
    },
    {
      name: "generated-client-behind-prisma",
      comment: "the generated Prisma client and enums are imported by prisma/ only; everyone else asks prisma/index.ts",
      severity: "error",
      from: { pathNot: ["^prisma/", "^generated/"] },
      to: { path: "^generated/" },
    },
    {
      name: "no-unknown-folders",
      comment: "every folder with source is on the layer map",
      severity: "error",
      from: { path: "^[^/]+/", pathNot: [folders(LAYERS.flat()), "^test/", "^node_modules/", "^generated/"] },
      to: {},
    },
  ],
  options: {
    doNotFollow: { path: ["node_modules", "generated"] },
    exclude: { path: ["^node_modules/", "^test/", "^data/"] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    moduleSystems: ["es6", "cjs"],
  },
};
