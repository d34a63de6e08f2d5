import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { csatFigures, netPromoterScore, percentileCont, percentOf, roundHalfAway, slaAttainment } from './figures.ts';

describe('percentileCont (PostgreSQL percentile_cont)', () => {
  it('interpolates between the two values around p × (n − 1)', () => {
    expect(percentileCont([120, 60], 0.5)).toBe(90);
    expect(percentileCont([600, 900, 1200, 3600], 0.5)).toBe(1050); // position 1.5: 900 + 0.5 × 300
    expect(percentileCont([600, 900, 1200, 3600], 0.9)).toBeCloseTo(2880, 9); // position 2.7: 1200 + 0.7 × 2400
    expect(percentileCont([42], 0.9)).toBe(42);
    expect(percentileCont([], 0.5)).toBeNull();
  });

  it('is the minimum at 0, the maximum at 1, and never leaves their range', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1e7, noNaN: true }), { minLength: 1 }), fc.double({ min: 0, max: 1, noNaN: true }), (values, p) => {
        const v = percentileCont(values, p)!;
        expect(percentileCont(values, 0)).toBe(Math.min(...values));
        expect(percentileCont(values, 1)).toBe(Math.max(...values));
        expect(v).toBeGreaterThanOrEqual(Math.min(...values));
        expect(v).toBeLessThanOrEqual(Math.max(...values));
      }),
    );
  });

  it('refuses a p outside [0, 1]', () => {
    expect(() => percentileCont([1], 1.5)).toThrow(RangeError);
  });
});

describe('rounding and ratios', () => {
  it('rounds halves away from zero', () => {
    expect(roundHalfAway(12.5)).toBe(13);
    expect(roundHalfAway(-12.5)).toBe(-13);
    expect(roundHalfAway(1.005, 2)).toBe(1.01);
    expect(roundHalfAway(-0.04, 1)).toBe(0);
  });

  it('gives percentages with one decimal, null of nothing', () => {
    expect(percentOf(1, 3)).toBe(33.3);
    expect(percentOf(2, 3)).toBe(66.7);
    expect(percentOf(0, 0)).toBeNull();
  });
});

describe('NPS', () => {
  it('is % promoters − % detractors, an integer', () => {
    expect(netPromoterScore({ promoters: 2, passives: 1, detractors: 1 })).toBe(25); // 50% − 25%
    expect(netPromoterScore({ promoters: 1, passives: 0, detractors: 7 })).toBe(-75);
    expect(netPromoterScore({ promoters: 1, passives: 5, detractors: 2 })).toBe(-13); // -12.5 → -13
    expect(netPromoterScore({ promoters: 0, passives: 0, detractors: 0 })).toBeNull();
  });

  it('stays within [-100, 100]', () => {
    fc.assert(
      fc.property(fc.nat(1000), fc.nat(1000), fc.nat(1000), (promoters, passives, detractors) => {
        const nps = netPromoterScore({ promoters, passives, detractors });
        if (promoters + passives + detractors === 0) expect(nps).toBeNull();
        else expect(Math.abs(nps!)).toBeLessThanOrEqual(100);
      }),
    );
  });
});

describe('CSAT', () => {
  it('averages the scores and counts 4s and 5s as satisfied', () => {
    // scores 5, 4, 4, 2: mean 3.75, 3 of 4 satisfied
    expect(csatFigures([0, 1, 0, 2, 1])).toEqual({ responses: 4, average: 3.75, satisfiedPercent: 75 });
    // scores 5, 5, 4: mean 4.666… → 4.67
    expect(csatFigures([0, 0, 0, 1, 2])).toEqual({ responses: 3, average: 4.67, satisfiedPercent: 100 });
    expect(csatFigures([0, 0, 0, 0, 0])).toEqual({ responses: 0, average: null, satisfiedPercent: null });
  });
});

describe('SLA attainment', () => {
  it('is met ÷ (met + breached)', () => {
    expect(slaAttainment(3, 1)).toBe(75);
    expect(slaAttainment(0, 0)).toBeNull();
  });
});
