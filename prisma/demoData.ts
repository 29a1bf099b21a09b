import { luhnCheckDigit } from '../services/simCards/simNumber';

/**
 * The demo organisations (README.md, "Demo data"): fixed values so that docs, tests and scripted clients can rely on them.
 * Everything here is generated deterministically; prisma/seed.ts writes it.
 */
export const DEMO_TENANT_ID = 'de300000-0000-4000-8000-000000000001';
export const OTHER_TENANT_ID = 'de300000-0000-4000-8000-000000000002';

export interface DemoPerson {
  aadObjectId: string;
  email: string;
  displayName: string;
  role: 'ADMINISTRATOR' | 'SUPPORT' | 'USER';
  preferredLanguage?: 'en' | 'nl' | 'fr';
}

export const demo = {
  ann: { aadObjectId: 'a0000000-0000-4000-8000-00000000000a', email: 'ann.admin@demo.example', displayName: 'Ann Admin', role: 'ADMINISTRATOR' },
  sam: { aadObjectId: 'a0000000-0000-4000-8000-000000000005', email: 'sam.support@demo.example', displayName: 'Sam Support', role: 'SUPPORT' },
  jan: { aadObjectId: 'a0000000-0000-4000-8000-000000000001', email: 'jan.peeters@demo.example', displayName: 'Jan Peeters', role: 'USER', preferredLanguage: 'nl' },
  marie: { aadObjectId: 'a0000000-0000-4000-8000-000000000002', email: 'marie.dubois@demo.example', displayName: 'Marie Dubois', role: 'USER', preferredLanguage: 'fr' },
  pieter: { aadObjectId: 'a0000000-0000-4000-8000-000000000003', email: 'pieter.janssens@demo.example', displayName: 'Pieter Janssens', role: 'USER', preferredLanguage: 'nl' },
  luc: { aadObjectId: 'a0000000-0000-4000-8000-000000000004', email: 'luc.lemaire@demo.example', displayName: 'Luc Lemaire', role: 'USER', preferredLanguage: 'fr' },
} satisfies Record<string, DemoPerson>;

export const other = {
  olga: { aadObjectId: 'a0000000-0000-4000-8000-00000000000b', email: 'olga.other@other.example', displayName: 'Olga Other', role: 'ADMINISTRATOR' },
  oscar: { aadObjectId: 'b0000000-0000-4000-8000-000000000001', email: 'oscar.olsen@other.example', displayName: 'Oscar Olsen', role: 'USER' },
  ines: { aadObjectId: 'b0000000-0000-4000-8000-000000000002', email: 'ines.informa@other.example', displayName: 'Ines Informa', role: 'USER' },
  tom: { aadObjectId: 'b0000000-0000-4000-8000-000000000003', email: 'tom.tester@other.example', displayName: 'Tom Tester', role: 'USER' },
} satisfies Record<string, DemoPerson>;

/** A Belgian enterprise (VAT) number: BE, then 8 digits and the two digits 97 - (those 8 digits mod 97). */
export function belgianVat(firstEightDigits: string): string {
  if (!/^[01]\d{7}$/.test(firstEightDigits)) throw new Error('a Belgian VAT number starts with 0 or 1, 8 digits');
  const check = 97 - (Number(firstEightDigits) % 97);
  return `BE${firstEightDigits}${String(check).padStart(2, '0')}`;
}

export const DEMO_COMPANY = {
  tenantId: DEMO_TENANT_ID,
  name: 'Demo Company NV',
  vat: belgianVat('04567123'),
  products: ['DSTNY_MOBILE', 'DSTNY_SMARTMOBILE'],
};

export const OTHER_COMPANY = {
  tenantId: OTHER_TENANT_ID,
  name: 'Other Org BV',
  vat: belgianVat('07891234'),
  products: ['DSTNY_MOBILE', 'DSTNY_FMC'],
};

