import { describe, expect, it } from "vitest";
import { checkBasicAuth } from "../../server/xapi-credentials.ts";

const expected = { username: "moodle", password: "s3cret:with:colons" };
const basic = (text: string) => `Basic ${Buffer.from(text, "utf8").toString("base64")}`;

describe("checkBasicAuth", () => {
  it("accepts the configured user and password (the password may contain colons)", () => {
    expect(checkBasicAuth(basic("moodle:s3cret:with:colons"), expected)).toEqual({ ok: true });
    expect(checkBasicAuth(`basic   ${Buffer.from("moodle:s3cret:with:colons").toString("base64")}`, expected)).toEqual({ ok: true });
  });

  it.each([
    ["a wrong password", basic("moodle:guess"), "wrong"],
    ["a wrong user", basic("admin:s3cret:with:colons"), "wrong"],
    ["an empty password", basic("moodle:"), "wrong"],
    ["a longer password with the right start", basic("moodle:s3cret:with:colons!"), "wrong"],
    ["no header", undefined, "missing"],
    ["an empty header", "  ", "missing"],
    ["another scheme", "Bearer abc", "malformed"],
    ["no colon in the credentials", basic("moodle"), "malformed"],
    ["not base64", "Basic ***", "malformed"],
  ])("refuses %s", (_name, header, reason) => {
    expect(checkBasicAuth(header, expected)).toEqual({ ok: false, reason });
  });
});
