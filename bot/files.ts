import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { Application } from '@microsoft/teams-ai';
import type { Activity, Attachment, TurnContext } from 'botbuilder';
import { z } from 'zod';
import type { OutgoingFile, ReceivedFile } from '../dialogs/feature';
import { TEAMS_CHANNEL_ID } from './replies';
import type { AppTurnState } from './turnState';
import { WEB_CHAT_CHANNEL_ID } from './http/webChat/webChatAdapter';

/**
 * Files between the bot and a person. Teams: a bot in a personal chat hands a file over through the file consent
 * card (the file is uploaded when the person accepts), and receives one as a download link in a
 * `file.download.info` attachment. The web chat has no OneDrive: a file goes out as a data: URL in the message, and
 * comes in through the Direct Line upload, which hands the bytes to the turn the same way.
 */

export const FILE_CONSENT_CARD = 'application/vnd.microsoft.teams.card.file.consent';
export const FILE_INFO_CARD = 'application/vnd.microsoft.teams.card.file.info';
export const FILE_DOWNLOAD_INFO = 'application/vnd.microsoft.teams.file.download.info';

/** Longest upload of a file to OneDrive: the largest export over a slow link, not a server that never answers. */
const UPLOAD_TIMEOUT_MS = 60_000;
/** Longest download of a person's file, body included: the largest import accepted over a slow link. */
const DOWNLOAD_TIMEOUT_MS = 60_000;

/** Teams' consent card; `context` comes back with the answer, untouched by Teams but to be checked again. */
export function fileConsentActivity(file: OutgoingFile, context: Record<string, unknown>): Partial<Activity> {
  return {
    type: 'message',
    attachments: [
      {
        contentType: FILE_CONSENT_CARD,
        name: file.name,
        content: { description: file.description, sizeInBytes: file.bytes.length, acceptContext: context, declineContext: context },
      },
    ],
  };
}

/**
 * The web chat's file: a data: URL in the message, so the file is never stored as a file nor reachable by an
 * address; the transcript holding it is the person's own conversation, behind its token.
 */
export function dataUrlActivity(file: OutgoingFile): Partial<Activity> {
  return {
    type: 'message',
    text: file.message ?? file.description,
    // The attachment names the bare media type; the data: URL keeps its parameters (a CSV's charset).
    attachments: [{ contentType: file.contentType.split(';')[0]!.trim(), name: file.name, contentUrl: `data:${file.contentType};base64,${file.bytes.toString('base64')}` }],
  };
}

/** Sends the file the way the channel can take it. */
export async function sendFile(context: TurnContext, file: OutgoingFile, consentContext: Record<string, unknown>): Promise<void> {
  await context.sendActivity(context.activity.channelId === TEAMS_CHANNEL_ID ? fileConsentActivity(file, consentContext) : dataUrlActivity(file));
}

const uploadInfoSchema = z.object({
  name: z.string().min(1).max(255),
  uploadUrl: z.url({ protocol: /^https?$/ }),
  contentUrl: z.url({ protocol: /^https?$/ }),
  uniqueId: z.string().max(200),
  fileType: z.string().max(20),
});

/** Teams' answer to a consent card whose context is `contextSchema`'s. */
export function fileConsentSchema<T extends z.ZodType>(contextSchema: T) {
  return z.object({ action: z.enum(['accept', 'decline']), context: contextSchema, uploadInfo: uploadInfoSchema.optional() });
}

/** Uploads an accepted file where Teams says and shows it in the chat; false when the upload failed. */
export async function deliverConsentedFile(context: TurnContext, uploadInfo: z.infer<typeof uploadInfoSchema>, file: OutgoingFile): Promise<boolean> {
  // An upload session takes the whole file as one range.
  const uploaded = await fetch(uploadInfo.uploadUrl, {
    method: 'PUT',
    headers: { 'content-type': file.contentType, 'content-range': `bytes 0-${file.bytes.length - 1}/${file.bytes.length}` },
    body: new Uint8Array(file.bytes),
    signal: AbortSignal.timeout(UPLOAD_TIMEOUT_MS),
  }).then((response) => response.ok, () => false);
  if (!uploaded) return false;
  await context.sendActivity({
    type: 'message',
    attachments: [{ contentType: FILE_INFO_CARD, contentUrl: uploadInfo.contentUrl, name: uploadInfo.name, content: { uniqueId: uploadInfo.uniqueId, fileType: uploadInfo.fileType } }],
  });
  return true;
}