// Generated employees: first names carry the language the person prefers, so that both communities are present.
const FIRST_NAMES: Array<[string, 'nl' | 'fr']> = [
  ['Els', 'nl'], ['Koen', 'nl'], ['Sofie', 'nl'], ['Bram', 'nl'], ['Lotte', 'nl'], ['Wouter', 'nl'],
  ['Nathalie', 'fr'], ['Julien', 'fr'], ['Camille', 'fr'], ['Olivier', 'fr'], ['Amélie', 'fr'], ['Nicolas', 'fr'],
  ['Inge', 'nl'], ['Thomas', 'nl'], ['Annelies', 'nl'], ['Jeroen', 'nl'], ['Stijn', 'nl'], ['Liesbeth', 'nl'],
  ['Hélène', 'fr'], ['Maxime', 'fr'], ['Gilles', 'fr'], ['Céline', 'fr'], ['Dries', 'nl'], ['Fien', 'nl'],
];
const LAST_NAMES = [
  'Maes', 'Jacobs', 'Mertens', 'Willems', 'Claes', 'Goossens', 'Dupont', 'Lambert', 'Martin', 'Simon', 'Leclercq',
  'Dumont', 'Wouters', 'De Smet', 'Vermeulen', 'Van den Broeck', 'Hermans', 'Michiels', 'Renard', 'Lejeune',
  'Denis', 'Fontaine', 'Aerts', 'Verhoeven',
];
const OTHER_NAMES: Array<[string, string, 'nl' | 'fr' | 'en']> = [
  ['Fatima', 'El Amrani', 'fr'],
  ['Kevin', 'Vandamme', 'nl'],
  ['Laura', 'Schmitz', 'en'],
];

function emailPart(name: string): string {
  return name.normalize('NFD').replace(/[^A-Za-z]/g, '').toLowerCase();
}

function generatedPerson(index: number, idPrefix: string, first: string, last: string, domain: string, language: 'nl' | 'fr' | 'en'): DemoPerson {
  return {
    aadObjectId: `${idPrefix}-0000-4000-8000-${String(index + 1).padStart(12, '0')}`,
    email: `${emailPart(first)}.${emailPart(last)}@${domain}`,
    displayName: `${first} ${last}`,
    role: 'USER',
    preferredLanguage: language,
  };
}

export const generatedDemoEmployees: DemoPerson[] = FIRST_NAMES.map(([first, language], i) =>
  generatedPerson(i, 'c0000000', first, LAST_NAMES[i] ?? 'Peeters', 'demo.example', language),
);

export const generatedOtherEmployees: DemoPerson[] = OTHER_NAMES.map(([first, last, language], i) =>
  generatedPerson(i, 'c1000000', first, last, 'other.example', language),
);

/**
 * A valid Belgian-style ICCID: 89 32 (telecom, Belgium), a two-digit issuer, a two-digit series, a ten-digit serial
 * and the Luhn check digit: 19 digits. The serial is scrambled (n × an odd number not divisible by 5, modulo 10¹⁰,
 * which is one-to-one) so that stock cards do not differ in their last digit only, as real consecutive cards do not.
 */
export function demoIccid(issuer: number, series: number, n: number): string {
  const serial = ((BigInt(n) * 7_654_321n + 1_000_003n) % 10_000_000_000n).toString().padStart(10, '0');
  const payload = `8932${String(issuer).padStart(2, '0')}${String(series).padStart(2, '0')}${serial}`;
  return payload + luhnCheckDigit(payload);
}

/** The operator's own issuer code in ICCIDs; donor operators get theirs below. */
const DSTNY_ISSUER = 10;
const SIM_SERIES = { demoStock: 1, demoInUse: 2, otherStock: 3, otherInUse: 4, demoEsim: 5, otherEsim: 6 } as const;

export const demoStockIccids: string[] = Array.from({ length: 60 }, (_, n) => demoIccid(DSTNY_ISSUER, SIM_SERIES.demoStock, n));
export const otherStockIccids: string[] = Array.from({ length: 20 }, (_, n) => demoIccid(DSTNY_ISSUER, SIM_SERIES.otherStock, n));
/** The demo operator's SM-DP+ server, which eSIM profiles are downloaded from. */
export const DEMO_SMDP_ADDRESS = 'smdp.demo.dstny.example';

/** An eSIM profile of the demo stock: its ICCID and its activation code (GSMA SGP.22), every fifth with a confirmation code. */
export interface DemoEsimProfile {
  iccid: string;
  activationCode: string;
  confirmationCode?: string;
}

function demoEsimProfile(series: number, n: number): DemoEsimProfile {
  const iccid = demoIccid(DSTNY_ISSUER, series, n);
  const matchingId = `${iccid.slice(-10, -5)}-${iccid.slice(-5)}-${(n * 7919 + series).toString(36).toUpperCase().padStart(4, '0')}`;
  return { iccid, activationCode: `LPA:1$${DEMO_SMDP_ADDRESS}$${matchingId}`, ...(n % 5 === 4 ? { confirmationCode: String(1000 + ((n * 37) % 9000)) } : {}) };
}

