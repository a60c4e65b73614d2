export { createTeamsBot, type TeamsBot, type BotCredentials } from "./teams-bot.ts";
