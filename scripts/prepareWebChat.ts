import { compressedBundleDir, webChatBundleReady } from '../bot/http/webChat/assets';

/**
 * Part of `npm run build`: Web Chat's bundle compressed once (brotli at its best quality takes seconds), so that the
 * bot serves every encoding from its first request. A bot started without a build makes the copies itself.
 */
webChatBundleReady().then(
  () => console.log(`Web Chat's bundle compressed in ${compressedBundleDir}`),
  (error: unknown) => {
    console.error(`Web Chat's bundle could not be compressed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
