import fs from 'node:fs';
import path from 'node:path';
import { Language } from '../../prisma/generated/enums';
import { projectRoot } from '../../services/platform/projectRoot';

/** The troubleshooting topics: one Markdown file each in dialogs/knowledge/<language>/<topic>.md. */
export const topics = [
  'noNetwork',
  'mobileData',
  'pin',
  'voicemail',
  'emailMissing',
  'activationTime',
  'simSwap',
  'linkExpired',
  'portingRefused',
  'simNumberLocation',
  'esimSupport',
  'esimInstall',
  'esimQrScan',
] as const;
export type Topic = (typeof topics)[number];

export interface Article {
  topic: Topic;
  title: string;
  /** The whole answer without its title, as Markdown (Teams and the web chat render it). */
  body: string;
  /** The numbered steps, in order; the last one says what to do when none helped. Empty for plain answers. */
  steps: string[];
}

function parseArticle(topic: Topic, markdown: string, file: string): Article {
  const [heading, ...rest] = markdown.trim().split('\n');
  const title = /^# (.+)$/.exec(heading ?? '')?.[1];
  if (!title) throw new Error(`${file} must start with a "# title" line`);
  const body = rest.join('\n').trim();
  const steps = [...body.matchAll(/^\d+\. (.+)$/gm)].map((match) => match[1]!);
  return { topic, title, body, steps };
}

function loadLanguage(language: Language): Map<Topic, Article> {
  const dir = path.join(projectRoot(), 'dialogs', 'knowledge', language);
  return new Map(
    topics.map((topic) => {
      const file = path.join(dir, `${topic}.md`);
      return [topic, parseArticle(topic, fs.readFileSync(file, 'utf8'), file)];
    }),
  );
}

// Read once at start: a missing article stops the start instead of failing a person's question later.
const articles = new Map(Object.values(Language).map((language) => [language, loadLanguage(language)]));

export function articleFor(language: Language, topic: Topic): Article {
  return articles.get(language)!.get(topic)!;
}
