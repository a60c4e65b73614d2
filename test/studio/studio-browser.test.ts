/**
 * The rules studio in real Chromium: an admin opens it, changes a condition and sees the dry-run
 * figures change, sees a validation error named by field, publishes version 2, sees the diff and
 * rolls back; a personal tutor is refused (and the refusal audited); forged and expired tokens are
 * refused; axe finds no serious or critical accessibility violations. The service runs with both
 * single sign-on (a JWKS served locally) and the local-mode development sign-in, which the browser
 * uses, since outside Teams there is no Teams client to give it a token.
 *
 * NUDGE_STUDIO_SCREENSHOTS=<folder> also saves the screenshots the README shows.
 */
import { existsSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../app/index.ts";
import type { TeamsBot } from "../../bot/index.ts";
import { createLogger } from "../../core/index.ts";
import { createHttpServer } from "../../server/http.ts";
import { createStudioAuthenticator } from "../../server/studio-auth.ts";
import { useMigratedDatabase } from "../helpers/database.ts";
import { buildStudioWorld, CLIENT_ID, OBJECT_IDS, QUIET_RULE, serveTenantKeys, TENANT_ID, type TenantKeys } from "../helpers/studio.ts";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const ROOT = join(import.meta.dirname, "..", "..");
const browserMissing = !existsSync(CHROMIUM);
const pageMissing = !existsSync(join(ROOT, "studio", "dist", "index.html"));
if ((browserMissing || pageMissing) && process.env.CI === "true") throw new Error(`the studio browser test needs Chromium at ${CHROMIUM} and the built page`);
if (browserMissing) console.warn(`skipped: the studio browser test needs Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
if (pageMissing) console.warn("skipped: the studio page is not built (npm run build:studio)");
const SCREENSHOTS = process.env.NUDGE_STUDIO_SCREENSHOTS;

describe.skipIf(browserMissing || pageMissing)("the rules studio in Chromium", () => {
  const database = useMigratedDatabase();
  let keys: TenantKeys;
  let base = "";
  let browser: Browser;
  let close: () => void = () => {};
  const timings: Record<string, number> = {};

  beforeAll(async () => {
    await buildStudioWorld(database.db);
    const app = createApp(database.db);
    const admin = await app.access.authorise("A0001", "rules.edit");
    await app.rules.publishRuleText("quiet-on-vle", QUIET_RULE, admin, "first version");
    keys = await serveTenantKeys();
    const auth = createStudioAuthenticator({ sso: { tenantId: TENANT_ID, clientId: CLIENT_ID, jwksUrl: keys.jwksUrl }, localMode: true });
    const server = createHttpServer({
      app,
      bot: {} as TeamsBot,
      logger: createLogger("silent"),
      isReady: () => true,
      studio: { auth, timezone: "Europe/London" },
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => server.close();
    const { chromium } = await import("playwright-core");
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-quic",
        "--no-first-run",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
  });
  afterAll(async () => {
    await browser?.close();
    close();
    await keys?.close();
    if (Object.keys(timings).length) console.info(`studio timings (ms): ${JSON.stringify(timings)}`);
  });

  async function signIn(staffNumber: string): Promise<Page> {
    const page = await (await browser.newContext({ viewport: { width: 1360, height: 1000 } })).newPage();
    const started = Date.now();
    await page.goto(`${base}/studio`);
    await page.getByRole("heading", { name: "Development sign-in" }).waitFor();
    timings[`first load to sign-in page shown (${staffNumber})`] = Date.now() - started;
    timings[`load event (${staffNumber})`] = await page.evaluate(() => Math.round(performance.getEntriesByType("navigation" as never)[0]!.duration));
    await page.getByLabel("Sign in as").selectOption(staffNumber);
    await page.getByRole("button", { name: "Sign in" }).click();
    return page;
  }

  async function noSeriousViolations(page: Page) {
    const { AxeBuilder } = await import("@axe-core/playwright");
    const results = await new AxeBuilder({ page }).analyze();
    const serious = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
    expect(serious.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join("; ")})`)).toEqual([]);
  }

  it("lets an admin edit, dry-run, validate, publish, diff and roll back", async () => {
    const page = await signIn("A0001");
    const started = Date.now();
    await page.getByRole("heading", { name: "Rules", exact: true }).waitFor();
    await expect.poll(() => page.getByRole("row", { name: /Quiet on the VLE/ }).count()).toBe(1);
    timings["rules list after sign-in"] = Date.now() - started;
    await expect.poll(() => page.getByRole("row", { name: /Quiet on the VLE/ }).textContent()).toMatch(/Disabled.*1.*Not run yet/);
    await noSeriousViolations(page);
    if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, "studio-list.png"), fullPage: true });

    await page.getByRole("button", { name: "Open Quiet on the VLE" }).click();
    const matched = page.getByTestId("matched");
    await expect.poll(() => matched.textContent(), { timeout: 60_000 }).toBe("10");

    const condition = page.getByLabel("Condition (CEL over the metrics catalogue)");
    const changed = Date.now();
    await condition.fill("vle_days_since_last >= 5");
    await expect.poll(() => matched.textContent(), { timeout: 60_000 }).toBe("16");
    timings["dry run after an edit (400 ms debounce included)"] = Date.now() - changed;
    await expect.poll(() => page.getByTestId("newly").textContent()).toBe("6");
    await expect.poll(() => page.getByTestId("dry-run").textContent()).toMatch(/BA-HIST year 2fewer than 5/);
    await noSeriousViolations(page);
    if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, "studio-editor.png"), fullPage: true });

    await condition.fill("vle_days_sinse_last >= 5");
    const problem = page.getByRole("listitem").filter({ hasText: "unknown metric" });
    await expect
      .poll(() => problem.textContent(), { timeout: 60_000 })
      .toBe(
        "Error in condition, line 5, column 12: unknown metric 'vle_days_sinse_last' (did you mean vle_days_since_last?); see the metrics catalogue (nudge rules metrics)",
      );
    await expect.poll(() => page.getByRole("button", { name: "Publish new version" }).isDisabled()).toBe(true);

    await condition.fill("vle_days_since_last >= 5");
    await expect.poll(() => matched.textContent(), { timeout: 60_000 }).toBe("16");
    await page.getByLabel("Change note (what changed and why)").fill("catch students sooner");
    await page.getByRole("button", { name: "Publish new version" }).click();
    await expect.poll(() => page.getByText("Published version 2.").count()).toBe(1);
    const diff = page.getByTestId("diff");
    await expect.poll(() => diff.textContent()).toContain("- condition: vle_days_since_last >= 10");
    expect(await diff.textContent()).toContain("+ condition: vle_days_since_last >= 5");
    expect(await diff.locator("ins, del").allTextContents()).toEqual(["condition: vle_days_since_last >= 10", "condition: vle_days_since_last >= 5"]);
    await expect.poll(() => page.getByRole("row", { name: /^2 \(current\)/ }).textContent()).toContain("catch students sooner");
    await noSeriousViolations(page);
    if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, "studio-history-diff.png"), fullPage: true });

    await page.getByRole("button", { name: "Roll back to version 1" }).click();
    await expect.poll(() => page.getByText("Version 3 restores version 1.").count()).toBe(1);
    await expect.poll(() => condition.inputValue()).toBe("vle_days_since_last >= 10");
    const stored = await database.db.prisma.rule.findUniqueOrThrow({ where: { id: "quiet-on-vle" } });
    expect(stored.currentVersion).toBe(3);
    const actions = await database.db.prisma.auditLog.findMany({ where: { targetId: "quiet-on-vle" }, orderBy: { id: "asc" } });
    expect(actions.map((a) => [a.action, a.actorId])).toEqual([
      ["rule.create", "A0001"],
      ["rule.update", "A0001"],
      ["rule.rollback", "A0001"],
    ]);
    await page.close();
    // Five dry runs of the whole world, each a few seconds on a busy two-core machine.
  }, 240_000);

  it("refuses a personal tutor with 403, audited", async () => {
    const page = await signIn("T0001");
    await expect.poll(() => page.getByRole("alert").textContent()).toBe("Sorry, the rules studio is for rule administrators. The attempt has been recorded.");
    const refusals = await database.db.prisma.auditLog.findMany({ where: { action: "access.refused", actorId: "T0001" } });
    expect(refusals.map((r) => (r.details as { capability: string }).capability)).toEqual(["runs.read"]);
    await noSeriousViolations(page);
    await page.close();
  });

  it("refuses forged and expired tokens from the page with 401", async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${base}/studio`);
    const statusWith = (token: string) =>
      page.evaluate(async (t) => (await fetch("/studio/api/rules", { headers: { Authorization: `Bearer ${t}` } })).status, token);
    expect(await statusWith(await keys.token(OBJECT_IDS.admin, {}, { key: "forger" }))).toBe(401);
    expect(await statusWith(await keys.token(OBJECT_IDS.admin, {}, { expiresIn: Math.floor(Date.now() / 1000) - 600 }))).toBe(401);
    expect(await statusWith(await keys.token(OBJECT_IDS.admin))).toBe(200);
    await page.close();
  });

  it("sends a strict Content-Security-Policy that lets Teams frame the page", async () => {
    const response = await fetch(`${base}/studio`);
    const csp = response.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toMatch(/frame-ancestors 'self' https:\/\/teams\.microsoft\.com https:\/\/\*\.teams\.microsoft\.com/);
    expect(csp).not.toContain("unsafe-eval");
    expect(response.headers.get("set-cookie")).toBeNull();
  });
});
