import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { hostileRuns } from "../hostile/budget.ts";
import { renderEmailContent } from "../../channels/email-content.ts";
import { renderTemplate } from "../../rules/templates.ts";

const URL_ = "https://nudge.example.ac.uk/api/email/unsubscribe?t=1.abc";

describe("renderEmailContent", () => {
  it("renders Markdown paragraphs, line breaks and links, and ends both parts with the same footer", () => {
    const content = renderEmailContent({
      subject: "Checking in",
      text: "Hi Ada,\n\nSee **your** [timetable](https://tt.example.ac.uk/?w=1&d=2) or https://vle.example.ac.uk/?id=9&s=2\n\nBest wishes,\nYour tutor",
      unsubscribeUrl: URL_,
    });
    expect(content.html).toContain("<p>Hi Ada,</p>");
    expect(content.html).toContain('<strong>your</strong> <a href="https://tt.example.ac.uk/?w=1&amp;d=2" style="color:#0b57d0">timetable</a>');
    // A bare address with `&` stays one working link (the entity once, never `&amp;amp;`).
    expect(content.html).toContain('href="https://vle.example.ac.uk/?id=9&amp;s=2"');
    expect(content.html).not.toContain("&amp;amp;");
    expect(content.html).toContain("Best wishes,<br>Your tutor");
    expect(content.html).toMatch(/^<!DOCTYPE html>\n<html lang="en">/);
    expect(content.html).toContain("<title>Checking in</title>");
    expect(content.html).toContain(`<a href="${URL_}" style="color:#0b57d0">Unsubscribe from these emails</a>`);
    expect(content.text).toBe(
      `Hi Ada,\n\nSee **your** [timetable](https://tt.example.ac.uk/?w=1&d=2) or https://vle.example.ac.uk/?id=9&s=2\n\nBest wishes,\nYour tutor\n\n-- \nYou can reply to this email if you have a question or would like to talk.\nUnsubscribe from these emails: ${URL_}\n`,
    );
  });

  it("never lets the text add markup: raw HTML is shown as text, unsafe links and remote images are dropped", () => {
    const content = renderEmailContent({
      subject: "Hi <b>there</b>\r\nBcc: someone@example.com",
      text: '<div onclick="x()">\nblock\n</div>\n\nName: <script>steal()</script> [x](javascript:alert(1)) [y](data:text/html,hi) ![pixel](https://tracker.example/p.png) <!-- c -->',
      unsubscribeUrl: URL_,
    });
    // The rendered text alone: between the layout's article element and the footer rule.
    const body = content.html.split(/<div role="article"[^>]*>/)[1]!.split("<hr")[0]!;
    expect(body).not.toMatch(/<(script|div|img)\b|<!--|javascript:|data:text/i);
    expect(body).toContain("&lt;div onclick=&quot;x()&quot;&gt;<br>\nblock<br>\n&lt;/div&gt;");
    expect(body).toContain("&lt;script&gt;steal()&lt;/script&gt; x y");
    expect(body).toContain('<a href="https://tracker.example/p.png" style="color:#0b57d0">pixel</a>');
    // The subject is one header line, and HTML-escaped in the page title.
    expect(content.subject).toBe("Hi <b>there</b> Bcc: someone@example.com");
    expect(content.html).toContain("<title>Hi &lt;b&gt;there&lt;/b&gt; Bcc: someone@example.com</title>");
  });

  it("keeps a value as text: a name written as a Markdown link or a bare URL becomes no link, and reads the same in the text part", () => {
    const template = "Hi {{first_name}},\n\nYour [timetable](https://tt.example.ac.uk) is ready.";
    for (const name of ["[Reset your password](https://evil.example)", "https://evil.example/login", "www.evil.example", "<b>Sam</b>", "**Sam** _x_ `y` #1"]) {
      const content = renderEmailContent({ subject: "Hi", text: renderTemplate(template, { first_name: name }, { markdown: true }), unsubscribeUrl: URL_ });
      const links = [...content.html.matchAll(/<a href="([^"]+)"/g)].map((m) => m[1]);
      expect(links, name).toEqual(["https://tt.example.ac.uk", URL_.replace(/&/g, "&amp;")]);
      expect(content.text.startsWith(`Hi ${name},`), content.text).toBe(true);
    }
  });

  it("for any value: no link but the template's own, and the text part shows the value exactly", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (value) => {
        const clean = value.replace(/[\r\n]/g, " ").trim() || "x";
        const content = renderEmailContent({
          subject: "Hi",
          text: renderTemplate("Hi {{v}} [site](https://ok.example.ac.uk)", { v: clean }, { markdown: true }),
          unsubscribeUrl: URL_,
        });
        const links = [...content.html.matchAll(/<a href="([^"]+)"/g)].map((m) => m[1]);
        expect(links).toEqual(["https://ok.example.ac.uk", URL_.replace(/&/g, "&amp;")]);
        expect(content.text).toContain(`Hi ${clean} [site]`);
      }),
      { numRuns: hostileRuns(300) },
    );
  });
});