/**
 * Routes the consent answers whose context names `kind` to `handler`, which answers the person; the invoke itself
 * is acknowledged here. Each feature's consent cards carry their own kind, so features do not see each other's.
 */
export function onFileConsent(app: Application<AppTurnState>, kind: string, handler: (context: TurnContext, state: AppTurnState) => Promise<void>): void {
  app.addRoute(
    async (context) =>
      context.activity.type === 'invoke' && context.activity.name === 'fileConsent/invoke' && (context.activity.value as { context?: { kind?: unknown } } | undefined)?.context?.kind === kind,
    async (context, state) => {
      await handler(context, state);
      await context.sendActivity({ type: 'invokeResponse', value: { status: 200 } });
    },
    true,
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Files people send


const teamsFileSchema = z.object({
  contentType: z.literal(FILE_DOWNLOAD_INFO),
  name: z.string().min(1).max(255),
  content: z.object({ downloadUrl: z.url({ protocol: /^https?$/ }) }),
});
const webChatFileSchema = z.object({
  name: z.string().min(1).max(255),
  contentUrl: z.string().startsWith('data:'),
});

/** The files of a message: Teams' download links, or what the web chat's upload handed over. */
function filesOf(activity: Partial<Activity>): Attachment[] {
  const attachments = activity.attachments ?? [];
  if (activity.channelId === TEAMS_CHANNEL_ID) return attachments.filter((attachment) => attachment.contentType === FILE_DOWNLOAD_INFO);
  if (activity.channelId === WEB_CHAT_CHANNEL_ID) return attachments.filter((attachment) => webChatFileSchema.safeParse(attachment).success);
  return [];
}

export function hasFiles(activity: Partial<Activity>): boolean {
  return activity.type === 'message' && filesOf(activity).length > 0;
}

/**
 * Teams links to files in SharePoint or OneDrive. Nothing else is fetched: a forged activity must not make the bot
 * request an address of the attacker's choosing. Without channel authentication (the Emulator mode, tests), the
 * host that the activity came from serves its files too.
 */
function mayDownload(url: URL, serviceUrl: string | undefined): boolean {
  if (url.protocol === 'https:' && /(^|\.)sharepoint(-df)?\.com$/.test(url.hostname)) return true;
  return serviceUrl !== undefined && URL.canParse(serviceUrl) && new URL(serviceUrl).hostname === url.hostname;
}

/** Opens the one file of a message for reading, without reading it yet. */
export async function receiveFile(activity: Partial<Activity>, options: { trustServiceUrlHost: boolean }): Promise<ReceivedFile> {
  const files = filesOf(activity);
  if (files.length !== 1) return { ok: false, reason: 'several' };
  const teams = teamsFileSchema.safeParse(files[0]);
  if (teams.success) {
    const url = new URL(teams.data.content.downloadUrl);
    if (!mayDownload(url, options.trustServiceUrlHost ? activity.serviceUrl : undefined)) return { ok: false, reason: 'unreachable' };
    // The signal bounds reading the body too: a download that stalls midway ends in an error, not a held turn.
    const response = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS) }).catch(() => null);
    if (!response?.ok || !response.body) return { ok: false, reason: 'unreachable' };
    const length = Number(response.headers.get('content-length'));
    return {
      ok: true,
      file: {
        name: teams.data.name,
        content: Readable.fromWeb(response.body as WebReadableStream<Uint8Array>),
        ...(Number.isFinite(length) && length > 0 ? { declaredBytes: length } : {}),
      },
    };
  }
  const webChat = webChatFileSchema.safeParse(files[0]);
  if (!webChat.success) return { ok: false, reason: 'unreachable' };
  const comma = webChat.data.contentUrl.indexOf(',');
  const bytes = Buffer.from(webChat.data.contentUrl.slice(comma + 1), 'base64');
  return { ok: true, file: { name: webChat.data.name, content: Readable.from([bytes]), declaredBytes: bytes.length } };
}
