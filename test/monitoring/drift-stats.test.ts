import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  categoricalPsi,
  chiSquaredSurvival,
  chiSquaredTest,
  kolmogorovQ,
  ksTest,
  psi,
  regularizedGammaQ,
} from '../../src/monitoring/index.js';
import { psiFromShares } from '../../src/monitoring/drift-stats.js';

const close = (a: number, b: number, tol: number, what: string): void => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

/** Deterministic standard normals (mulberry32 + Box–Muller) so the property tests cannot flake. */
function normals(n: number, seed: number, shift = 0): Float64Array {
  let s = seed >>> 0;
  const u = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return Float64Array.from({ length: n }, () => shift + Math.sqrt(-2 * Math.log(u() + 1e-12)) * Math.cos(2 * Math.PI * u()));
}

test('incomplete gamma and chi-squared survival match closed forms and published critical values', () => {
  // Q(1, x) = e^{-x}; χ²(2) survival is e^{-x/2}; Q(1/2, x) = erfc(√x).
  close(regularizedGammaQ(1, 2), Math.exp(-2), 1e-12, 'Q(1,2)');
  close(regularizedGammaQ(1, 0.3), Math.exp(-0.3), 1e-12, 'Q(1,0.3)');
  close(chiSquaredSurvival(7, 2), Math.exp(-3.5), 1e-12, 'chi2(2) at 7');
  // Upper 5% points of χ² (e.g. NIST/SEMATECH e-Handbook table 1.3.6.7.4): df 1 → 3.841, 2 → 5.991, 10 → 18.307.
  close(chiSquaredSurvival(3.841458820694124, 1), 0.05, 1e-9, 'df 1');
  close(chiSquaredSurvival(5.991464547107979, 2), 0.05, 1e-9, 'df 2');
  close(chiSquaredSurvival(18.307038053275146, 10), 0.05, 1e-9, 'df 10');
  close(chiSquaredSurvival(6.634896601021214, 1), 0.01, 1e-9, 'df 1 at 1%');
  assert.equal(chiSquaredSurvival(0, 3), 1);
});

test('chi-squared test of homogeneity on a hand-computed 2×2 table', () => {
  // Reference a:10 b:20, current a:20 b:10 → every expected count 15, χ² = 4·25/15 = 20/3, df 1, p = erfc(√(10/3)).
  const r = chiSquaredTest(
    new Map([
      ['a', 10],
      ['b', 20],
    ]),
    new Map([
      ['a', 20],
      ['b', 10],
    ]),
  );
  close(r.statistic, 20 / 3, 1e-12, 'statistic');
  assert.equal(r.df, 1);
  close(r.pValue, 0.009823274507519247, 1e-10, 'p');
  const same = chiSquaredTest(
    new Map([
      ['a', 5],
      ['b', 7],
    ]),
    new Map([
      ['a', 10],
      ['b', 14],
    ]),
  );
  close(same.statistic, 0, 1e-12, 'proportional tables');
  close(same.pValue, 1, 1e-12, 'p of proportional tables');
  // A class only in the current window still counts (and a single class has nothing to test).
  assert.ok(
    chiSquaredTest(
      new Map([['a', 50]]),
      new Map([
        ['a', 25],
        ['b', 25],
      ]),
    ).pValue < 1e-6,
  );
  assert.equal(chiSquaredTest(new Map([['a', 5]]), new Map([['a', 9]])).pValue, 1);
});

test('Kolmogorov distribution and two-sample KS statistic', () => {
  // Asymptotic critical values of the Kolmogorov distribution (Smirnov 1948; tables in e.g. Massey 1951):
  // P(K > 1.2238) = 0.10, P(K > 1.3581) = 0.05, P(K > 1.6276) = 0.01.
  close(kolmogorovQ(1.2238478702170825), 0.1, 1e-6, 'Q(1.224)');
  close(kolmogorovQ(1.3580986393225505), 0.05, 1e-6, 'Q(1.358)');
  close(kolmogorovQ(1.6276236115189502), 0.01, 1e-6, 'Q(1.628)');
  assert.equal(kolmogorovQ(0), 1);
  // Hand-computed: ECDFs of {1,2,3} and {2,3,4} differ by at most 1/3; disjoint samples by 1.
  close(ksTest([1, 2, 3], [2, 3, 4]).statistic, 1 / 3, 1e-12, 'D');
  assert.equal(ksTest([1, 2, 3, 4], [5, 6, 7, 8]).statistic, 1);
  assert.equal(ksTest([3, 1, 2], [2, 1, 3]).statistic, 0, 'order does not matter');
  // Ties across samples are handled: equal multisets give 0.
  assert.equal(ksTest([1, 1, 2, 2], [2, 1, 2, 1]).statistic, 0);
  const a = normals(400, 1);
  const id = ksTest(a, a);
  assert.equal(id.statistic, 0);
  assert.equal(id.pValue, 1);
  const same = ksTest(a, normals(400, 2));
  assert.ok(same.pValue > 0.05, `two samples of one distribution: p ${same.pValue}`);
  const shifted = ksTest(a, normals(400, 3, 1));
  assert.ok(shifted.pValue < 0.05 && shifted.statistic > 0.25, `shifted by 1 sd: ${JSON.stringify(shifted)}`);
});

test('PSI: hand-computed shares, identical samples 0, clear shift ≥ 0.25, empty bins floored', () => {
  // (0.25−0.5)·ln(0.25/0.5) + (0.75−0.5)·ln(0.75/0.5) = 0.25·(ln 2 + ln 1.5)
  close(psiFromShares([0.5, 0.5], [0.25, 0.75]), 0.25 * (Math.log(2) + Math.log(1.5)), 1e-12, 'shares');
  const a = normals(1000, 4);
  assert.equal(psi(a, a), 0);
  assert.ok(psi(a, normals(1000, 5)) < 0.1, 'same distribution stays under the warn threshold');
  assert.ok(psi(a, normals(1000, 6, 1)) >= 0.25, 'a 1 sd shift is past the alert threshold');
  // All current values above every reference value: one bin holds everything, the rest are floored at ε (finite).
  const far = psi(a, normals(1000, 7, 100));
  assert.ok(Number.isFinite(far) && far > 1, `far shift ${far}`);
  // Constant reference: one bin; the same constant is no drift.
  assert.equal(psi([2, 2, 2, 2], [2, 2]), 0);
  const cats = new Map([
    ['0', 50],
    ['1', 50],
  ]);
  assert.equal(categoricalPsi(cats, cats), 0);
  close(
    categoricalPsi(
      cats,
      new Map([
        ['0', 25],
        ['1', 75],
      ]),
    ),
    0.25 * (Math.log(2) + Math.log(1.5)),
    1e-12,
    'categorical',
  );
});
