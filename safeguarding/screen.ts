/**
 * The first look at every student message, before anything else reads it: could this be a crisis
 * (suicidal thoughts, self-harm, an overdose, immediate danger, abuse) or distress (bereavement,
 * mental health, not coping, serious illness, money, housing, caring, loneliness)?
 *
 * Phrases, not a model, on purpose: a crisis must be recognised every time, in words nobody wrote
 * in the training corpus, and a phrase list can be read and checked line by line by a wellbeing
 * team. The intent model (conversations/intent-model.ts) runs beside it and can only raise the level, never lower
 * it. Typos in the key words are forgiven ("suicdal", "depresed") by an edit-distance match.
 *
 * A hit is a reason for a person to read the message, never a diagnosis; false alarms are the
 * accepted price of never missing one (invariant 7).
 */
import { distance } from "fastest-levenshtein";
import { normalise, wordsOf } from "../core/index.ts";

export type SafeguardingLevel = "none" | "distress" | "crisis";

export type CrisisReason = "suicidal" | "self_harm" | "overdose" | "danger" | "abuse";
export type DistressReason = "bereavement" | "mental_health" | "not_coping" | "illness" | "money" | "housing" | "caring" | "loneliness" | "hard_times";

export interface Screening {
  level: SafeguardingLevel;
  /** What was recognised, e.g. ["suicidal"] or ["bereavement", "money"]: for staff, never for the student. */
  reasons: (CrisisReason | DistressReason)[];
}

const RELATIVE =
  "(?:mum|mom|mam|mother|mummy|dad|father|daddy|nan|nana|nanna|gran|granny|grandma|grandmother|grandad|granddad|grandpa|grandfather|grandparents?|brother|bro|sister|sis|sibling|son|daughter|baby|child|husband|wife|partner|boyfriend|girlfriend|bf|gf|fiance|fiancee|uncle|auntie|aunty|aunt|cousin|niece|nephew|friend|best friend|mate|flatmate|housemate|stepmum|stepdad|step mum|step dad|family|parents?)";

