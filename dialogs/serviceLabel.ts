import { t, type Language } from '../cards/strings';
import type { Localised } from '../services/catalog/catalog';
import { formatBelgianNational } from '../services/numbers/phoneNumbers';

/**
 * A service as lists, buttons and card titles name it: its product, its service type and its number ("no number
 * yet" before it has one), so that two services of one person never read the same.
 */
export function serviceLabel(language: Language, service: { product: Localised; serviceType: Localised; number: string | null }): string {
  const number = service.number ? formatBelgianNational(service.number) : t(language, 'service.noNumberYet');
  return t(language, 'service.label', { product: service.product[language], type: service.serviceType[language], number });
}
