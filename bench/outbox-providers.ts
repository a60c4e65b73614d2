/**
 * The outbox benchmark's providers, answering at once: the stand-in Twilio API and an SMTP server
 * on loopback. They run in the benchmark's main process, so their work is not charged to the
 * measured dispatcher process; afterwards they say whether every recipient got exactly one message.
 */
import { spawn } from "node:child_process";
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";
import { startFakeTwilio } from "../test/helpers/fake-twilio.ts";

export interface OutboxProviders {
  twilioUrl: string;
  smtpPort: number;
  /** Forgets what was received. */
  reset(): void;
  /** Messages received, and recipients that got other than exactly one. */
  received(): { sms: number; email: number; notOnce: number };
  close(): Promise<void>;
}

export async function startOutboxProviders(): Promise<OutboxProviders> {
  const twilio = await startFakeTwilio();
  const emails = new Map<string, number>();
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    // A pool of connections from each dispatcher; the default of 100 is plenty, but say so.
    maxClients: 100,
    onData(stream, session, callback) {
      stream.on("data", () => undefined);
      stream.on("end", () => {
        for (const { address } of session.envelope.rcptTo) emails.set(address, (emails.get(address) ?? 0) + 1);
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, "127.0.0.1", resolve));
  const smtpPort = (smtp.server.address() as AddressInfo).port;

  return {
    twilioUrl: twilio.url,
    smtpPort,
    reset() {
      twilio.requests.length = 0;
      emails.clear();
    },
    received() {
      const texts = new Map<string, number>();
      for (const request of twilio.requests) if (!request.fault && request.form.To) texts.set(request.form.To, (texts.get(request.form.To) ?? 0) + 1);
      const counts = [...texts.values(), ...emails.values()];
      return {
        sms: [...texts.values()].reduce((a, b) => a + b, 0),
        email: [...emails.values()].reduce((a, b) => a + b, 0),
        notOnce: counts.filter((n) => n !== 1).length,
      };
    },
    async close() {
      await twilio.close();
      await new Promise<void>((resolve) => smtp.close(() => resolve()));
    },
  };
}

/**
 * Runs bench/outbox.ts in its own process against these providers, without blocking this process
 * (the providers answer from its event loop), and checks what they received.
 */
export async function outboxRunIn(url: string, deliveries: number, dispatchers: number, providers: OutboxProviders): Promise<Record<string, unknown>> {
  providers.reset();
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "bench/outbox.ts", url, String(deliveries), String(dispatchers), providers.twilioUrl, String(providers.smtpPort)],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  let stdout = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk));
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  if (code !== 0) throw new Error(`bench/outbox.ts exited with ${code}`);
  const result = JSON.parse(stdout.trim().split("\n").at(-1)!) as Record<string, unknown>;
  const received = providers.received();
  if (received.sms + received.email !== deliveries || received.notOnce !== 0) {
    throw new Error(
      `the providers received ${received.sms} texts and ${received.email} emails for ${deliveries} deliveries; ${received.notOnce} recipients not exactly once`,
    );
  }
  return result;
}
