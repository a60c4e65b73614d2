/**
 * What a message means, message by message: the rows of "what happens today" in the safeguarding
 * issue, keywords by channel, and phrasings written for this test (in neither corpus file).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { classifyMessage, intentModel, pauseDaysOf, type Intent, type IntentModel } from "../../conversations/index.ts";
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

describe("when the model is sure but the message does not say it, a person reads it", () => {
  /** A model that is always this sure of one intent, as the real one was of "thanks" for a deadline question. */
  const sureOf = (intent: Intent): IntentModel => ({
    rank: async () => [
      { intent, score: 0.99 },
      { intent: "other", score: 0.01 },
    ],
  });

  it.each<[Intent, string, string]>([
    ["thanks", "when is the deadline for the lab report?", "cheers, will do"],
    ["thanks", "ok but which room is it in?", "ok 👍"],
    ["resume", "can I get an extension", "you can text me again"],
    ["resume", "the wifi in halls is down again", "turn the messages back on please"],
    ["pause", "is the exam in the sports hall", "not now, maybe after exams"],
    ["stop", "where do i hand in my lab book", "please stop texting me"],
    ["consent_withdraw", "how do i withdraw from a module", "i withdraw my consent"],
    ["erasure", "can i remove a module from my plan", "delete all my data"],
    ["data_copy", "ive handed in all my coursework already", "send me a copy of my data"],
    ["my_data", "what room is my seminar in", "how many lectures have i missed"],
    ["privacy_question", "when does term finish", "who can see my replies?"],
    ["why", "where is lecture theatre 3", "why did i get this"],
    ["needs_help", "how much are the resit fees", "can i talk to my tutor"],
  ])("%s only with a word that says it: %j is other, %j is not", async (intent, without, withCue) => {
    expect((await classifyMessage(without, {}, sureOf(intent))).intent).toBe("other");
    expect((await classifyMessage(withCue, {}, sureOf(intent))).intent).toBe(intent);
  });

  it("still reads crisis and distress first, whatever the cues", async () => {
    expect((await classifyMessage("thanks, but i want to kill myself", {}, sureOf("thanks"))).intent).toBe("crisis");
    expect((await classifyMessage("pause these, my dad died", {}, sureOf("pause"))).intent).toBe("distress");
  });

  it.each([
    "when is the deadline for the lab report?",
    "can I get an extension",
    "is the deadline for the lab report this friday or next?",
    "is the lab report due this friday or next?",
  ])("reads the reported question %j as other (the tutor reads it), not thanks, resume or distress", async (text) => {
    expect(await classify(text)).toMatchObject({ intent: "other", safeguarding: "none" });
  });
});

describe("every sentence of a message is read for crisis and distress", () => {
  it("finds distress beside an ordinary question that outweighs it in the whole message", async () => {
    const partial: IntentModel = {
      rank: async (text) =>
        text.trim() === "I haven't eaten in days"
          ? [
              { intent: "distress", score: 0.9 },
              { intent: "other", score: 0.1 },
            ]
          : [{ intent: "other", score: 1 }],
    };
    expect(await classifyMessage("when's the coursework due? I haven't eaten in days", {}, partial)).toMatchObject({
      intent: "distress",
      safeguarding: "distress",
    });
    expect((await classifyMessage("when's the coursework due?", {}, partial)).intent).toBe("other");
  });

  it.each([
    "is the essay due friday? my grandad died on sunday and i can't think straight",
    "whens the coursework due - i havent eaten in days",
    "do i need to pay the resit fee, i feel like giving up on everything",
    "can i have an extension, i've been in and out of hospital",
  ])("%s -> crisis or distress", async (text) => {
    expect(["crisis", "distress"]).toContain((await classify(text)).safeguarding);
  });
});
