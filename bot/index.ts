export { createTeamsBot, createProactiveMessenger, type TeamsBot, type BotCredentials, type BotOptions } from "./teams-bot.ts";
