import { PNG } from 'pngjs';
import QRCode from 'qrcode';
import { z } from 'zod';

/**
 * An eSIM activation code as a QR code (GSMA SGP.22): `LPA:1$<SM-DP+ address>$<matching id>`, optionally followed by
 * `$<SM-DP+ OID>` and `$1` (the phone will ask for a confirmation code). The code installs someone's line: it is
 * secret, so nothing here logs it or puts it in an error message.
 */

// SGP.22 caps the whole activation code at 255 characters.
const MAX_CODE_LENGTH = 255;
// Each part is made of characters the '$' delimiter is not among, so this matches in one pass whatever it is given.
// SGP.22 asks SM-DP+ servers for upper case matching ids; some send lower case, which phones accept.
const ACTIVATION_CODE = /^LPA:1\$([A-Za-z0-9.-]{1,253})\$([A-Za-z0-9-]{1,255})(?:\$[0-9.]{0,64}(?:\$1)?)?$/;
const DNS_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const NOT_A_CODE = 'not an eSIM activation code (LPA:1$<SM-DP+ address>$<matching id>)';

/** What a phone's "Enter details manually" asks for. */
export interface EsimManualEntry {
  smdpAddress: string;
  matchingId: string;
}

const activationCodeSchema = z
  .string()
  .max(MAX_CODE_LENGTH)
  .transform((code, context): EsimManualEntry => {
    const parts = ACTIVATION_CODE.exec(code);
    const smdpAddress = parts?.[1] ?? '';
    if (!parts || !smdpAddress.split('.').every((label) => DNS_LABEL.test(label))) {
      context.addIssue({ code: 'custom', message: NOT_A_CODE });
      return z.NEVER;
    }
    return { smdpAddress, matchingId: parts[2]! };
  });

/** The SM-DP+ address and the matching id (the phone calls it "activation code") of an activation code. */
export function manualEntry(activationCode: string): EsimManualEntry {
  const parsed = activationCodeSchema.safeParse(activationCode);
  // zod's own message would quote the code.
  if (!parsed.success) throw new Error(NOT_A_CODE);
  return parsed.data;
}

// The quiet zone QR readers expect (ISO/IEC 18004: 4 modules), and the size a phone's camera reads from a screen:
// whole pixels per module, 240 to 300 pixels wide for every length of code.
const QUIET_ZONE_MODULES = 4;
const MAX_WIDTH_PX = 300;

// Made at once, so that words composed synchronously (status updates) can carry it too.
function qrPng(activationCode: string): Buffer {
  manualEntry(activationCode);
  const matrix = QRCode.create(activationCode, { errorCorrectionLevel: 'M' }).modules;
  const scale = Math.floor(MAX_WIDTH_PX / (matrix.size + 2 * QUIET_ZONE_MODULES));
  const width = (matrix.size + 2 * QUIET_ZONE_MODULES) * scale;
  const png = new PNG({ width, height: width });
  // One grey byte a pixel, white to begin with: a grey PNG is about half the size of a colour one.
  png.data = Buffer.alloc(width * width, 255);
  for (let row = 0; row < matrix.size; row += 1) {
    for (let col = 0; col < matrix.size; col += 1) {
      if (!matrix.get(row, col)) continue;
      const left = (col + QUIET_ZONE_MODULES) * scale;
      for (let y = (row + QUIET_ZONE_MODULES) * scale; y < (row + QUIET_ZONE_MODULES + 1) * scale; y += 1) png.data.fill(0, y * width + left, y * width + left + scale);
    }
  }
  // "Up" filtering: a module's rows repeat, so all but its first become zeros (smaller than pngjs's per-row choice).
  return PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false, filterType: 2 });
}

/**
 * The activation code as a black and white PNG, error correction M: about 1.2 KB for a usual code and 2.3 KB for the
 * longest, so that it fits in a Teams card (the whole message stays under 28 KB) as a data URI.
 */
export function esimQrPng(activationCode: string): Buffer {
  return qrPng(activationCode);
}

/** The PNG as a `data:` URI, for an Adaptive Card's Image or an HTML page. */
export function esimQrDataUri(activationCode: string): string {
  return `data:image/png;base64,${qrPng(activationCode).toString('base64')}`;
}