/** Phrases of crisis, on normalised text (see normalise.ts: "can't" is "can not", "im" is "i am"). */
const CRISIS: ReadonlyArray<[CrisisReason, RegExp]> = [
  [
    "suicidal",
    /\bsuicid\w*|\bkill(?:ing)? (?:my ?self|me ?self)\b|\bkms\b|\bun ?alive\b|\bend(?:ing)? (?:it all|my life|my own life|things|everything|my suffering|the pain|my pain)\b|\b(?:want|wanna|going|gonna|ready|need|just|thinking (?:of|about)|planning|plan|might|should|could|tempted) (?:to )?end(?:ing)? it\b|\btake my (?:own )?life\b|\b(?:want|wanna|going|ready|need|planning|plan|tempted|deserve) to die\b|\bwant(?:ed)? (?:to be|be) dead\b|\bwish(?:ed)? i (?:was|were) dead\b|\bwish(?:ed)? i (?:was|were|had) (?:never|not) (?:been )?born\b|\bwish i (?:could )?(?:just )?(?:die|disappear|not wake up|never wake up|did not wake up|was not here|was not alive|could sleep for ?ever)\b|\bnever (?:want to )?wake up\b|\bbetter off (?:dead|without me)\b|\b(?:do not|does not|not|no longer) (?:really )?(?:want|wanna|wish) to (?:be here|live|be alive|exist|wake up|carry on|go on|be around|keep going)\b|\b(?:do not|not) (?:think|know if|know whether|sure if|sure that|sure) i (?:really )?(?:want|wanna) to (?:be here|live|be alive|exist|go on|carry on|keep going)\b|\bnot sure (?:if |that )?i (?:want|wanna) to (?:be here|live|be alive|exist|go on|carry on|keep going)\b|\bno (?:point|reason|use) (?:in |to |of )?(?:living|live|life|being alive|being here|going on|carrying on|existing|trying any ?more|me being here)\b|\bwhat is the point (?:in |of )?(?:living|life|anything|it all|going on|carrying on|trying|being here|being alive|any ?more|of me)\b|\bwhy am i (?:still )?(?:here|alive)\b|\b(?:can|could) not (?:go on|carry on|keep going)(?! with)\b|\b(?:can|could) not (?:do|take|handle) (?:this|it|life) any ?more\b|\bsee (?:the|any) point (?:in|of) (?:living|life|being alive|being here|going on|existing|anything|any of it)\b|\bnot worth (?:living|being alive|it any ?more)\b|\blife (?:is not|is no longer|not) worth\b|\b(?:tired|sick) of (?:living|being alive|life|existing)\b|\bgive up on (?:life|living|everything)\b|\b(?:goodbye|bye) (?:for ?ever|everyone|world|cruel world)\b|\bfinal goodbye\b|\bthis is (?:my )?goodbye\b|\bdisappear for ?ever\b|\bnot (?:be|being) (?:around|here) (?:much longer|any ?more|for much longer)\b|\bwill not be (?:around|here) (?:much longer|for long|any ?more)\b|\bjump(?:ing)? (?:off|in front|from) (?:a |the )?(?:bridge|building|roof|train|car|cliff|balcony|window)\b|\bhang(?:ing)? my ?self\b|\bslit\b|\bpills? to (?:end|sleep for ?ever|die)\b|\bno way out\b|\bnothing (?:left )?to live for\b|\b(?:world|everyone) (?:would be|is) better (?:off )?without me\b|\b(?:eisiau|isio|isie|moyn) marw\b|\b(?:eisiau|isio) byw\b|\bl?ladd fy hun\b|\bun ?aliv\w*|\b(?:i will|i am going to|gonna) be dead\b|\bbe dead (?:soon|by|before)\b|\b(?:will not|not going to|will never) be (?:here|around|alive)\b|\bdone with (?:life|living|everything|it all|being alive)\b|\bstop existing\b|\bkeep my ?self safe\b|\bsaving (?:up )?(?:my )?(?:pills|tablets|meds)\b|\b(?:if|when) i (?:just )?(?:was|were|am) (?:gone|not here|not around|dead|no longer here)\b|\bif i (?:just )?(?:disappeared|died|vanished|was not here|was not around|wasnt here)\b|\b(?:miss|notice) (?:me )?if i\b|\bgone for good\b|\bways to (?:do it|die|end it|kill|end my)\b|\b(?:thinking|thought|think) (?:about|of) jumping\b|\b(?:roof|rooftop|ledge|edge of)\b.*\bjump\w*|\b(?:got|bought|have|found) a rope\b|\b(?:do not|can not|not) see my ?self (?:making it|being here|being around|alive|getting through)\b|\bgo dark (?:permanently|for ?ever|for good)\b|\bpermanent (?:sleep|solution)\b|\b(?:by|on|near|at|standing on|standing by|walked to) the (?:train )?(?:tracks|railway line|railway)\b|\b(?:reason|point) (?:to|in|of) (?:keep |keeping |carry on |go on )?(?:living|live|being alive)\b|\brather (?:be dead|die|not be alive|not exist|not be here)\b|\bsleep and (?:not|never) wake\b|\bsaying goodbye\b|\bhow to (?:end it|kill|die)\b|\b(?:be around|be here) (?:much longer|for much longer|for long)\b|\bgiven away (?:all )?my (?:stuff|things|belongings)\b|\bwhere i am going\b|\bbridge\b.*\b(?:thinking|think|jump)\w*|\b(?:go to |just )?sleep for ?ever\b|\bhope i (?:just )?(?:do not|never) wake up\b|\b(?:vanish|disappear) (?:and never|for good|for ?ever)\b|\bwant (?:it|this|everything|life) (?:all )?to (?:be over|end|stop)\b|\bno reason (?:for me )?to (?:be alive|live|be here|go on|exist|keep going)\b|\b(?:can not|do not|no) see (?:a|any) way out\b|\bway out except\b|\b(?:i am|feel like|felt like) (?:such )?a burden\b/,
  ],
  [
    "self_harm",
    /\bself ?harm\w*|\bsh again\b|\b(?:cut|cutting|cuts|burn|burning|burnt|hurt|hurting|harm|harming|punish|punishing|starve|starving|scratch|scratching|hit|hitting) (?:my ?self|my arms?|my wrists?|my legs?|my thighs?|my skin)\b|\b(?:been|started|start|back to|relapsed?(?: and)?) cutting\b|\bcutting again\b|\brelapsed\b|\bcut (?:again|too deep|deeper|my ?self)\b|\bcutting (?:most days|every day|again|more|my ?self)\b|\bgetting deeper\b|\buntil (?:they|it) bleeds?\b/,
  ],
  [
    "overdose",
    /\boverdos\w*|\bod(?:'d|ed)?\b(?! on (?:coffee|caffeine|sugar|work|red ?bull|energy))|\b(?:took|taken|take|taking|swallowed|swallow|had|downed|necked) (?:all |a |an |the |my |whole |entire |loads |lots |load |bunch |handful |too many |a lot |way too many |\d+ |of |packet |packets |box |boxes |bottle |strip )*(?:pills?|tablets?|paracetamol|ibuprofen|co ?codamol|sleeping pills|meds|medication|medicine|painkillers|antidepressants|sertraline|codeine)\b(?! (?:for|as|with|because|cause) )/,
  ],
  [
    "danger",
    /\b(?:i am|i feel|feel|feeling|i do not feel) (?:not safe|unsafe|in danger|scared for my life|afraid for my life|terrified for my life)\b|\bnot safe (?:at home|here|right now|now|to go home|in my (?:house|flat|room))\b|\b(?:someone|somebody|a man|a guy|he|she|they|people) (?:is|are|keeps?|has been|have been|was) (?:following|stalking|threatening|watching) me\b|\b(?:going|gonna|threatened|threatening|trying|tried|wants|want) to (?:hurt|kill|attack|stab|beat|rape) me\b|\b(?:he|she|they|someone) (?:will|is going to|wants to) (?:kill|hurt) me\b|\bthreatened to kill\b|\bscared (?:he|she|they) will (?:hurt|kill)\b|\b(?:been|keeps?|is|was|are|were) following me\b|\btrying to (?:get|break) in\b|\b(?:broke|broken|breaking) into my (?:room|house|flat|home|car)\b|\b(?:was|been|got|i was|i have been) (?:attacked|mugged|jumped|stabbed)\b|\bthreaten(?:s|ed|ing) me\b|\b(?:do not|does not|never) feel safe\b|\bnot feel safe\b|\bwill not (?:go away|leave me alone)\b|\bthreaten(?:s|ed|ing)? to (?:hurt|kill|attack|beat|stab|rape)\b/,
  ],
  [
    "abuse",
    /\brap(?:e|ed|ist)\b|\bsexual(?:ly)? (?:assault\w*|abus\w*|harass\w*)|\bassault(?:ed)?\b|\babus(?:ed|er|ers|ive|ing me)\b|\b(?:being|sexual|domestic|physical|physically|emotional|emotionally|verbal|mental|child|suffered|suffering|experienced|experiencing|victim of|survivor of|of) abuse\b|\babuse (?:at home|from (?:my|him|her)|by (?:my|him|her))\b|\b(?:punch(?:ed|es|ing)|kick(?:ed|s|ing)|strangl(?:ed|es|ing)|chok(?:ed|es|ing)|slap(?:ped|s|ping)|grabbed) me\b|\bbeat(?:s|ing)? me up\b|\bdomestic (?:violence|abuse)\b|\bcoercive\b|\bgroped\b|\bspiked\b|\bstalk(?:er|ed|ing)\b|\bforced (?:himself|herself|themselves) on me\b|\b(?:will not|would not|does not|do not) let me (?:leave|go out|see (?:my )?(?:friends|family))\b|\bcontrols? (?:my money|everything i do|who i see|my phone)\b|\b(?:inappropriately|sexually) touched me\b|\btouched me (?:inappropriately|without|against|when i)\b|\bmade me do (?:things|stuff|sexual)\b|\bgrooming\b|\bblackmail\w*|\bsextort\w*|\b(?:he|she|they|dad|mum|father|mother|stepdad|stepmum|partner|boyfriend|girlfriend|bf|gf|husband|wife|brother|sister|ex|uncle) (?:hurts|hits|beats|kicks|chokes|slaps) me\b|\bgetting (?:hit|beaten|hurt) at home\b|\b(?:he|she|they|dad|mum|partner|boyfriend|girlfriend|bf|gf|husband|wife|ex) (?:hit|beat|hurt|kicked|punched) me\b|\bhit me (?:again|last night|when|if|every|because)\b|\b(?:yn )?fy mrifo\b|\bbrifo fi\b|\b(?:gets|is|turns|getting|got) (?:violent|aggressive)\b|\btakes? my (?:phone|keys|money|cards|passport)\b|\blet me (?:go anywhere|go out|leave)\b|\bforced marriage\b|\bforced to (?:get )?marr\w*|\btouch(?:es|ing) me\b|\bmarry someone\b/,
  ],
];

/** Phrases of distress (only read when no crisis phrase matched). */
const DISTRESS: ReadonlyArray<[DistressReason, RegExp]> = [
  [
    "bereavement",
    new RegExp(
      `\\b(?:(?:${RELATIVE}|someone|somebody|person|he|she|they|pet|dog|cat|classmate) (?:has |had |just |suddenly |recently |sadly |unexpectedly |then )*(?:died|passed)\\b(?! (?:her|his|their|the|my|an?|all|every) )|(?:is|was|are) (?:\\w+ )?dying\\b(?! (?:to|of))|death of|sudden death|passed away|passing of|past away|funeral|bereave\\w*|grie(?:f|ving|ve)|mourning|death in the family|lost (?:my|our) ${RELATIVE}|loss of (?:my|our) ${RELATIVE}|(?:my|our) ${RELATIVE} (?:is|was|has) (?:killed|dead|gone)|rest in peace|rip|miscarri\\w*|stillborn|wedi marw)\\b`,
    ),
  ],
  [
    "mental_health",
    /\bdepress\w*|\banxi\w*|\bpanic(?:king|ky)?\b|\bmental(?:ly)?\b|\bbreakdown\b|\bbreaking down\b|\bburn(?:ed|t)? ?out\b|\bhopeless\w*|\bworthless\b|\bnumb\b|\bempty inside\b|\bdark place\b|\brock bottom\b|\bhate (?:my ?self|my life|everything|being alive)\b|\b(?:crying|cry|cried) (?:all|every|non ?stop|myself|so much|a lot|constantly)\b|\bcan not stop crying\b|\bin tears\b|\blosing my mind\b|\bgoing mad\b|\bptsd\b|\btrauma\w*|\bocd\b|\bbipolar\b|\bpsychosis\b|\bschizo\w*|\beating disorder\b|\banorexi\w*|\bbulimi\w*|\bnot eating\b|\bcan not (?:eat|sleep|get out of bed|face (?:anything|anyone|it|uni|people))\b|\binsomnia\b|\bnot sleeping\b|\bhave not slept\b|\b(?:counsell?(?:ing|or)|therapist|therapy|camhs|crisis team|psychiatrist|antidepressants?)\b|\b(?:feel|feeling|felt|am|been|so|really) (?:so |really |very |proper |pretty |quite |super |completely |totally |just |a bit |kind of |kinda )*(?:low|down|awful|terrible|horrible|hopeless|worthless|empty|broken|rubbish|shit|crap|miserable|useless|like a failure|like shit|like crap|like rubbish|sad|unhappy|scared|afraid|frightened|terrified|overwhelmed|exhausted|drained|alone|lonely|isolated|ashamed|guilty|defeated|desperate|suicidal|unwell|anxious|paranoid|awful)\b(?! (?:for|to) (?:a )?(?:chat|talk|meeting|it))/,
  ],
  [
    "not_coping",
    /\bcan not cope\b|\bcould not cope\b|\b(?:can|could) not (?:handle|deal|manage|take it)\b|\bend of my (?:rope|tether)\b|\b(?:honestly|to be honest|actually|but|really|so) (?:i am )?struggling\b|\bi am (?:really |actually |honestly |so |properly |proper )?struggling(?! with (?:the|my|this|an?|some|one) (?:essay|assignment|module|coursework|maths|math|course|work|lab|report|reading|stats|code|coding|dissertation|referencing|exam|exams|revision|topic|lecture|lectures|content|deadline|deadlines))\b|\bi am (?:really |actually |honestly )?not\s*$|\b(?:fine|ok|okay|good|alright)\W+(?:\w+\W+){0,3}not really\b|\b(?:everything|it) (?:has |have )?(?:gone|going) wrong\b|\bhead above water\b|\bheads? (?:is )?a mess\b|\ba wreck\b|\bheart ?broken\b|\bamser caled\b|\bnot coping\b|\bstruggling to cope\b|\bstruggling (?:so much|a lot|badly|massively|with (?:everything|life|my mental|my health|my head|things|stuff at home))\b|\b(?:really|so|proper|properly|seriously|massively|badly) struggling\b|\bfalling apart\b|\bend of my tether\b|\bbreaking point\b|\bat my limit\b|\btoo much (?:for me|to handle|to deal with|going on)\b|\b(?:it is|everything is|it all|life is|all|its all|everything|things are) (?:just )?(?:too much|a mess|falling apart|getting on top of me|getting too much)\b|\b(?:i am|i feel|feeling|honestly|really|actually|just|but|and|been|doing|am|im) not (?:ok|okay|fine|alright|all right|coping|doing (?:well|good|great|ok|okay|so well|too well)|in a good (?:place|way|headspace))\b|\bnot (?:ok|okay|fine|alright|all right)\b(?! (?:with|to (?!be honest)|for|that|if|by|at|on|being|having|sending|messaging|texting|me|you))|\bhaving a (?:hard|tough|rough|bad|difficult|horrible|awful) (?:time|few weeks|week|month|year|term)\b|\bgoing through (?:a lot|so much|stuff|things|some stuff|some things|hell|a (?:hard|tough|rough|bad|difficult) (?:time|patch))\b|\b(?:hard|tough|rough|difficult|horrible|awful) (?:time|patch|few weeks|few months)\b|\bdrowning\b|\boverwhelm\w*|\bno energy\b|\bexhausted\b|\bi am a mess\b|\bon top of me\b/,
  ],
  [
    "illness",
    /\b(?:in|to|into|from|at the|out of) hospital\b|\bhospitali[sz]ed\b|\bhospital (?:appointment|stay|admission|bed|ward)\b|\ba ?& ?e\b|\bsurgery\b|\boperation\b|\bcancer\b|\bchemo\w*|\bradiotherapy\b|\btumou?r\b|\bdiagnos\w*|\b(?:really|seriously|very|quite|so|been|was|am|i am|fell|got|getting) (?:really |very |quite |so |seriously )?(?:ill|poorly|unwell|sick(?! of))\b|\billness\b|\bterminal\b|\bstroke\b|\bheart attack\b|\bseizures?\b|\bepilep\w*|\bcovid\b|\bglandular\b|\bpneumonia\b|\bmeningitis\b|\bsepsis\b|\bchronic\b|\bflare ?ups?\b|\bpregnan\w*|\binjur\w*|\bbroke my (?:leg|arm|wrist|ankle|foot|hand|back|collarbone)\b|\b(?:car|bike|road|bad) (?:accident|crash)\b|\b(?:had|in) an accident\b|\bconcussion\b|\bambulance\b|\bbleeding\b|\bsigned off\b|\bintensive care\b|\bicu\b|\bhospice\b|\bpalliative\b|\bdementia\b|\balzheimer\w*|\bleuk\w*mia\b|\blymphoma\b|\bsclerosis\b|\bdialysis\b|\btransplant\b/,
  ],
  [
    "money",
    /\bcan not afford\b|\bcould not afford\b|\bno money\b|\bout of money\b|\b(?:run|ran|running) out of money\b|\bskint\b|\b(?:i am|so|completely|totally|flat|proper|properly|really|dead|very|absolutely) broke\b|\bdebts?\b|\barrears\b|\boverdraft\b|\bbailiffs?\b|\bfood ?banks?\b|\bhungry\b|\bstarving\b|\bstudent finance (?:has not|have not|did not|not|still|is late|delayed|messed|stopped|cut)\b|\blost my job\b|\bsacked\b|\bmade redundant\b|\bbills\b|\bhardship\b|\bpay (?:my |the )?rent\b|\brent (?:is )?(?:due|late|owed)\b|\bmoney (?:problems|issues|worries|troubles|stress)\b|\bfinancial (?:problems|issues|difficult\w*|hardship|trouble|worries|stress|mess)\b|\bcost of living\b|\bcan not pay\b|\bworking (?:two jobs|40 hours|every night) to (?:pay|afford|cover)\b|\brents? (?:is |are )?(?:over ?due|due|late|owed)\b|\b(?:bank|account|accounts) (?:is |are )?empty\b|£ ?\d+ (?:left|in my (?:account|bank))\b|\bbetween food and\b|\bcan not (?:buy|get|afford) food\b/,
  ],
  [
    "housing",
    /\bhomeless\w*|\bnowhere to (?:live|stay|sleep|go)\b|\bsofa ?surf\w*|\bkicked out\b|\bthrown out\b|\bevict\w*|\blandlord\b|\bhousing\b|\bsleeping rough\b|\bno heating\b|\bmould\b|\bunsafe (?:house|flat|accommodation)\b|\bliving in (?:my|a) car\b|\b(?:mates|friends|friend's|mate's) (?:floor|sofas?|couch)\b|\btenancy\b|\bno place (?:of my own|to (?:live|stay|sleep))\b/,
  ],
  [
    "caring",
    /\bcarer\b|\bcaring for\b|\blook(?:ing)? after my (?:\w+ )?(?:mum|mom|mam|mother|dad|father|nan|gran|grandma|grandad|brother|sister|son|daughter|baby|kids|children|family|parents?|partner)\b|\bchildcare\b|\blook(?:ing)? after (?:my )?(?:little |younger |baby |elderly |disabled |poorly )?(?:sisters|brothers|siblings|kids|children|her|him|them)\b|\bonly one who can look after\b|\bsingle (?:mum|mom|parent|dad)\b/,
  ],
  [
    "loneliness",
    /\blonely\b|\bloneliness\b|\bisolated\b|\bno friends\b|\bno one to talk to\b|\bnobody to talk to\b|\bnobody cares\b|\bno one cares\b|\bon my own all the time\b|\bhomesick\b|\b(?:do not|not) (?:really )?feel like my ?self\b|\beverything is grey\b|\b(?:do not|does not) (?:really )?have any friends\b|\binvisible\b|\bno one (?:even )?notices me\b|\bnobody (?:even )?notices me\b|\bbullied\b|\bbullying\b|\bharass\w*|\bracis\w*|\bdiscriminat\w*/,
  ],
  [
    "hard_times",
    /\bfamily (?:problems|issues|emergency|stuff|crisis|things|troubles)\b|\bpersonal (?:problems|issues|circumstances|reasons|stuff)\b|\bdivorc\w*|\bsplit up\b|\bbroke up\b|\bbreak ?up\b|\b(?:parents|mum and dad) (?:are )?(?:splitting|separating|divorcing)\b|\bddim yn iawn\b|\bextenuating\b|\bmitigating\b|\barrested\b|\bpolice\b|\bprison\b|\bdeport\w*|\brefugee\b|\basylum\b/,
  ],
];

/** Words a slip of the finger should not hide: misspellings within a small edit distance are read as them. */
const KEY_WORDS = [
  "suicide",
  "suicidal",
  "overdose",
  "overdosed",
  "depressed",
  "depression",
  "anxiety",
  "anxious",
  "funeral",
  "bereavement",
  "hopeless",
  "worthless",
  "homeless",
  "evicted",
  "hospital",
  "struggling",
  "overwhelmed",
  "assaulted",
  "harming",
];

function correctKeyWords(words: readonly string[]): string[] {
  return words.map((word) => {
    if (word.length < 7 || KEY_WORDS.includes(word)) return word;
    for (const key of KEY_WORDS) {
      const allowed = key.length >= 9 ? 2 : 1;
      if (Math.abs(key.length - word.length) <= allowed && word[0] === key[0] && distance(word, key) <= allowed) return key;
    }
    return word;
  });
}

/**
 * Crisis words that a student may say are absent ("I'm not suicidal", "I'd never hurt myself"): only
 * these are read as negated by a "not" or "never" just before them. Phrases whose meaning already
 * holds a negation ("I don't see the point in living") are never negated.
 */
const NEGATABLE = /^(?:suicid|kill|hurt|harm|self ?harm|cut|overdos|end (?:my life|it all)|want to die)/;
const NEGATION_BEFORE = /\b(?:not|never|nothing like)\s+(?:\w+\s+){0,2}$/;

/** Emoji that say sadness or heartbreak rather than laughter. */
const DISTRESS_EMOJI = /\u{1F494}|\u{1F622}|\u{1F61E}|\u{1F614}|\u{1F625}|\u{1F630}|\u{1F628}|\u{1F629}|\u{1F62B}|\u{1F97A}|\u{1F494}/u;

export function screenMessage(text: string): Screening {
  const normalised = normalise(text);
  const flat = ` ${correctKeyWords(wordsOf(normalised)).join(" ")} `;
  const crisis: CrisisReason[] = [];
  let negatedCrisis = false;
  for (const [reason, pattern] of CRISIS) {
    const global = new RegExp(pattern.source, "g");
    for (const match of flat.matchAll(global)) {
      if (NEGATABLE.test(match[0].trim()) && NEGATION_BEFORE.test(flat.slice(0, match.index))) {
        negatedCrisis = true;
        continue;
      }
      if (!crisis.includes(reason)) crisis.push(reason);
    }
  }
  if (crisis.length) return { level: "crisis", reasons: crisis };
  const distress: DistressReason[] = [];
  for (const [reason, pattern] of DISTRESS) if (pattern.test(flat)) distress.push(reason);
  // A crisis word said to be absent ("I'm not suicidal, just stressed") is still read by a person.
  if (negatedCrisis && !distress.includes("mental_health")) distress.push("mental_health");
  if (distress.length === 0 && DISTRESS_EMOJI.test(text)) distress.push("mental_health");
  return distress.length ? { level: "distress", reasons: distress } : { level: "none", reasons: [] };
}

const ORDER: Record<SafeguardingLevel, number> = { none: 0, distress: 1, crisis: 2 };

/** The more serious of two levels. */
export function higherLevel(a: SafeguardingLevel, b: SafeguardingLevel): SafeguardingLevel {
  return ORDER[a] >= ORDER[b] ? a : b;
}
