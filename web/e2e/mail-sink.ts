// An SMTP server that keeps what it receives, for the mail the tests make
// Mandant send (password resets, invitations). It runs in the global
// setup's process; the tests run in workers, so each message is written as
// a JSON file into a directory they read (mailbox.ts). Plain SMTP without
// STARTTLS or login: Mandant speaks plain SMTP to an `smtp://` URL.
import { renameSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** One received message, as the tests read it. */
export interface SunkMail {
  /** The envelope's recipients (RCPT TO), lower case. */
  to: string[];
  subject: string;
  text: string;
  html: string;
  receivedAt: string;
}

export async function startMailSink(dir: string): Promise<{ port: number; close(): Promise<void> }> {
  let n = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream).then(
        (parsed) => {
          const mail: SunkMail = {
            to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
            subject: parsed.subject ?? '',
            text: parsed.text ?? '',
            html: typeof parsed.html === 'string' ? parsed.html : '',
            receivedAt: new Date().toISOString(),
          };
          const name = `${Date.now()}-${String(n++).padStart(4, '0')}`;
          // Written aside and renamed: a reader never sees half a file.
          writeFileSync(join(dir, `${name}.tmp`), JSON.stringify(mail));
          renameSync(join(dir, `${name}.tmp`), join(dir, `${name}.json`));
          callback();
        },
        (e: Error) => callback(e),
      );
    },
  });
  // Port 0 on loopback: the system picks a free one, with no race.
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;
  return { port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