export const demoEsimProfiles: DemoEsimProfile[] = Array.from({ length: 30 }, (_, n) => demoEsimProfile(SIM_SERIES.demoEsim, n));
export const otherEsimProfiles: DemoEsimProfile[] = Array.from({ length: 20 }, (_, n) => demoEsimProfile(SIM_SERIES.otherEsim, n));
const demoInUseIccid = (n: number) => demoIccid(DSTNY_ISSUER, SIM_SERIES.demoInUse, n);
const otherInUseIccid = (n: number) => demoIccid(DSTNY_ISSUER, SIM_SERIES.otherInUse, n);

// Numbers, E.164. Mobile: +32 468 …; fixed: Brussels, +32 2 588 …. Separate blocks keep the pools apart at a glance.
export const freeMobileNumbers: string[] = Array.from({ length: 200 }, (_, n) => `+324682${String(10000 + n * 37).padStart(5, '0')}`);
export const freeFixedNumbers: string[] = Array.from({ length: 40 }, (_, n) => `+322588${3000 + n * 7}`);
const attachedMobileNumber = (n: number) => `+324681${String(n).padStart(5, '0')}`;
const attachedFixedNumber = (n: number) => `+322588${2000 + n}`;

export interface DonorOperator {
  code: string;
  name: string;
  /** Runs on another operator's network (MVNO). */
  mvno: boolean;
  /** Issuer digits in the ICCIDs of its SIM cards (simulated). */
  issuer: number;
  /** First digits of the numbers it handed out, for believable registry entries. */
  mobilePrefix: string;
}

/** Belgian mobile operators a number can be ported from. Codes are stable: porting requests store them. */
export const DONOR_OPERATORS: DonorOperator[] = [
  { code: 'PROXIMUS', name: 'Proximus', mvno: false, issuer: 1, mobilePrefix: '+32475' },
  { code: 'ORANGE', name: 'Orange Belgium', mvno: false, issuer: 2, mobilePrefix: '+32495' },
  { code: 'TELENET', name: 'Telenet / BASE', mvno: false, issuer: 3, mobilePrefix: '+32485' },
  { code: 'DIGI', name: 'Digi', mvno: false, issuer: 5, mobilePrefix: '+32466' },
  { code: 'MOBILE_VIKINGS', name: 'Mobile Vikings', mvno: true, issuer: 6, mobilePrefix: '+32460' },
  { code: 'SCARLET', name: 'Scarlet', mvno: true, issuer: 7, mobilePrefix: '+32478' },
];

export interface DonorLineSeed {
  e164: string;
  operatorCode: string;
  holderKind: 'PERSON' | 'COMPANY';
  holderName: string;
  holderVat: string | null;
  lineType: 'PREPAID' | 'SUBSCRIPTION';
  customerNumber: string | null;
  simNumber: string | null;
  active: boolean;
  smsCancellable: boolean;
}

const DONOR_COMPANIES = [
  { name: DEMO_COMPANY.name, vat: DEMO_COMPANY.vat },
  { name: OTHER_COMPANY.name, vat: OTHER_COMPANY.vat },
  { name: 'Bakkerij Peeters BV', vat: belgianVat('04123987') },
  { name: 'Garage Lambert SRL', vat: belgianVat('08765432') },
  { name: 'Brasserie du Parc SRL', vat: belgianVat('06543210') },
];

function operator(code: string): DonorOperator {
  const found = DONOR_OPERATORS.find((candidate) => candidate.code === code);
  if (!found) throw new Error(`unknown operator ${code}`);
  return found;
}

/** Ten digits, scrambled like demoIccid's serial, offset per use so that customer numbers never repeat. */
function customerNumber(n: number, offset: number): string {
  return String(((n + offset) * 7_919_311 + 3_000_017) % 10_000_000_000).padStart(10, '0');
}

/**
 * Pieter's number: a company subscription at Proximus held by Demo Company NV. The porting request submitted the
 * customer number with two digits swapped, which is why Proximus refused it.
 */
