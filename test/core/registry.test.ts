import { describe, expect, it } from 'vitest';
import { RegistryError, rangeError, typeError, assertFiniteNumber, assertOneOf } from '../../src/errors.js';
import { createRegistry } from '../../src/registry.js';

describe('createRegistry', () => {
  it('registers, looks up and lists; strict get names the registered entries', () => {
    const reg = createRegistry<(x: number) => number>(`test-${Math.floor(performance.now() * 1000)}`);
    const double = (x: number) => 2 * x;
    reg.register('double', double);
    reg.register('double', double); // same value: no-op
    expect(reg.get('double')(2)).toBe(4);
    expect(reg.names()).toEqual(['double']);
    expect(() => reg.get('triple')).toThrow(RegistryError);
    expect(() => reg.get('triple')).toThrow(/Unknown .* 'triple'. Registered: double\./);
    expect(() => reg.register('double', (x) => x)).toThrow(/already registered/);
    reg.register('double', (x) => 3 * x, { override: true });
    expect(reg.get('double')(2)).toBe(6);
    expect(reg.remove('double')).toBe(true);
    expect(reg.find('double')).toBeUndefined();
  });

  it('is shared between copies through globalThis', () => {
    const a = createRegistry<number>('shared-test');
    const b = createRegistry<number>('shared-test');
    a.register('one', 1);
    expect(b.get('one')).toBe(1);
    a.remove('one');
  });
});

describe('error helpers', () => {
  it('format "<fn>: \'<arg>\' must be <rule>; got <actual>."', () => {
    expect(rangeError('recallAtK', 'k', 'a positive integer', 1.5).message).toBe("recallAtK: 'k' must be a positive integer; got 1.5.");
    expect(typeError('f', 'x', 'an array', 'abc').message).toBe('f: \'x\' must be an array; got "abc".');
    expect(() => assertFiniteNumber('f', 'alpha', NaN)).toThrow(/'alpha' must be a finite number; got NaN/);
    expect(() => assertFiniteNumber('f', 'gamma', 1.5, { min: 0, max: 1 })).toThrow(/'gamma' must be a number >= 0 and <= 1; got 1.5/);
    expect(() => assertOneOf('f', 'mode', 'x', ['a', 'b'])).toThrow(/'mode' must be one of 'a', 'b'; got "x"/);
  });
});
