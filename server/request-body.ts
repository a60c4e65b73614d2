/**
 * Routes that read their own request body (after authentication, with their own size limit or
 * byte-exact): the service's body parser is told to leave them alone, and they read up to a limit.
 */
import type { IncomingMessage } from "node:http";
import type restify from "restify";

/** Restify's body parser skips requests flagged as already read ("#100"). */
export function readOwnBody(server: restify.Server, path: string, method?: string): void {
  server.pre((req: restify.Request, _res: restify.Response, next: restify.Next) => {
    if ((!method || req.method === method) && req.getPath() === path) Object.assign(req, { _readBody: true, _parsedBody: true });
    return next();
  });
}

/** The body's bytes; rejects with `tooLarge()` as soon as it passes `limit`. */
export function readBodyBytes(req: IncomingMessage, limit: number, tooLarge: () => unknown): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.pause();
        reject(tooLarge());
      } else chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}
