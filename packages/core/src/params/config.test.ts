import { describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import { DEFAULT_EXTRACTOR_CONFIG, parseConfig } from './config.ts';

describe('parseConfig', () => {
  it('returns the defaults for an empty file', () => {
    expect(parseConfig({})).toEqual(DEFAULT_EXTRACTOR_CONFIG);
    expect(parseConfig(undefined)).toEqual(DEFAULT_EXTRACTOR_CONFIG);
  });

  it('merges maps key by key and replaces lists', () => {
    const c = parseConfig({ domains: { auth: ['login'], loans: ['loan', 'emi'] }, projects: ['payhub'], defaults: { timeZone: 'Asia/Dhaka' } });
    expect(c.domains.auth).toEqual(['login']);
    expect(c.domains.loans).toEqual(['loan', 'emi']);
    expect(c.domains.transactions).toEqual(DEFAULT_EXTRACTOR_CONFIG.domains.transactions);
    expect(c.projects).toEqual(['payhub']);
    expect(c.defaults).toEqual({ ...DEFAULT_EXTRACTOR_CONFIG.defaults, timeZone: 'Asia/Dhaka' });
  });

  it('removes a domain given an empty synonym list', () => {
    expect(parseConfig({ domains: { infrastructure: [] } }).domains).not.toHaveProperty('infrastructure');
  });

  it('rejects an unknown time zone, with the path of the problem', () => {
    expect(() => parseConfig({ defaults: { timeZone: 'Mars/Olympus' } })).toThrow(/timeZone|IANA/);
  });

  it('rejects a default env that no env list defines', () => {
    expect(() => parseConfig({ defaults: { env: 'preprod-eu' } })).toThrow(ZodError);
    expect(parseConfig({ defaults: { env: 'staging' } }).defaults.env).toBe('staging');
  });

  it('rejects unknown keys, so that a typo in the file is not silently ignored', () => {
    expect(() => parseConfig({ domian: {} })).toThrow(ZodError);
  });

  it('rejects abbreviations that map to nothing', () => {
    expect(() => parseConfig({ timeZoneAbbreviations: { BST: 'British' } })).toThrow(ZodError);
    expect(parseConfig({ timeZoneAbbreviations: { BST: '+06:00' } }).timeZoneAbbreviations.BST).toBe('+06:00');
  });

  it('rejects a window that is not a positive whole number of minutes', () => {
    expect(() => parseConfig({ defaults: { windowMinutes: 0 } })).toThrow(ZodError);
    expect(() => parseConfig({ defaults: { windowMinutes: 1.5 } })).toThrow(ZodError);
  });
});
