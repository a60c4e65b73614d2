/**
 * Every sentence Nudge itself says to a student, in one place, so the wording can be reviewed (by
 * a wellbeing team, a data-protection officer, students) and later translated. Rule messages are
 * written by admins in the rules; the privacy notice is generated from the settings (privacy/).
 *
 * Placeholders are `{{name}}`, filled with plain text (nothing is HTML-escaped here; each channel
 * escapes for itself). A missing value is an error, never an empty gap (see `say`).
 *
 * The crisis and distress answers follow published safe-messaging guidance (Samaritans, "Media
 * guidelines for reporting suicide", and their advice on responding to someone who may be
 * suicidal): warm and plain, no judgement, no platitudes, say that a person has been told, give
 * ways to get help now. They never thank, never say "reply STOP", and never mention methods.
 */
import Mustache from "mustache";

export const STUDENT_MESSAGES = {
  // --- Crisis and distress (safeguarding) ------------------------------------------------------
  crisis_answer:
    "I'm really sorry you're feeling like this. You don't have to deal with it on your own, and I'm glad you told us.\n\n" +
    "If you're in danger or might act on these thoughts now, call 999 or go to A&E.\n\n" +
    "You can talk to someone right now:\n{{lines}}\n\n" +
    "We've let {{who}} know, and someone will contact you as soon as they can.",
  crisis_answer_sms:
    "I'm really sorry you're feeling like this. You're not alone. If you're in danger now, call 999. Samaritans: 116 123, free, any time. Or text SHOUT to 85258. {{who_short}} will contact you as soon as they can.",
  distress_answer_bereavement:
    "I'm so sorry for your loss. Please go gently on yourself.\n\n" +
    "{{tutor_sentence}} They can talk things through with you, including extra time or other support if your studies are affected.\n\n" +
    "{{wellbeing_sentence}} If things feel too much at any point, Samaritans are there day or night on 116 123 (free).",
  distress_answer:
    "I'm sorry things are so hard at the moment. You don't have to manage it alone.\n\n" +
    "{{tutor_sentence}} They can talk things through with you, including extra time or other support if your studies are affected.\n\n" +
    "{{wellbeing_sentence}} If things get worse or you feel unsafe, call Samaritans on 116 123 (free, any time), or 999 in an emergency.",
  distress_answer_sms_bereavement:
    "I'm so sorry for your loss. {{tutor_short}} will see your message {{when}} and can help with extra time or support. Samaritans: 116 123, free, any time.",
  distress_answer_sms:
    "I'm sorry things are so hard right now. {{tutor_short}} will see your message {{when}} and can help. Samaritans: 116 123, free, any time. In an emergency call 999.",
  tutor_will_see: "{{tutor}} will see your message {{when}}.",
  wellbeing_with_contact: "You can also talk to {{wellbeing}}.",
  wellbeing_without_contact: "The university's wellbeing service can help too.",
  who_safeguarding: "the university's wellbeing and safeguarding team",
  who_safeguarding_short: "The university's wellbeing team",
  who_tutor: "your personal tutor",
  who_tutor_short: "Your personal tutor",

  // --- Answers to what students ask --------------------------------------------------------------
  help_requested:
    "We've asked {{tutor}} to get in touch to arrange a chat. They'll see your message {{when}}. If you need help urgently, contact the Student Centre.",
  help_requested_sms:
    "We've asked {{tutor}} to get in touch to arrange a chat; they'll see this {{when}}. Nudge is a study support service from your university. Reply STOP to opt out.",
  other_received: "{{tutor}} will read your message {{when}}.",
  unverified_request:
    "We received an email asking us to {{what}}. To keep your account safe, we only act on an email like that when we can be sure it came from you, so nothing has changed yet. If it was you, reply to one of our messages, or say it in Teams or by text, and it will be done straight away. {{tutor}} has been told.",
  thanks_answer: "You're welcome. Say \"help\" any time if you'd like a chat with your tutor.",
  pause_answer: 'OK, no messages from Nudge until {{until}}. Your personal tutor can still contact you directly. To start them again sooner, reply "resume".',
  stop_answer_sms: "OK, you won't get any more texts from Nudge. Your personal tutor can still contact you directly. To start them again, reply START.",
  stop_answer:
    'OK, you won\'t get any more messages from Nudge {{channel_words}}. Your personal tutor can still contact you directly. To start them again, say "start".',
  resume_channel: "Welcome back: messages from Nudge will reach you {{channel_words}} again.",
  resume_pause: "Your pause has ended: Nudge may message you again when something might help.",
  resume_nothing: "You haven't stopped or paused Nudge, so there's nothing to restart. Say \"help\" if you'd like a chat with your tutor.",
  consent_granted:
    'Thank you: Nudge will use your engagement data again to check in when things might be getting hard. Say "withdraw consent" at any time to stop.',
  consent_withdrawn:
    "Done: Nudge will no longer use your engagement data, and won't send you any more messages. Nothing changes about your studies or marks, but you'll miss these early offers of support. Your personal tutor can still contact you directly. To opt back in, reply \"opt in\".",
  data_copy_opened: "We've recorded your request for a copy of the data we hold about you (reference DR-{{reference}}). You'll receive it by {{due}}.",
  data_copy_joined:
    "You already asked for a copy of your data on {{asked}} (reference DR-{{reference}}). We're working on it, and you'll receive it by {{due}}.",
  erasure_opened:
    "We've passed your request to erase your data to {{privacy_contact}} (reference DR-{{reference}}). They'll reply by {{due}}, and tell you what can be erased and anything the university must keep. Meanwhile you can reply \"stop\" to stop messages.",
  erasure_joined: "You already asked for your data to be erased on {{asked}} (reference DR-{{reference}}). {{privacy_contact}} will reply by {{due}}.",
  privacy_answer:
    "Who can see your data: {{who}}. Nobody else sees it about you as an individual, and every look at your record is logged.\n\n" +
    "It is used only to offer support, never for marks, progression or discipline. {{retention}}\n\n" +
    'Say "privacy" for the full notice, or ask {{privacy_contact}}.',
  privacy_answer_sms:
    "Only your personal tutor and staff who support you can see your data. It's never used for marks, and it's deleted after your course ends. Details: {{notice_url}}",
  my_data_elsewhere:
    'You can see the figures Nudge has about you, and any flags, in Teams: open the Nudge app and say "my data". Or reply "copy of my data" for a full copy.',
  my_data_footer: 'Data up to {{day}}. Reply "copy of my data" for everything Nudge holds about you, or "why" about any message.',
  my_data_flag_routine: "A routine check of your engagement data.",
  my_data_intro: "Here is what Nudge sees about you at the moment. It's an automatic check, not a judgement, and data can be incomplete.",
  why_no_evidence: "This message wasn't based on your engagement data: it was sent by a member of staff, or in answer to you.",
  why_closing: "It's an automatic check, not a judgement, and the data can be incomplete. Say \"help\" if you'd like to talk it through with {{tutor}}.",
  why_closing_sms: "It's an automatic check, not a judgement. Reply HELP to talk to your tutor.",
  sms_service_info: "Nudge sends study support messages from your university. Reply STOP to opt out. For help, contact the Student Centre.",
  why_check_detailed: 'That\'s from our "{{title}}" check, on data up to {{day}}.',
  why_check: 'That\'s from our "{{title}}" check.',

  // --- Invitations to talk and meetings ---------------------------------------------------------
  invitation_sms: "Hi {{student}}, it's {{tutor}}. Could we have a short chat? Reply {{choices}}: {{slots}}{{zone_note}}",
  invitation_sms_shorter: "Hi {{student}}, it's {{tutor}}. Could we have a short chat? Reply {{choices}}: {{slots}}",
  invitation_sms_shortest: "{{tutor}} would like a short chat. Reply {{choices}}: {{slots}}",
  invitation_teams:
    "Hi {{student}}, it's {{tutor}}. I'd like to have a short chat with you, just to see how things are going. Could you pick one of the times below?{{zone_note}} If none of them suits you, reply and tell me when would.",
  invitation_email_subject: "A short chat with {{tutor}}",
  invitation_email:
    "Hi {{student}},\n\nI'd like to have a short chat with you ({{minutes}} minutes), just to see how things are going. Could you do one of these times?{{zone_note}}\n\n{{slots}}\n\n" +
    "Just reply with {{choices}} and you'll get a calendar invitation. If none of these times suits you, reply and tell me when would.\n\n{{tutor}}",
  invitation_email_own_words:
    "{{text}}\n\nCould you do one of these times?{{zone_note}}\n\n{{slots}}\n\nJust reply with {{choices}} and you'll get a calendar invitation. If none of these times suits you, reply and say when would.",
  invitation_sms_own_words: "{{text}} Reply {{choices}}: {{slots}}",
  invitation_after_help:
    "Hi {{student}}, it's {{tutor}}. Thanks for letting us know you'd like some help. Could we have a short chat? Pick a time that suits you.",
  invitation_after_help_subject: "A chat with your personal tutor",
  meeting_already_booked: "You're already booked: {{when}} with {{tutor}}.{{place}}",
  meeting_not_open: 'That invitation is no longer open. Reply "help" if you\'d still like a chat with {{tutor}}.',
  meeting_still_free: " Still free: {{slots}}. Reply {{choices}}.",
  meeting_none_free_others: ' None of the other times is still free: reply "help" and we\'ll ask {{tutor}} for new ones.',
  meeting_none_free: 'Sorry, none of the times offered is still free. Reply "help" and we\'ll ask {{tutor}} for new ones.',
  meeting_not_a_choice: "Sorry, {{choice}} isn't one of the times offered. Please reply {{choices}}: {{slots}}",
  meeting_past: "Sorry, {{when}} has already passed.{{still_free}}",
  meeting_taken: "Sorry, {{when}} has just been taken.{{still_free}}",
  meeting_booked: "Booked: {{when}} with {{tutor}}.{{place}}{{calendar}} If you can't make it after all, reply here to let {{tutor}} know.",
  meeting_booked_calendar_on_its_way: " A calendar invitation is on its way to your email.",
  meeting_place: " Where: {{location}}.",
  meeting_online: " Online: {{url}}",
  meeting_booked_email_subject: "Booked: a chat with {{tutor}}, {{when}}",
  meeting_booked_email:
    "Hi {{student}},\n\nYou're booked in for a chat with {{tutor}}: {{when}}.{{place}}\n\nThe calendar invitation is attached: accept it to add the chat to your calendar. If you can't make it after all, reply to this email to let {{tutor}} know.",
  meeting_calendar_subject: "Chat: {{student}} and {{tutor}}",
  meeting_calendar_body: "A short chat between {{student}} and {{tutor}}, arranged through Nudge. If you can't make it, please reply to let {{tutor}} know.",
  reminder_sms: "Reminder: your chat with {{tutor}} is {{when}}.{{place}} If you can't make it, reply to let them know.",
  reminder_sms_shorter: "Reminder: your chat with {{tutor}} is {{when}}.",
  reminder_teams: "Reminder: your chat with {{tutor}} is {{when}} ({{slot}}).{{place}} If you can't make it, please reply to let them know.",
  reminder_email_subject: "Reminder: your chat with {{tutor}} {{when}}",
  reminder_email:
    "Hi {{student}},\n\nA reminder that your chat with {{tutor}} is {{when}}: {{slot}}.{{place}}\n\nIf you can't make it, reply to this email to let them know.",

  // --- Data requests, referrals, email pages ----------------------------------------------------
  reply_email_subject: "Your message to Nudge",
  data_copy_email_subject: "A copy of the data we hold about you",
  data_copy_email:
    "Hi {{student}},\n\nas you asked (reference DR-{{reference}}), attached is a copy of everything Nudge holds about you: as data (JSON, for moving to another service) and as a page you can read in a browser (HTML).\n\nIf anything in it is wrong, reply to this email and we'll correct it.",
  // Sent only once the case is queued to the team, so "will get in touch" is a promise someone has been asked to keep.
  referral:
    "Hi {{student}}, it's {{tutor}}. I've passed your details to {{team}}, who will get in touch with you. You can also reply here if you'd like a chat with me.",
  referral_subject: "Your tutor has passed your details on",
  unsubscribe_invalid_title: "This link is not valid",
  unsubscribe_invalid:
    "This unsubscribe link is not valid: it may have been cut short when it was copied. Try the link in the email again, or contact the Student Centre.",
  unsubscribe_unknown_title: "This link is no longer valid",
  unsubscribe_unknown: "We could not find who this unsubscribe link was for. If you still receive Nudge emails, contact the Student Centre.",
  unsubscribe_title: "Unsubscribe from Nudge emails",
  unsubscribe_explained:
    "Nudge sends study support messages from your university. If you unsubscribe, you will get no more of them by email; messages in Teams or by text are not affected.",
  unsubscribe_button: "Unsubscribe from Nudge emails",
  unsubscribed_title: "You have been unsubscribed",
  unsubscribed: "You will not receive Nudge emails any more. If you change your mind, contact the Student Centre and ask for them to be turned back on.",

  // --- Teams, for a student ------------------------------------------------------------------
  teams_help:
    "Nudge sends you short messages when your engagement data suggests things might be getting hard. You can say:\n" +
    '- "I need help" or "talk to my tutor": your personal tutor is asked to arrange a chat\n' +
    '- "why did I get this?": what a message was based on\n' +
    '- "my data": the figures Nudge has about you, and any flags\n' +
    '- "what data do you hold about me?": a copy of your data\n' +
    '- "pause for 2 weeks": no messages for a while, and "resume" to undo it\n' +
    '- "stop": no more messages here, and "start" to undo it\n' +
    '- "privacy": what Nudge does with your data, who can see it, and your rights',
  staff_command_refused: "Sorry, that's something staff can ask me, so I can't help with it here. Say \"help\" to see what you can say.",
  staff_button_refused: "Sorry, that button is for staff.",
  quick_reply_received: "Sent: your tutor will see your reply.",
  unknown_person:
    "Sorry, I don't recognise your account, so I can't show you anything here. If you are a student or a member of staff at the university and think this is wrong, please contact the Student Centre.",
} as const;

export type StudentMessageKey = keyof typeof STUDENT_MESSAGES;

/** The sentence `key` with its placeholders filled; a placeholder without a value is an error. */
export function say(key: StudentMessageKey, values: Record<string, string | number> = {}): string {
  const template = STUDENT_MESSAGES[key];
  for (const [, name] of template.matchAll(/\{\{\s*([a-z_]+)\s*\}\}/g)) {
    if (values[name!] === undefined) throw new Error(`student message ${key}: no value for {{${name}}}`);
  }
  return Mustache.render(template, values, {}, { escape: (text: string) => text });
}
