import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, CDPSession } from 'playwright-core';
import { WEB_CHAT_BUNDLE_PATH } from '../bot/http/webChat/assets';
import { launchChromium } from '../test/support/chromium';
import { startChild, type ChildRuntime } from './child';
import { round } from './load';

/**
 * The web chat page's first load in headless Chromium, cold cache, on throttled networks (DevTools protocol):
 * when the page first paints, when the bundle has arrived and has run, when the bot's welcome appears. "uncompressed" refuses
 * compression (Accept-Encoding: identity), as the bundle was served before it was compressed; "compressed" is what
 * a browser gets now.
 */

/** Latency is added to each request's round trip; throughputs are bytes per second (-1: not throttled). */
export const NETWORKS = {
  unthrottled: { latency: 0, downloadThroughput: -1, uploadThroughput: -1 },
  '10 Mbit/s': { latency: 20, downloadThroughput: (10_000_000 / 8), uploadThroughput: (5_000_000 / 8) },
  // Chromium DevTools' "3G" preset (Lighthouse's mobile profile): 562.5 ms, 1.6 Mbit/s down, 750 kbit/s up, ×0.9.
  '3G': { latency: 562.5, downloadThroughput: (1_600_000 / 8) * 0.9, uploadThroughput: (750_000 / 8) * 0.9 },
} as const;
type Network = keyof typeof NETWORKS;
const VARIANTS = ['uncompressed', 'compressed'] as const;
type Variant = (typeof VARIANTS)[number];

/** Loads of each network and variant; the median is reported. */
const LOADS = 3;
const LOAD_TIMEOUT_MS = 120_000;

export interface PageLoad {
  network: Network;
  variant: Variant;
  loads: number;
  /** Bytes of the bundle on the wire, and its encoding. */
  bundleTransferBytes: number;
  bundleEncoding: string;
  firstPaintMs: number;
  firstContentfulPaintMs: number;
  /** Whether the status line ("Starting the chat…") was on screen at the first contentful paint. */
  statusShownAtFirstPaint: boolean;
  bundleLoadedMs: number;
  /** DOMContentLoaded's end: the deferred scripts (the bundle, then chat.js) have run. */
  scriptsRunMs: number;
  welcomeMs: number;
}

// Runs in the page before its own scripts: records when the bot's first message is added to the transcript and
// whether the status line is showing when the first contentful paint is reported.
const PROBE = `(() => {
  const observer = new MutationObserver(() => {
    if (document.querySelector('#webchat .webchat__bubble:not(.webchat__bubble--from-user)')) {
      window.__welcomeMs = performance.now();
      observer.disconnect();
    }
  });
  observer.observe(document, { childList: true, subtree: true });
  new PerformanceObserver((list) => {
    if (list.getEntries().some((entry) => entry.name === 'first-contentful-paint')) {
      const status = document.getElementById('chat-status');
      window.__statusShown = !!status && status.checkVisibility() && status.textContent.trim().length > 0;
    }
  }).observe({ type: 'paint', buffered: true });
})();`;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function loadOnce(browser: Browser, url: string, network: Network, variant: Variant) {
  // A context of its own: an empty cache and no open connection.
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
  try {
    const page = await context.newPage();
    await page.addInitScript(PROBE);
    const cdp: CDPSession = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    await cdp.send('Network.emulateNetworkConditions', { offline: false, ...NETWORKS[network] });
    if (variant === 'uncompressed') await cdp.send('Network.setExtraHTTPHeaders', { headers: { 'Accept-Encoding': 'identity' } });
    let bundleEncoding = 'identity';
    page.on('response', (response) => {
      if (response.url().endsWith(WEB_CHAT_BUNDLE_PATH)) bundleEncoding = response.headers()['content-encoding'] ?? 'identity';
    });
    await page.goto(url, { timeout: LOAD_TIMEOUT_MS });
    await page.waitForFunction(() => (window as unknown as { __welcomeMs?: number }).__welcomeMs !== undefined, undefined, { timeout: LOAD_TIMEOUT_MS, polling: 100 });
    return { bundleEncoding, ...(await page.evaluate((bundlePath) => {
      const paint = (name: string) => performance.getEntriesByName(name, 'paint')[0]?.startTime ?? NaN;
      const bundle = performance.getEntriesByType('resource').find((entry) => entry.name.endsWith(bundlePath)) as PerformanceResourceTiming;
      const probed = window as unknown as { __welcomeMs: number; __statusShown?: boolean };
      return {
        firstPaintMs: paint('first-paint'),
        firstContentfulPaintMs: paint('first-contentful-paint'),
        statusShownAtFirstPaint: probed.__statusShown === true,
        bundleLoadedMs: bundle.responseEnd,
        scriptsRunMs: (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).domContentLoadedEventEnd,
        bundleTransferBytes: bundle.transferSize,
        welcomeMs: probed.__welcomeMs,
      };
    }, WEB_CHAT_BUNDLE_PATH)) };
  } finally {
    await context.close();
  }
}