export const pieterPorting = {
  e164: '+32475381946',
  operatorCode: 'PROXIMUS',
  holderKind: 'COMPANY',
  holderName: DEMO_COMPANY.name,
  holderVat: DEMO_COMPANY.vat,
  lineType: 'SUBSCRIPTION',
  customerNumber: '7305421869',
  submittedCustomerNumber: '7305421896',
} as const;

/**
 * The simulated registry of numbers at other operators: companies and people, subscriptions (checked against the
 * customer number) and prepaid lines (checked against the current SIM card number), some no longer active, some
 * whose holder can cancel the transfer by SMS.
 */
export const donorLines: DonorLineSeed[] = [
  {
    e164: pieterPorting.e164,
    operatorCode: pieterPorting.operatorCode,
    holderKind: pieterPorting.holderKind,
    holderName: pieterPorting.holderName,
    holderVat: pieterPorting.holderVat,
    lineType: pieterPorting.lineType,
    customerNumber: pieterPorting.customerNumber,
    simNumber: null,
    active: true,
    smsCancellable: false,
  },
  ...Array.from({ length: 42 }, (_, n): DonorLineSeed => {
    const op = DONOR_OPERATORS[n % DONOR_OPERATORS.length]!;
    const company = n % 3 === 0 ? DONOR_COMPANIES[(n / 3) % DONOR_COMPANIES.length]! : undefined;
    // People holding lines: the generated employees, so that "port my private number" is believable for them.
    const person = generatedDemoEmployees[n % generatedDemoEmployees.length]!;
    const prepaid = !company && n % 4 !== 3;
    return {
      e164: `${op.mobilePrefix}${String(100_000 + n * 4_111).padStart(6, '0')}`,
      operatorCode: op.code,
      holderKind: company ? 'COMPANY' : 'PERSON',
      holderName: company ? company.name : person.displayName,
      holderVat: company ? company.vat : null,
      lineType: prepaid ? 'PREPAID' : 'SUBSCRIPTION',
      customerNumber: prepaid ? null : customerNumber(n, 1),
      simNumber: prepaid ? demoIccid(op.issuer, 50, n) : null,
      active: n % 10 !== 9,
      smsCancellable: !company && n % 5 === 2,
    };
  }),
];

function firstDonorLine(description: string, matches: (line: DonorLineSeed) => boolean): DonorLineSeed {
  const line = donorLines.find(matches);
  if (!line) throw new Error(`no donor line is ${description}`);
  return line;
}

/** Registry entries for the porting branches, so tests and scripted demos need not search for them. */
export const donorExamples = {
  personPrepaid: firstDonorLine('an active prepaid line', (l) => l.lineType === 'PREPAID' && l.active && !l.smsCancellable),
  personSubscription: firstDonorLine('a person subscription', (l) => l.holderKind === 'PERSON' && l.lineType === 'SUBSCRIPTION' && l.active),
  companySubscription: firstDonorLine('another company subscription', (l) => l.holderKind === 'COMPANY' && l.e164 !== pieterPorting.e164 && l.active),
  inactive: firstDonorLine('an inactive line', (l) => !l.active),
  smsCancellable: firstDonorLine('an SMS-cancellable line', (l) => l.smsCancellable && l.active),
  mvno: firstDonorLine('an MVNO line', (l) => operator(l.operatorCode).mvno && l.active),
};

/** The numbers and SIM cards behind the demo people's services (README.md, "Demo data"). */
export const demoScenario = {
  jan: { mobileNumber: attachedMobileNumber(1) },
  marie: { mobileNumber: attachedMobileNumber(2) },
  pieter: { iccid: demoInUseIccid(3), porting: pieterPorting },
  luc: { mobileNumber: attachedMobileNumber(4), iccid: demoInUseIccid(4) },
};

/** Generated Demo employees with an active SmartMobile converged service: the fixed numbers "already in use". */
export const convergedServices = generatedDemoEmployees.slice(0, 6).map((person, n) => ({
  email: person.email,
  mobileNumber: attachedMobileNumber(10 + n),
  fixedNumber: attachedFixedNumber(n),
  iccid: demoInUseIccid(10 + n),
}));

export const otherScenario = {
  oscar: { mobileNumber: attachedMobileNumber(31), iccid: otherInUseIccid(1) },
  ines: { mobileNumber: attachedMobileNumber(32) },
  tom: { mobileNumber: attachedMobileNumber(33), fixedNumber: attachedFixedNumber(31), iccid: otherInUseIccid(3) },
};
