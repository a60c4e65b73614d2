/**
 * What a message means, message by message: the rows of "what happens today" in the safeguarding
 * issue, keywords by channel, and phrasings written for this test (in neither corpus file).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { classifyMessage, intentModel, pauseDaysOf, type IntentModel } from "../../conversations/index.ts";
import { screenMessage } from "../../safeguarding/index.ts";

let model: IntentModel;
beforeAll(async () => {
  model = await intentModel();
});

const classify = (text: string, channel?: "teams" | "sms" | "email") => classifyMessage(text, { channel }, model);

describe("crisis and distress come first", () => {
  it.each([
    "I'm going to kill myself",
    "I want to end my life",
    "honestly thinking of ending things",
    "i took loads of tablets",
    "I just can't do this anymore",
    "been self harming again since reading week",
    "my boyfriend hits me when he's drunk",
    "i dont want to wake up tomorrow",
    "everyone would honestly be better off if i wasnt around",
    "suicdal thoughts again tonight",
    "STOP texting me, i'll be dead by friday anyway",
  ])("%s -> crisis", async (text) => {
    const c = await classify(text);
    expect(c).toMatchObject({ intent: "crisis", safeguarding: "crisis" });
  });

  it.each([
    ["my mum died last week", "bereavement"],
    ["my brother died yesterday", "bereavement"],
    ["I can't cope", "not_coping"],
    ["feeling really depressed", "mental_health"],
    ["End of my tether, can't cope", "not_coping"],
    ["stop. i can't cope", "not_coping"],
    ["ok but actually I'm not fine", "not_coping"],
    ["can't pay my rent this month and I'm skint", "money"],
    ["got evicted on monday, sofa surfing at a mates", "housing"],
    ["pause these please, my grandad passed away", "bereavement"],
    ["thanks but my dad's in hospital", "illness"],
  ])("%s -> distress (%s)", async (text, reason) => {
    const c = await classify(text);
    expect(c).toMatchObject({ intent: "distress", safeguarding: "distress" });
    expect(c.reasons).toContain(reason);
  });

  it("reads a crisis word that is said to be absent as distress, so a person still reads it", () => {
    expect(screenMessage("I'm not suicidal, just really stressed")).toMatchObject({ level: "distress" });
    expect(screenMessage("i would never hurt myself but i'm so low")).toMatchObject({ level: "distress" });
  });

  it("does not take everyday figures of speech for a crisis", async () => {
    for (const text of [
      "this essay is killing me lol",
      "I'm dying to know my grade",
      "my laptop died",
      "dead tired today haha",
      "my feet are killing me",
      "can we end the meeting early",
    ]) {
      expect((await classify(text)).safeguarding, text).not.toBe("crisis");
    }
  });
});

describe("keywords", () => {
  it("opts out only on a whole-message keyword, and CANCEL, END and QUIT only by SMS", async () => {
    expect((await classify("STOP", "sms")).intent).toBe("stop");
    expect((await classify("end", "sms")).intent).toBe("stop");
    expect((await classify("Cancel", "sms")).intent).toBe("stop");
    expect((await classify("End", "teams")).intent).not.toBe("stop");
    expect((await classify("cancel", "teams")).intent).not.toBe("stop");
    expect((await classify("unsubscribe", "teams")).intent).toBe("stop");
    expect((await classify("can you cancel my meeting on tuesday", "teams")).intent).not.toBe("stop");
  });

  it("reads start, resume and unpause as resume, and opt in too", async () => {
    for (const text of ["start", "resume", "unpause", "START", "opt in", "you can message me again"])
      expect((await classify(text, "teams")).intent, text).toBe("resume");
  });

  it("reads help as a request for help", async () => {
    expect((await classify("help", "teams")).intent).toBe("needs_help");
    expect((await classify("HELP", "sms")).intent).toBe("needs_help");
  });
});

describe("what students ask about their data", () => {
  it.each([
    ["who can see my data?", "privacy_question"],
    ["how long do you keep all this", "privacy_question"],
    ["show me my data", "my_data"],
    ["how is my attendance?", "my_data"],
    ["what flags do I have", "my_data"],
    ["what labels have you put on me?", "my_data"],
    ["what data do you hold about me", "data_copy"],
    ["delete my data", "erasure"],
    ["please erase everything you have on me", "erasure"],
    ["withdraw my consent", "consent_withdraw"],
    ["why did I get this?", "why"],
    ["thanks!", "thanks"],
    ["pause for 2 weeks", "pause"],
  ])("%s -> %s", async (text, intent) => {
    expect((await classify(text)).intent).toBe(intent);
  });
});

describe("pause lengths", () => {
  it("reads the time asked for, with a default and a cap", () => {
    expect(pauseDaysOf("pause for 2 weeks")).toBe(14);
    expect(pauseDaysOf("mute for a fortnight")).toBe(14);
    expect(pauseDaysOf("pause 3 days")).toBe(3);
    expect(pauseDaysOf("snooze for a couple of weeks")).toBe(14);
    expect(pauseDaysOf("pause")).toBe(14);
    expect(pauseDaysOf("pause for 6 months")).toBe(60);
  });
});

describe("bounded work", () => {
  it("classifies a very long message (within the test's timeout), still seeing a crisis in it", async () => {
    const text = `${"lorem ipsum dolor sit amet ".repeat(2000)} i want to kill myself ${"and so on ".repeat(2000)}`;
    expect((await classify(text)).safeguarding).toBe("crisis");
  });
});
