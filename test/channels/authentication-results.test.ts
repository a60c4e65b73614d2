/** Reading the receiving mail system's verdict on an email's sender (RFC 8601). */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { hostileRuns } from "../hostile/budget.ts";
import { parseAuthenticationResults, senderAuthenticated } from "../../channels/authentication-results.ts";

const MX = "mx.example.ac.uk";

describe("senderAuthenticated", () => {
  it("trusts a DMARC pass for the From domain from the trusted system only", () => {
    const pass = `${MX}; spf=pass smtp.mailfrom=student.example.ac.uk; dmarc=pass (p=reject) header.from=student.example.ac.uk`;
    expect(senderAuthenticated([pass], MX, "ada@student.example.ac.uk")).toBe(true);
    expect(senderAuthenticated([pass], undefined, "ada@student.example.ac.uk")).toBe(false);
    expect(senderAuthenticated([pass], "other.example", "ada@student.example.ac.uk")).toBe(false);
    expect(senderAuthenticated([pass], MX, "ada@elsewhere.example")).toBe(false);
    // SPF and DKIM passes alone do not tie the visible From to the sender.
    expect(
      senderAuthenticated([`${MX}; spf=pass smtp.mailfrom=student.example.ac.uk; dkim=pass header.d=student.example.ac.uk`], MX, "ada@student.example.ac.uk"),
    ).toBe(false);
  });

  it("reads only the outermost header of the trusted system, ignoring comments", () => {
    const forged = `${MX}; dmarc=pass header.from=student.example.ac.uk`;
    expect(senderAuthenticated([`${MX}; dmarc=fail header.from=student.example.ac.uk`, forged], MX, "a@student.example.ac.uk")).toBe(false);
    expect(senderAuthenticated([`${MX} (comment; dmarc=pass header.from=student.example.ac.uk); dmarc=none`], MX, "a@student.example.ac.uk")).toBe(false);
    expect(parseAuthenticationResults(`${MX} 1; dmarc=PASS header.from="Student.Example.AC.UK"`)).toMatchObject({
      authservId: MX,
      results: [{ method: "dmarc", result: "pass", properties: new Map([["header.from", "student.example.ac.uk"]]) }],
    });
  });

  it("never throws, whatever the header says", () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 200 }), { maxLength: 4 }), fc.string({ maxLength: 40 }), (headers, from) => {
        expect(typeof senderAuthenticated(headers, MX, from)).toBe("boolean");
      }),
      { numRuns: hostileRuns(300) },
    );
  });
});
