import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, screenshotsDir } from '../support/chromium';
import type { AdaptiveCard } from '../../cards/render';
import { languages, type Language } from '../../cards/strings';
import { projectRoot } from '../../services/platform/projectRoot';
import { keyCards } from '../support/cardSamples';

const screenshots = path.join(screenshotsDir, 'cards');
const dist = path.join(projectRoot(), 'node_modules', 'adaptivecards', 'dist');

// A phone as Teams mobile shows a card (the chat's width less its margins), and Teams' desktop chat column.
const widths = { phone: 360, desktop: 1024 } as const;
type Device = keyof typeof widths;
// Teams' phone apps stack a card's buttons, each the card's full width; the desktop client puts them in a row.
const orientation: Record<Device, string> = { phone: 'vertical', desktop: 'horizontal' };
// Segoe UI is not on Linux: Liberation Sans has Arial's metrics, close to Segoe UI's widths.
const font = "'Segoe UI', 'Liberation Sans', Arial, sans-serif";

// Teams' light theme, as far as a card's layout depends on it: Segoe UI and its type ramp, six actions at most.
const teamsHostConfig = (device: Device) => ({
  fontFamily: font,
  supportsInteractivity: true,
  spacing: { small: 8, default: 12, medium: 16, large: 20, extraLarge: 24, padding: 16 },
  separator: { lineThickness: 1, lineColor: '#E1DFDD' },
  fontTypes: {
    default: {
      fontFamily: font,
      fontSizes: { small: 12, default: 14, medium: 14, large: 18, extraLarge: 24 },
      fontWeights: { lighter: 300, default: 400, bolder: 600 },
    },
    monospace: {
      fontFamily: "'Consolas', monospace",
      fontSizes: { small: 12, default: 14, medium: 14, large: 18, extraLarge: 24 },
      fontWeights: { lighter: 300, default: 400, bolder: 600 },
    },
  },
  containerStyles: {
    default: {
      backgroundColor: '#FFFFFF',
      foregroundColors: {
        default: { default: '#242424', subtle: '#616161' },
        accent: { default: '#5B5FC7', subtle: '#5B5FC7' },
        attention: { default: '#C4314B', subtle: '#C4314B' },
        good: { default: '#237B4B', subtle: '#237B4B' },
        warning: { default: '#835C00', subtle: '#835C00' },
      },
    },
  },
  actions: { maxActions: 6, spacing: 'default', buttonSpacing: 8, actionsOrientation: orientation[device], actionAlignment: 'stretch' },
  inputs: { label: { requiredInputs: { weight: 'Bolder' }, optionalInputs: { weight: 'Default' } } },
  factSet: { title: { weight: 'Bolder', wrap: true, maxWidth: 150 }, value: { wrap: true }, spacing: 8 },
});

/**
 * One empty page with the official renderer's bundle and stylesheet inlined: nothing for the browser to fetch, so a
 * test waits only for the renderer.
 */
