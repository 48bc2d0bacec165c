import { describe, expect, it } from 'vitest';
import { levelFromNumber, levelFromValue, levelFromWord } from './level.ts';

describe('levels', () => {
  it.each([
    ['warning', 'warn'],
    ['WARN', 'warn'],
    ['err', 'error'],
    ['Error', 'error'],
    ['critical', 'fatal'],
    ['crit', 'fatal'],
    ['emerg', 'fatal'],
    ['alert', 'fatal'],
    ['panic', 'fatal'],
    ['notice', 'info'],
    ['Information', 'info'],
    ['verbose', 'trace'],
    ['severe', 'error'],
    ['DEBUG', 'debug'],
    ['trace', 'trace'],
    ['fatal', 'fatal'],
  ])('the word %s is level %s', (word, level) => {
    expect(levelFromValue(word)).toBe(level);
  });

  it.each([
    [10, 'trace'],
    [20, 'debug'],
    [30, 'info'],
    [40, 'warn'],
    [50, 'error'],
    [60, 'fatal'],
    [35, 'info'],
    [70, 'fatal'],
  ])('pino level %i is %s', (n, level) => {
    expect(levelFromNumber(n)).toBe(level);
  });

  it.each([
    [0, 'fatal'],
    [1, 'fatal'],
    [2, 'fatal'],
    [3, 'error'],
    [4, 'warn'],
    [5, 'info'],
    [6, 'info'],
    [7, 'debug'],
  ])('syslog severity %i is %s', (n, level) => {
    expect(levelFromNumber(n)).toBe(level);
  });

  it('numeric strings are read as numbers', () => {
    expect(levelFromValue('50')).toBe('error');
    expect(levelFromValue(' 3 ')).toBe('error');
  });

  it('one-letter levels count only as whole field values', () => {
    expect(levelFromValue('E')).toBe('error');
    expect(levelFromWord('E')).toBeNull();
  });

  it('unknown values are not levels', () => {
    expect(levelFromValue('loud')).toBeNull();
    expect(levelFromValue(8)).toBeNull();
    expect(levelFromValue(-1)).toBeNull();
    expect(levelFromValue(3.5)).toBeNull();
    expect(levelFromValue({ level: 'error' })).toBeNull();
  });
});