/** Each network and variant LOADS times against the bot at `botUrl`, whose bundle must be ready in every encoding. */
async function measurePage(botUrl: string, log: (line: string) => void): Promise<PageLoad[]> {
  const browser = await launchChromium();
  try {
    const figures: PageLoad[] = [];
    for (const network of Object.keys(NETWORKS) as Network[]) {
      for (const variant of VARIANTS) {
        const loads: Array<Awaited<ReturnType<typeof loadOnce>>> = [];
        for (let i = 0; i < LOADS; i++) loads.push(await loadOnce(browser, `${botUrl}/`, network, variant));
        const ms = (key: 'firstPaintMs' | 'firstContentfulPaintMs' | 'bundleLoadedMs' | 'scriptsRunMs' | 'welcomeMs') => Math.round(median(loads.map((load) => load[key])));
        const load: PageLoad = {
          network,
          variant,
          loads: LOADS,
          bundleTransferBytes: median(loads.map((l) => l.bundleTransferBytes)),
          bundleEncoding: loads[0]!.bundleEncoding,
          firstPaintMs: ms('firstPaintMs'),
          firstContentfulPaintMs: ms('firstContentfulPaintMs'),
          statusShownAtFirstPaint: loads.every((l) => l.statusShownAtFirstPaint),
          bundleLoadedMs: ms('bundleLoadedMs'),
          scriptsRunMs: ms('scriptsRunMs'),
          welcomeMs: ms('welcomeMs'),
        };
        log(`page, ${network}, ${variant} (${load.bundleEncoding}, ${round(load.bundleTransferBytes / 1024, 0)} KB): first paint ${load.firstPaintMs} ms, bundle ${load.bundleLoadedMs} ms, scripts run ${load.scriptsRunMs} ms, welcome ${load.welcomeMs} ms`);
        figures.push(load);
      }
    }
    return figures;
  } finally {
    await browser.close();
  }
}

/** The page's loads against a bot of their own (an empty PGlite database: the anonymous page needs no data). */
export async function runPageBench(runtime: ChildRuntime, log: (line: string) => void): Promise<PageLoad[]> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sim-bench-page-'));
  try {
    const bot = await startChild('botProcess.js', [], { PORT: '0', DATA_DIR: dataDir }, runtime);
    try {
      await bundleCompressed(bot.url);
      return await measurePage(bot.url, log);
    } finally {
      await bot.stop();
    }
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Until the bot serves the bundle with brotli: a first start compresses it in the background (seconds). */
async function bundleCompressed(botUrl: string): Promise<void> {
  const deadline = Date.now() + LOAD_TIMEOUT_MS;
  for (;;) {
    const response = await fetch(`${botUrl}${WEB_CHAT_BUNDLE_PATH}`, { headers: { 'Accept-Encoding': 'br' }, signal: AbortSignal.timeout(10_000) });
    await response.arrayBuffer();
    if (response.headers.get('content-encoding') === 'br') return;
    if (Date.now() > deadline) throw new Error(`the bundle was not served with brotli within ${LOAD_TIMEOUT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
