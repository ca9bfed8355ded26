import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  epsilonSpent,
  logErfc,
  noiseMultiplierFor,
  rdpOfStep,
  RdpAccountant,
  DEFAULT_ORDERS,
} from '../../src/engine/privacy/rdp-accountant.js';

// Reference values computed once with python3 + scipy from the published formulas (Mironov et al. 2019 §3.3, the
// integer/fractional-α sums of Opacus's opacus/accountants/analysis/rdp.py, its default orders, and the
// Balle et al. 2020 RDP→(ε, δ) conversion of its get_privacy_spent).
const EPS_REFERENCE: [q: number, sigma: number, steps: number, delta: number, epsilon: number][] = [
  [256 / 60000, 1.1, 14040, 1e-5, 2.594363354953112],
  [0.01, 1.0, 1000, 1e-5, 2.1013652716430564],
  [64 / 8000, 1.0, 1250, 1e-5, 1.8566183496209294],
  [32 / 455, 1.2, 420, 1e-5, 7.917447046816519],
  [0.1, 2.0, 100, 1e-6, 2.9141734583973755],
  [0.001, 0.8, 10000, 1e-5, 1.3838217954377952],
];

const RDP_REFERENCE: [alpha: number, rdp: number][] = [
  [1.5, 0.00012725374351154145],
  [2, 0.00017181342207453428],
  [3.7, 0.0003329356254202168],
  [10, 0.03827041889494864],
  [32, 11.246275937048072],
];

const within = (got: number, want: number, rel: number, what: string): void =>
  assert.ok(Math.abs(got - want) <= rel * Math.abs(want), `${what}: got ${got}, want ${want} (±${rel * 100}%)`);

test('ε matches the reference values of the Opacus RDP accountant within 1 %', () => {
  for (const [q, sigma, steps, delta, eps] of EPS_REFERENCE)
    within(epsilonSpent(q, sigma, steps, delta), eps, 0.01, `q=${q} σ=${sigma} T=${steps}`);
});

test('per-step RDP at integer and fractional orders matches the reference', () => {
  for (const [alpha, rdp] of RDP_REFERENCE) within(rdpOfStep(0.01, 1.0, alpha), rdp, 0.001, `α=${alpha}`);
});

test('the accountant composes steps and ε grows with steps; q = 1 is the plain Gaussian mechanism', () => {
  const acc = new RdpAccountant();
  assert.equal(acc.epsilon(1e-5), 0);
  acc.step(0.01, 1.0, 400);
  const e400 = acc.epsilon(1e-5);
  acc.step(0.01, 1.0, 600);
  within(acc.epsilon(1e-5), 2.1013652716430564, 0.01, 'composed 400 + 600 steps');
  assert.ok(e400 < acc.epsilon(1e-5));
  assert.equal(rdpOfStep(1, 2, 3), 3 / 8);
  assert.equal(DEFAULT_ORDERS.length, 151);
});

test('log erfc is accurate in both tails', () => {
  within(logErfc(0.5), Math.log(0.4795001221869535), 1e-9, 'erfc(0.5)');
  within(logErfc(3), Math.log(2.209049699858544e-5), 1e-9, 'erfc(3)');
  within(logErfc(30), -903.9741171106442, 1e-9, 'erfc(30)');
  within(logErfc(-1), Math.log(1.842700792949715), 1e-9, 'erfc(-1)');
});

test('noiseMultiplierFor finds the σ that spends the target ε', () => {
  const sigma = noiseMultiplierFor(8, 256 / 8000, 480, 1e-5);
  const eps = epsilonSpent(256 / 8000, sigma, 480, 1e-5);
  assert.ok(eps <= 8 && eps > 7.9, `ε ${eps} at σ ${sigma}`);
});
