// Edge and embedded figures: the PyTorch-exported MNIST CNN (test/fixtures/onnx) quantised to int8 QDQ —
// file size against fp32, accuracy on the held-out 2,000 t10k images (calibrated on 256 of the first 8,000), and
// batch-1 latency in onnxruntime-node, fp32 and int8 alternated A B A B A B with medians and the ratio's min–max —
// then the web bundle in headless Chromium: bundle size, and time from navigation to published predictions
// (fresh browser context each round, so nothing comes from cache).
// Needs Debian's chromium for the browser part (skipped with a line when absent).
// Run: node --import tsx bench/edge.ts [--rounds 3]
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import * as ort from 'onnxruntime-node';
import { loadMnist } from '../src/data/datasets/mnist.js';
import { exportWebBundle } from '../src/deploy/edge-bundle.js';
import { quantizeOnnx } from '../src/engine/onnx/quantize-onnx.js';
import { alternate, median, ratioLine, sideLine } from './alternate.js';

const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1] || 3) || 3;
const repo = join(import.meta.dirname, '..');
const fixtures = join(repo, 'test', 'fixtures');
const fp32 = new Uint8Array(readFileSync(join(fixtures, 'onnx', 'torch-mnist-cnn.onnx')));
const { test: t10k } = await loadMnist({ dir: join(fixtures, 'mnist') });
const img = (from: number, n: number): Float32Array => t10k.images.subarray(from * 784, (from + n) * 784);

const batches = Array.from({ length: 8 }, (_, b) => ({ image: { dims: [32, 1, 28, 28], data: img(b * 32, 32) } }));
const t0 = performance.now();
const q = await quantizeOnnx(fp32, batches);
console.log(`quantised in ${(performance.now() - t0).toFixed(0)} ms (calibration: 256 images)`);
console.log(
  `file: fp32 ${fp32.length} B, int8 ${q.bytes.length} B = ${((q.bytes.length / fp32.length) * 100).toFixed(1)}% of fp32 (target ≤ 30%)`,
);

async function session(bytes: Uint8Array): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
}
const sFp = await session(fp32);
const sQ = await session(q.bytes);
async function accuracy(s: ort.InferenceSession): Promise<number> {
  const out = await s.run({ image: new ort.Tensor('float32', img(8000, 2000), [2000, 1, 28, 28]) });
  const p = out.probabilities!.data as Float32Array;
  let ok = 0;
  for (let i = 0; i < 2000; i++) {
    let best = 0;
    for (let k = 1; k < 10; k++) if (p[i * 10 + k]! > p[i * 10 + best]!) best = k;
    if (best === t10k.labels[8000 + i]) ok++;
  }
  return ok / 2000;
}
const accFp = await accuracy(sFp);
const accQ = await accuracy(sQ);
console.log(
  `accuracy on the held-out 2,000: fp32 ${(accFp * 100).toFixed(2)}%, int8 ${(accQ * 100).toFixed(2)}%, drop ${((accFp - accQ) * 100).toFixed(2)} points (target ≤ 0.5)`,
);

const one = { image: new ort.Tensor('float32', img(8000, 1), [1, 1, 28, 28]) };
async function latencyUs(s: ort.InferenceSession): Promise<number> {
  for (let i = 0; i < 50; i++) await s.run(one);
  const ts: number[] = [];
  for (let i = 0; i < 500; i++) {
    const t = performance.now();
    await s.run(one);
    ts.push((performance.now() - t) * 1000);
  }
  return median(ts);
}
const lat = await alternate(
  rounds,
  () => latencyUs(sFp),
  () => latencyUs(sQ),
);
console.log(`batch-1 latency in onnxruntime-node (1 thread), ${Math.max(3, rounds)} rounds A B A B…, median of 500 runs each:`);
console.log(`  ${sideLine('fp32', lat.a, 'µs')}`);
console.log(`  ${sideLine('int8', lat.b, 'µs')}`);
console.log(`  int8/fp32 ${ratioLine(lat.a, lat.b)} (target ≤ 1)`);

// The web bundle in headless Chromium.
const chrome = process.env.SLIPWAY_CHROMIUM ?? '/usr/bin/chromium';
if (!existsSync(chrome)) {
  console.log(`\nweb bundle: skipped (no Chromium at ${chrome}; apt-get install chromium)`);
} else {
  const { chromium } = await import('playwright-core');
  const tmp = mkdtempSync(join(tmpdir(), 'slipway-bench-edge-'));
  try {
    const modelDir = join(tmp, 'model');
    mkdirSync(modelDir);
    writeFileSync(join(modelDir, 'model.onnx'), q.bytes);
    const bundle = await exportWebBundle({ modelDir, outDir: join(tmp, 'web'), name: 'mnist-int8' });
    writeFileSync(
      join(tmp, 'web', 'inputs.json'),
      JSON.stringify({ name: 'image', dtype: 'float32', dims: [10, 1, 28, 28], data: Array.from(img(8000, 10)) }),
    );
    const wasm = bundle.files.find((f) => f.path.endsWith('.wasm'))!.bytes;
    console.log(
      `\nweb bundle: ${bundle.files.length} files, ${(bundle.totalBytes / 2 ** 20).toFixed(2)} MiB (wasm runtime ${(wasm / 2 ** 20).toFixed(2)} MiB, model ${q.bytes.length} B)`,
    );
    const mime: Record<string, string> = {
      '.html': 'text/html',
      '.js': 'text/javascript',
      '.mjs': 'text/javascript',
      '.json': 'application/json',
      '.wasm': 'application/wasm',
    };
    const server = createServer((req, res) => {
      const path = normalize(decodeURIComponent((req.url ?? '/').split('?')[0]!)).replace(/^\/+/, '') || 'index.html';
      const file = join(tmp, 'web', path);
      if (!existsSync(file) || !statSync(file).isFile()) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': mime[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/?inputs=inputs.json`;
    const browser = await chromium.launch({
      executablePath: chrome,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    const firstMs: number[] = [];
    const loadMs: number[] = [];
    for (let r = 0; r < Math.max(3, rounds); r++) {
      const context = await browser.newContext();
      const page = await context.newPage();
      const t = performance.now();
      await page.goto(url, { waitUntil: 'commit' });
      await page.waitForFunction(() => {
        const w = window as unknown as Record<string, unknown>;
        return w.__predictions !== undefined || w.__predictionError !== undefined;
      });
      firstMs.push(performance.now() - t);
      const meta = (await page.evaluate(() => (window as unknown as Record<string, unknown>).__predictionMeta)) as { modelLoadMs: number };
      loadMs.push(meta.modelLoadMs);
      await context.close();
    }
    await browser.close();
    server.close();
    console.log(
      `  navigation → 10 predictions published: ${sideLine('', firstMs, 'ms').slice(2)} (target < 1500 ms); model load in the page median ${median(loadMs).toFixed(0)} ms`,
    );
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
await sFp.release();
await sQ.release();
