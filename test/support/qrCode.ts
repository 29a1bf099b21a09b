import jsQR from 'jsqr';
import { PNG } from 'pngjs';

/** What a phone's camera reads from a PNG picture: the QR code's text, or undefined when it finds none. */
export function qrCodeIn(png: Buffer): string | undefined {
  const image = PNG.sync.read(png);
  const found = jsQR(new Uint8ClampedArray(image.data.buffer, image.data.byteOffset, image.data.length), image.width, image.height);
  return found?.data;
}

const PNG_DATA_URI = /^data:image\/png;base64,([A-Za-z0-9+/]+={0,2})$/;

/** The same for a PNG given as a data: URI, as a card or a page embeds it. */
export function qrCodeInDataUri(uri: string): string | undefined {
  const base64 = PNG_DATA_URI.exec(uri)?.[1];
  if (!base64) throw new Error('not a PNG data: URI');
  return qrCodeIn(Buffer.from(base64, 'base64'));
}
