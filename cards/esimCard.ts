import { z } from 'zod';
import { esimQrDataUri, manualEntry } from './esimQr';
import { render, type AdaptiveCard } from './render';
import { languages, t, type Language } from './strings';
import esimTemplate from './templates/esim.json';

/** What a person is given to install an eSIM; the card draws the QR code from the activation code. */
export interface EsimCardData {
  language: Language;
  serviceLabel: string;
  activationCode: string;
  /** The 4 to 8 digits some operators ask for after the code, when there are any. */
  confirmationCode?: string;
}

export interface EsimInstallSteps {
  iphone: string[];
  android: string[];
}

/** Everything a person reads about their eSIM, in their language: the card shows it, the email and the page reuse it. */
export interface EsimWords {
  title: string;
  qrAltText: string;
  scan: string;
  /** Empty when the profile needs no confirmation code. */
  confirmation: string;
  manualTitle: string;
  /** What the phone's "Enter details manually" asks for, in its order. */
  details: { title: string; value: string }[];
  wholeCodeLabel: string;
  wholeCode: string;
  install: { iphone: { title: string; steps: string[] }; android: { title: string; steps: string[] } };
  activationTime: string;
  secret: string;
}

const confirmationCodeSchema = z.string().regex(/^\d{4,8}$/);

const esimCardDataSchema = z.object({
  language: z.enum(languages),
  serviceLabel: z.string().min(1).max(200),
  activationCode: z.string(),
  confirmationCode: confirmationCodeSchema.optional(),
});

/** The steps to install an eSIM on an iPhone and on an Android phone (Samsung's menus and the others'). */
export function esimInstallSteps(language: Language): EsimInstallSteps {
  return {
    iphone: [t(language, 'esim.step.connect'), t(language, 'esim.step.iphone.open'), t(language, 'esim.step.iphone.scan'), t(language, 'esim.step.finish')],
    android: [
      t(language, 'esim.step.connect'),
      t(language, 'esim.step.android.samsung'),
      t(language, 'esim.step.android.other'),
      t(language, 'esim.step.android.scan'),
      t(language, 'esim.step.finish'),
    ],
  };
}

/**
 * The words of an eSIM for one person. Throws when the activation code or the confirmation code is not one, without
 * quoting either: both are secret.
 */
export function esimWords(language: Language, esim: Pick<EsimCardData, 'serviceLabel' | 'activationCode' | 'confirmationCode'>): EsimWords {
  const { smdpAddress, matchingId } = manualEntry(esim.activationCode);
  const { confirmationCode } = esim;
  if (confirmationCode !== undefined && !confirmationCodeSchema.safeParse(confirmationCode).success) throw new Error('an eSIM confirmation code has 4 to 8 digits');
  const steps = esimInstallSteps(language);
  return {
    title: t(language, 'esim.title', { service: esim.serviceLabel }),
    qrAltText: t(language, 'esim.qr.altText'),
    scan: t(language, 'esim.scan'),
    confirmation: confirmationCode ? t(language, 'esim.confirmation', { code: confirmationCode }) : '',
    manualTitle: t(language, 'esim.manual.title'),
    details: [
      { title: t(language, 'esim.manual.smdpAddress'), value: smdpAddress },
      { title: t(language, 'esim.manual.activationCode'), value: matchingId },
      ...(confirmationCode ? [{ title: t(language, 'esim.manual.confirmationCode'), value: confirmationCode }] : []),
    ],
    wholeCodeLabel: t(language, 'esim.manual.wholeCode'),
    wholeCode: esim.activationCode,
    install: {
      iphone: { title: t(language, 'esim.steps.iphone'), steps: steps.iphone },
      android: { title: t(language, 'esim.steps.android'), steps: steps.android },
    },
    activationTime: t(language, 'esim.activationTime'),
    secret: t(language, 'esim.secret'),
  };
}

/**
 * The eSIM card: the QR code to scan from another screen, the details to type by hand, and the steps for iPhone and
 * for Android each behind a button, so that the code stays at the top on a phone.
 */
export function renderEsimCard(data: EsimCardData): AdaptiveCard {
  const parsed = esimCardDataSchema.safeParse(data);
  // zod's issues name the paths only; the message says which field, never its value.
  if (!parsed.success) throw new Error(`eSIM card data not as expected: ${parsed.error.issues.map((issue) => issue.path.join('.')).join(', ')}`);
  const words = esimWords(data.language, data);
  const numbered = (steps: string[]) => steps.map((text, i) => ({ number: `${i + 1}.`, text }));
  return render(esimTemplate, {
    ...words,
    qrDataUri: esimQrDataUri(data.activationCode),
    stepLists: [words.install.iphone, words.install.android].map(({ title, steps }) => ({ title, steps: numbered(steps) })),
  });
}

