/**
 * The Belgian mobile operators a number can be ported from. Codes are stable (stored in DonorLine.operatorCode and
 * PortingRequest.donorOperator); names are what people see. MVNOs run on a host network but answer porting
 * requests themselves, so each is a donor of its own.
 */
export const donorOperators = [
  { code: 'PROXIMUS', name: 'Proximus', network: 'PROXIMUS' },
  { code: 'ORANGE', name: 'Orange Belgium', network: 'ORANGE' },
  { code: 'TELENET', name: 'Telenet / BASE', network: 'TELENET' },
  { code: 'DIGI', name: 'Digi', network: 'DIGI' },
  { code: 'MOBILE_VIKINGS', name: 'Mobile Vikings', network: 'PROXIMUS' },
  { code: 'SCARLET', name: 'Scarlet', network: 'PROXIMUS' },
  { code: 'LYCAMOBILE', name: 'Lycamobile', network: 'ORANGE' },
] as const;

export type DonorOperator = (typeof donorOperators)[number];
export type DonorOperatorCode = DonorOperator['code'];

export const donorOperatorCodes = donorOperators.map((o) => o.code) as [DonorOperatorCode, ...DonorOperatorCode[]];

export function isDonorOperatorCode(value: string): value is DonorOperatorCode {
  return donorOperators.some((o) => o.code === value);
}

/** The display name for a code; an unknown code (old data) is shown as it is. */
export function donorOperatorName(code: string): string {
  return donorOperators.find((o) => o.code === code)?.name ?? code;
}
