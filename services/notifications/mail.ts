import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import nodemailer from 'nodemailer';

/**
 * Outgoing email through nodemailer: a real SMTP server when SMTP_URL is set, otherwise the stream transport
 * writing each message as an .eml file into the outbox folder, so that a demo without a mail server still produces
 * the exact message a person would receive.
 */

export interface MailOptions {
  smtpUrl?: string;
  from: string;
  outboxDir: string;
}

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  language: string;
  /** Images the HTML shows as `cid:<cid>`: mail clients block images given as data: URIs. */
  inlineImages?: InlineImage[];
}

export interface InlineImage {
  cid: string;
  filename: string;
  contentType: 'image/png';
  content: Buffer;
}

export interface SentMail {
  messageId: string;
  /** The .eml file written, when there is no SMTP server. */
  file?: string;
}

export interface Mailer {
  /** True when messages leave through SMTP; false when they only land in the outbox folder. */
  readonly usesSmtp: boolean;
  send(mail: OutgoingMail): Promise<SentMail>;
}

/**
 * nodemailer waits minutes by default (2 min to connect, 10 min of silence): a mail server that hangs would hold a
 * delivery, and its lease, that long. An SMTP_URL's own query parameters still take precedence.
 */
const SMTP_TIMEOUTS = {
  /** A TCP (and TLS) connection is made in well under a second when the server is up. */
  connectionTimeout: 10_000,
  /** The server's greeting after connecting; a slow but healthy server answers within seconds. */
  greetingTimeout: 10_000,
  /** Silence in the middle of a conversation with the server: one message of ours is small. */
  socketTimeout: 20_000,
  /** Resolving the server's name. */
  dnsTimeout: 10_000,
};

export function createMailer(options: MailOptions): Mailer {
  const message = (mail: OutgoingMail) => ({
    from: options.from,
    to: mail.to,
    subject: mail.subject,
    text: mail.text,
    html: mail.html,
    headers: { 'Content-Language': mail.language },
    attachments: (mail.inlineImages ?? []).map((image) => ({ ...image, contentDisposition: 'inline' as const })),
  });

  if (options.smtpUrl) {
    const transport = nodemailer.createTransport({ url: options.smtpUrl, ...SMTP_TIMEOUTS });
    return {
      usesSmtp: true,
      send: async (mail) => ({ messageId: (await transport.sendMail(message(mail))).messageId }),
    };
  }

  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    usesSmtp: false,
    send: async (mail) => {
      const info = await transport.sendMail(message(mail));
      await fs.mkdir(options.outboxDir, { recursive: true });
      // Named by time and a random id: the folder listing shows no address or subject.
      const file = path.join(options.outboxDir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${crypto.randomUUID()}.eml`);
      await fs.writeFile(file, info.message as Buffer, { flag: 'wx' });
      return { messageId: info.messageId, file };
    },
  };
}
