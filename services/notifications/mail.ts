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

export function createMailer(options: MailOptions): Mailer {
  const message = (mail: OutgoingMail) => ({
    from: options.from,
    to: mail.to,
    subject: mail.subject,
    text: mail.text,
    html: mail.html,
    headers: { 'Content-Language': mail.language },
  });

  if (options.smtpUrl) {
    const transport = nodemailer.createTransport(options.smtpUrl);
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
