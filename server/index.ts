/** What tools outside the running service need from it: its configuration (the app package is built from it). */
export { parseConfig, loadConfig, ConfigError, type Config } from "./config.ts";
