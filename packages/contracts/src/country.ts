// The `max` metadata: with `min`, isValid() only checks a number's length, so a number nobody
// could ever have been assigned would still give a country. The country of +1 and +7 numbers
// (US/CA/…, RU/KZ) comes from each country's number patterns either way.
import { isSupportedCountry, parsePhoneNumberFromString, type CountryCode as PhoneCountry } from 'libphonenumber-js/max';
import { z } from 'zod';

/** Where a contact's country came from, lowest precedence first (migration 018). */
export const COUNTRY_SOURCES = ['locale', 'phone', 'admin'] as const;
export type CountrySource = (typeof COUNTRY_SOURCES)[number];

/** A country derived from what a customer sent; `admin` is never derived. */
export interface DerivedCountry {
  country: string;
  source: Exclude<CountrySource, 'admin'>;
}

/**
 * An ISO 3166-1 alpha-2 code of a country with a telephone numbering plan (libphonenumber's
 * list: 245 codes, XK included). Leaves out the codes that are no country: EU, UN, ZZ, the
 * private-use Qx/Xx codes, and territories without phone numbers (AQ, BV, HM).
 */
export function isCountryCode(code: string): boolean {
  return /^[A-Z]{2}$/.test(code) && isSupportedCountry(code);
}

export const CountryCode = z
  .string()
  .refine(isCountryCode, 'an ISO 3166-1 alpha-2 country code in capitals, e.g. "RU"')
  .meta({ examples: ['RU'] });

/** Longer than any phone number anyone types; libphonenumber would give up at 250 anyway. */
const MAX_PHONE_INPUT = 64;

/**
 * The country of a valid phone number. International format (`+7…`) unless
 * `defaultRegion` lets a national number (`8 916 …` in RU) parse. Invalid numbers give none.
 */
export function countryOfPhone(phone: string, defaultRegion?: string): string | undefined {
  if (phone.length > MAX_PHONE_INPUT) return undefined;
  const region = defaultRegion && isCountryCode(defaultRegion) ? (defaultRegion as PhoneCountry) : undefined;
  // extract: false: the whole string must be the number, not "call +7 916… after 6"
  const parsed = parsePhoneNumberFromString(phone, { defaultCountry: region, extract: false });
  if (!parsed?.isValid() || !parsed.country) return undefined;
  return parsed.country;
}

/** BCP 47 allows 35 characters for the tags people use; longer ones are not locales. */
export const MAX_LOCALE_LENGTH = 35;

/**
 * A locale tag in canonical BCP 47 form (`pt_BR` → `pt-BR`, `EN-us` → `en-US`), or undefined
 * when it does not parse. POSIX-style underscores are accepted: Telegram and Java send them.
 */
export function canonicalLocale(tag: string): string | undefined {
  if (tag.length === 0 || tag.length > MAX_LOCALE_LENGTH) return undefined;
  try {
    return new Intl.Locale(tag.replaceAll('_', '-')).toString();
  } catch {
    return undefined;
  }
}

/**
 * The country a locale names: `ru-RU` → RU, `pt_BR` → BR. A bare language (`en`, `ru`) names
 * no country, nor does a UN M.49 area (`es-419`, Latin America) or a non-country code (`en-EU`).
 */
export function countryOfLocale(tag: string): string | undefined {
  const canonical = canonicalLocale(tag);
  const region = canonical && new Intl.Locale(canonical).region;
  return region && isCountryCode(region) ? region : undefined;
}

/** What a customer's message says about where they are: a phone number wins over a locale. */
export function deriveCountry(from: { phones: (string | undefined)[]; locale?: string }, defaultPhoneRegion?: string): DerivedCountry | undefined {
  for (const phone of from.phones) {
    const country = phone === undefined ? undefined : countryOfPhone(phone, defaultPhoneRegion);
    if (country) return { country, source: 'phone' };
  }
  const country = from.locale === undefined ? undefined : countryOfLocale(from.locale);
  return country ? { country, source: 'locale' } : undefined;
}

/**
 * Whether a country from `next` may replace what a contact has: only a source of higher
 * precedence does (admin > phone > locale). Within one source the first value stays, as the
 * contact's phone does: a merged contact with two numbers does not flip with each message.
 */
export function mayReplaceCountry(current: CountrySource | null, next: CountrySource): boolean {
  return current === null || COUNTRY_SOURCES.indexOf(next) > COUNTRY_SOURCES.indexOf(current);
}
