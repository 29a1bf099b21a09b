import restify from 'restify';

/**
 * The Direct Line upload (directlinejs' postActivityWithAttachments): one multipart/form-data request holding the
 * activity as JSON (a part named "activity") and each file (parts named "file"). Files stay in memory for the turn
 * only, so the limit is small: what an import file may be, and a little room for the rest.
 */

/** Largest upload request accepted; a larger file is refused before it is read. */
export const MAX_UPLOAD_BYTES = 6 * 1024 * 1024;
const MAX_FILES = 5;

export interface UploadedFile {
  name: string;
  contentType: string;
  bytes: Buffer;
}

export type Upload =
  | { ok: true; activity: unknown; files: UploadedFile[] }
  | { ok: false; status: 400 | 413; message: string };

interface Part {
  name: string | null;
  filename?: string;
  mime?: string;
  on(event: 'data', listener: (chunk: Buffer) => void): void;
  on(event: 'end', listener: () => void): void;
}

const UPLOAD = Symbol('directLineUpload');
type WithUpload = restify.Request & { [UPLOAD]?: { parts: Array<{ part: Part; chunks: Buffer[] }>; bytes: number } };

function collect(part: Part, req: restify.Request): void {
  const request = req as WithUpload;
  const upload = (request[UPLOAD] ??= { parts: [], bytes: 0 });
  const entry = { part, chunks: [] as Buffer[] };
  upload.parts.push(entry);
  part.on('data', (chunk) => {
    upload.bytes += chunk.length;
    // Past the limit the rest is dropped; uploadOf answers 413.
    if (upload.bytes <= MAX_UPLOAD_BYTES) entry.chunks.push(chunk);
  });
}

/** The middleware: the size checked from the header first, then every part collected (the activity part too). */
export const readUpload: restify.RequestHandler[] = [
  (req, res, next) => {
    if (Number(req.header('content-length') || 0) > MAX_UPLOAD_BYTES) {
      res.send(413, { error: { code: 'BadArgument', message: `The upload is larger than ${MAX_UPLOAD_BYTES} bytes.` } });
      return next(false);
    }
    next();
  },
  restify.plugins.multipartBodyParser({ mapParams: false, multipartFileHandler: collect, multipartHandler: collect } as restify.plugins.MultipartBodyParser),
];

/** What the request carried, once read. */
export function uploadOf(req: restify.Request): Upload {
  const upload = (req as WithUpload)[UPLOAD];
  if (!upload) return { ok: false, status: 400, message: 'A multipart/form-data body with an activity part is required.' };
  if (upload.bytes > MAX_UPLOAD_BYTES) return { ok: false, status: 413, message: `The upload is larger than ${MAX_UPLOAD_BYTES} bytes.` };
  const activityPart = upload.parts.find(({ part }) => part.name === 'activity');
  const files = upload.parts.filter(({ part }) => part.name === 'file');
  if (!activityPart) return { ok: false, status: 400, message: 'The activity part is missing.' };
  if (files.length > MAX_FILES) return { ok: false, status: 400, message: `At most ${MAX_FILES} files per message.` };
  let activity: unknown;
  try {
    activity = JSON.parse(Buffer.concat(activityPart.chunks).toString('utf8'));
  } catch {
    return { ok: false, status: 400, message: 'The activity part is not JSON.' };
  }
  return {
    ok: true,
    activity,
    files: files.map(({ part, chunks }) => ({
      name: (part.filename || 'file').slice(0, 255),
      contentType: (part.mime || 'application/octet-stream').slice(0, 100),
      bytes: Buffer.concat(chunks),
    })),
  };
}