const page = () => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<style>${fs.readFileSync(path.join(dist, 'adaptivecards.css'), 'utf8')}</style>
<style>
  body { margin: 0; background: #F5F5F5; font-family: ${font}; }
  #card { margin: 12px; background: #FFF; border: 1px solid #E1DFDD; border-radius: 4px; max-width: 560px; }
  .ac-pushButton { border: 1px solid #D1D1D1; border-radius: 4px; background: #FFF; color: #242424; padding: 5px 12px; font: inherit; font-weight: 600; }
  .ac-input { font: inherit; }
</style>
<script>${fs.readFileSync(path.join(dist, 'adaptivecards.min.js'), 'utf8').replace(/<\/script/gi, '<\\/script')}</script></head>
<body><div id="card"></div></body></html>`;

let browser: Browser;
let emptyPage: string;

beforeAll(async () => {
  fs.mkdirSync(screenshots, { recursive: true });
  emptyPage = page();
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

interface Rendered {
  page: Page;
  problems: string[];
  /** Texts and button titles as the renderer laid them out. */
  texts: string[];
  buttons: string[];
  labels: string[];
  /** How far the card's content reaches past its own width, in pixels: more than 0 scrolls sideways. */
  overflow: number;
  /** Buttons whose title does not fit them and ends in "…". */
  cutButtons: string[];
}

/** The card rendered by the official renderer, in the page's browser, at a width. */
async function renderInBrowser(card: AdaptiveCard, device: Device): Promise<Rendered> {
  const browserPage = await browser.newPage({ viewport: { width: widths[device], height: 800 } });
  const problems: string[] = [];
  browserPage.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  browserPage.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  await browserPage.setContent(emptyPage);
  const layout = await browserPage.evaluate(
    ({ json, hostConfig }) => {
      const AC = (window as unknown as { AdaptiveCards: any }).AdaptiveCards;
      const adaptiveCard = new AC.AdaptiveCard();
      adaptiveCard.hostConfig = new AC.HostConfig(hostConfig);
      adaptiveCard.parse(json);
      const host = document.getElementById('card')!;
      host.appendChild(adaptiveCard.render());
      const all = (selector: string) => Array.from(host.querySelectorAll<HTMLElement>(selector)).map((element) => element.innerText.trim()).filter(Boolean);
      return {
        texts: all('.ac-textBlock, .ac-factset td'),
        buttons: all('.ac-pushButton'),
        labels: all('label'),
        cutButtons: Array.from(host.querySelectorAll<HTMLElement>('.ac-pushButton'))
          .filter((button) => Array.from(button.querySelectorAll<HTMLElement>('*')).concat(button).some((part) => part.scrollWidth > part.clientWidth + 1))
          .map((button) => button.innerText.trim()),
        overflow: Math.max(0, ...Array.from(host.querySelectorAll<HTMLElement>('*')).map((element) => element.getBoundingClientRect().right - host.getBoundingClientRect().right)),
      };
    },
    { json: card, hostConfig: teamsHostConfig(device) },
  );
  return { page: browserPage, problems, ...layout };
}

/** The button titles (not their web chat fallbacks) and input labels in a card's JSON. */
function whatTheCardDefines(card: AdaptiveCard): { buttons: string[]; labels: string[] } {
  const buttons: string[] = [];
  const labels: string[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node === null || typeof node !== 'object') return;
    const element = node as Record<string, unknown>;
    if (element.type === 'Action.Execute') buttons.push(String(element.title));
    if (typeof element.label === 'string') labels.push(element.label);
    for (const [key, value] of Object.entries(element)) if (key !== 'fallback') visit(value);
  };
  visit(card);
  return { buttons, labels };
}

async function screenshot(rendered: Rendered, name: string): Promise<void> {
  await rendered.page.locator('#card').screenshot({ path: path.join(screenshots, `${name}.png`) });
}

const cases = (Object.keys(keyCards) as Array<keyof typeof keyCards>).flatMap((name) =>
  languages.flatMap((language) => (Object.keys(widths) as Device[]).map((device) => [name, language, device] as const)),
);

describe('key cards in the official renderer, in Chromium', () => {
  it.each(cases)('%s in %s on a %s: every text, label and button shows, nothing wider than the screen', async (name, language, device) => {
    const card = keyCards[name](language as Language);
    const rendered = await renderInBrowser(card, device);
    try {
      await screenshot(rendered, `${name}-${language}-${device}`);
      expect(rendered.problems).toEqual([]);
      expect(rendered.overflow).toBeLessThanOrEqual(1);
      expect(rendered.cutButtons).toEqual([]);
      // The title the person reads first, every button the card defines, every input's label.
      const { buttons, labels } = whatTheCardDefines(card);
      expect(rendered.texts[0]).toBe((card.body.find((element) => (element as { type?: string }).type === 'TextBlock') as { text: string }).text);
      expect(rendered.buttons.sort()).toEqual(buttons.sort());
      for (const label of labels) expect(rendered.labels).toContain(label);
    } finally {
      await rendered.page.close();
    }
  });
});
