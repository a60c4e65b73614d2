// Entry of the fingerprint worker (see fingerprint.ts): plain JavaScript so that Node can start it
// without a loader, then TypeScript through tsx like the rest of the service.
import { register } from "tsx/esm/api";

register();
await import("./fingerprint-job.ts");
