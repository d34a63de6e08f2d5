import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { canonicalLocale, countryOfLocale, countryOfPhone, CountryCode, deriveCountry, isCountryCode, mayReplaceCountry } from './country.ts';

describe('countryOfPhone', () => {
  it.each([
    ['+79161234567', 'RU'],
    ['+7 (916) 123-45-67', 'RU'],
    ['+77012345678', 'KZ'],
    ['+14155552671', 'US'],
    ['+14165550123', 'CA'],
    ['+5511987654321', 'BR'],
    ['+4915123456789', 'DE'],
  ])('%s is a number of %s', (phone, country) => {
    expect(countryOfPhone(phone)).toBe(country);
  });

  it('needs the international format unless a default region lets a national number parse', () => {
    expect(countryOfPhone('8 916 123-45-67')).toBeUndefined();
    expect(countryOfPhone('8 916 123-45-67', 'RU')).toBe('RU');
    expect(countryOfPhone('(415) 555-2671', 'US')).toBe('US');
    // an international number keeps its own country whatever the default
    expect(countryOfPhone('+4915123456789', 'RU')).toBe('DE');
  });

  it('gives no country for invalid numbers, text around a number, or a bad default region', () => {
    expect(countryOfPhone('+12345')).toBeUndefined();
    expect(countryOfPhone('+70000000000')).toBeUndefined();
    expect(countryOfPhone('call me at +79161234567')).toBeUndefined();
    expect(countryOfPhone('whatsapp:+79161234567')).toBeUndefined();
    expect(countryOfPhone('8 916 123-45-67', 'ru')).toBeUndefined();
    expect(countryOfPhone('8 916 123-45-67', 'EU')).toBeUndefined();
  });
});

describe('countryOfLocale', () => {
  it.each([
    ['ru-RU', 'RU'],
    ['pt_BR', 'BR'],
    ['en-us', 'US'],
    ['zh-Hant-TW', 'TW'],
    ['sr-Latn-RS', 'RS'],
    ['de-DE-u-co-phonebk', 'DE'],
  ])('%s names %s', (tag, country) => {
    expect(countryOfLocale(tag)).toBe(country);
  });

  it.each(['en', 'ru', 'es-419', 'en-EU', 'en-ZZ', 'en-QO', '', 'not a locale', 'x'.repeat(36)])('%s names no country', (tag) => {
    expect(countryOfLocale(tag)).toBeUndefined();
  });

  it('canonicalizes parseable tags and refuses the rest', () => {
    expect(canonicalLocale('pt_br')).toBe('pt-BR');
    expect(canonicalLocale('EN')).toBe('en');
    expect(canonicalLocale('en-US; q=0.9')).toBeUndefined();
  });
});

describe('deriveCountry', () => {
  it('prefers a phone number over a locale', () => {
    expect(deriveCountry({ phones: ['+4915123456789'], locale: 'ru-RU' })).toEqual({ country: 'DE', source: 'phone' });
  });

  it('takes the first valid phone, then falls back to the locale', () => {
    expect(deriveCountry({ phones: [undefined, '+12345', '+79161234567'] })).toEqual({ country: 'RU', source: 'phone' });
    expect(deriveCountry({ phones: ['+12345'], locale: 'pt_BR' })).toEqual({ country: 'BR', source: 'locale' });
    expect(deriveCountry({ phones: [], locale: 'ru' })).toBeUndefined();
  });

  it('uses the default region for national numbers only', () => {
    expect(deriveCountry({ phones: ['89161234567'] }, 'RU')).toEqual({ country: 'RU', source: 'phone' });
    expect(deriveCountry({ phones: ['89161234567'] })).toBeUndefined();
  });

  it('never throws, and whatever it returns is a country code', () => {
    fc.assert(
      fc.property(fc.array(fc.option(fc.string(), { nil: undefined })), fc.option(fc.string(), { nil: undefined }), fc.option(fc.string(), { nil: undefined }), (phones, locale, region) => {
        const derived = deriveCountry({ phones, ...(locale !== undefined && { locale }) }, region);
        if (derived) expect(isCountryCode(derived.country)).toBe(true);
      }),
    );
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (s) => {
        const country = countryOfLocale(s) ?? countryOfPhone(s);
        if (country) expect(isCountryCode(country)).toBe(true);
      }),
    );
  });
});

describe('precedence', () => {
  it('lets only a higher source replace a country: admin > phone > locale', () => {
    expect(mayReplaceCountry(null, 'locale')).toBe(true);
    expect(mayReplaceCountry('locale', 'phone')).toBe(true);
    expect(mayReplaceCountry('phone', 'admin')).toBe(true);
    expect(mayReplaceCountry('phone', 'phone')).toBe(false);
    expect(mayReplaceCountry('locale', 'locale')).toBe(false);
    expect(mayReplaceCountry('phone', 'locale')).toBe(false);
    expect(mayReplaceCountry('admin', 'phone')).toBe(false);
  });
});

describe('CountryCode', () => {
  it('accepts country codes in capitals and names what is wrong otherwise', () => {
    expect(CountryCode.parse('RU')).toBe('RU');
    for (const bad of ['ru', 'RUS', 'EU', 'ZZ', '']) expect(CountryCode.safeParse(bad).success).toBe(false);
  });
});
