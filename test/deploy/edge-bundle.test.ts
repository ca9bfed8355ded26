import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import * as ort from 'onnxruntime-node';
import { chromium, type BrowserContext } from 'playwright-core';
import { exportWebBundle } from '../../src/deploy/edge-bundle.js';
import { conv2d, dense, flatten, maxPooling2d, saveModel, sequential } from '../../src/engine/index.js';
import { generateDigits } from '../../src/data/datasets/synthetic-digits.js';
import { FIXTURES } from '../helpers/temp-workspace.js';
import { loadMnist } from '../../src/data/datasets/mnist.js';
import { quantizeOnnx } from '../../src/engine/onnx/quantize-onnx.js';
import { chromiumPath, CHROMIUM_ARGS } from '../ui/ui-build.js';

// The web bundle in real headless Chromium: predictions equal onnxruntime-node's, from / and from a sub-path, with
// wasm threads under cross-origin isolation, and a clear __predictionError when the wasm is missing.

const CHROME = chromiumPath();
const skip = CHROME ? false : 'no Chromium at /usr/bin/chromium (apt-get install chromium, or set SLIPWAY_CHROMIUM)';
if (skip) console.log(`# skipping web bundle browser tests: ${skip}`);

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
};

/** A plain static server: `mounts` maps URL prefixes to folders; optional COOP/COEP headers for cross-origin isolation. */
function staticServer(mounts: Record<string, string>, isolated: boolean): Promise<{ url: string; server: Server; misses: string[] }> {
  const misses: string[] = [];
  const server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0]!);
    const prefix = Object.keys(mounts)
      .filter((p) => path.startsWith(p))
      .sort((a, b) => b.length - a.length)[0];
    const rest = prefix === undefined ? '' : path.slice(prefix.length);
    const file =
      prefix === undefined ? null : join(mounts[prefix]!, normalize(rest === '' || rest.endsWith('/') ? `${rest}index.html` : rest));
    let body: Buffer | null = null;
    try {
      if (file && statSync(file).isFile()) body = readFileSync(file);
    } catch {
      body = null;
    }
    if (isolated) {
      res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
      res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    }
    if (!body) {
      misses.push(path);
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': MIME[extname(file!)] ?? 'application/octet-stream' }).end(body);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const a = server.address() as { port: number };
      resolve({ url: `http://127.0.0.1:${a.port}`, server, misses });
    }),
  );
}

let tmp = '';
let ctx: BrowserContext | null = null;
const bundles: Record<string, { dir: string; inputs: string; expected: number[][] }> = {};

/** The first output per sample from onnxruntime-node, the reference the page must match. */
async function reference(onnxFile: string, dims: number[], data: Float32Array): Promise<number[][]> {
  const session = await ort.InferenceSession.create(onnxFile);
  const per = dims.slice(1).reduce((a, b) => a * b, 1);
  const rows: number[][] = [];
  for (let i = 0; i < dims[0]!; i++) {
    const out = await session.run({
      [session.inputNames[0]!]: new ort.Tensor('float32', data.slice(i * per, (i + 1) * per), [1, ...dims.slice(1)]),
    });
    rows.push(Array.from(out[session.outputNames[0]!]!.data as Float32Array));
  }
  await session.release();
  return rows;
}

before(async () => {
  if (skip) return;
  tmp = mkdtempSync(join(tmpdir(), 'slipway-edge-'));
  const digits = generateDigits({ count: 6, seed: 3 });
  // The engine-trained CNN shape (NHWC), small, random weights: the page must agree with onnxruntime-node on any weights.
  const engine = sequential(
    [
      conv2d({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }),
      maxPooling2d({ poolSize: 2 }),
      flatten(),
      dense({ units: 10, activation: 'softmax' }),
    ],
    { seed: 5 },
  );
  await saveModel(engine, join(tmp, 'engine-model'));
  mkdirSync(join(tmp, 'torch-model'));
  cpSync(join(FIXTURES, 'onnx', 'torch-mnist-cnn.onnx'), join(tmp, 'torch-model', 'model.onnx'));
  // The same PyTorch model quantised to int8 QDQ: onnxruntime-web must run it like onnxruntime-node does.
  mkdirSync(join(tmp, 'int8-model'));
  const { test: t10k } = await loadMnist({ dir: join(FIXTURES, 'mnist') });
  const q = await quantizeOnnx(readFileSync(join(tmp, 'torch-model', 'model.onnx')), [
    { image: { dims: [64, 1, 28, 28], data: t10k.images.subarray(0, 64 * 784) } },
  ]);
  writeFileSync(join(tmp, 'int8-model', 'model.onnx'), q.bytes);
  for (const [name, modelDir, dims, inputName] of [
    ['engine', join(tmp, 'engine-model'), [6, 28, 28, 1], 'input'],
    ['torch', join(tmp, 'torch-model'), [6, 1, 28, 28], 'image'],
    ['int8', join(tmp, 'int8-model'), [6, 1, 28, 28], 'image'],
  ] as const) {
    const dir = join(tmp, `${name}-web`);
    const b = await exportWebBundle({ modelDir, outDir: dir, name, version: 1 });
    assert.ok(b.files.some((f) => f.path === 'ort/ort-wasm-simd-threaded.wasm'));
    const data = digits.images.slice(0, 6 * 784);
    const inputs = join(tmp, `${name}-inputs.json`);
    writeFileSync(inputs, JSON.stringify({ name: inputName, dtype: 'float32', dims, data: Array.from(data) }));
    bundles[name] = { dir, inputs, expected: await reference(join(dir, 'model.onnx'), [...dims], data) };
  }
  ctx = await chromium.launchPersistentContext(join(tmp, 'profile'), { executablePath: CHROME!, args: CHROMIUM_ARGS, headless: true });
});

after(async () => {
  await ctx?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

interface PageRun {
  predictions?: number[][];
  error?: string;
  meta?: { backend: string; numThreads: number; modelLoadMs: number; inferenceMs: number };
  problems: string[];
  isolated: boolean;
}

/** Opens the page at `url` and waits for it to publish predictions or an error; records every problem it shows. */
async function open(url: string): Promise<PageRun> {
  const page = await ctx!.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console.error: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`uncaught: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  try {
    await page.goto(url);
    await page.waitForFunction(
      () => {
        const w = window as unknown as Record<string, unknown>;
        return w.__predictions !== undefined || w.__predictionError !== undefined;
      },
      undefined,
      { timeout: 30_000 },
    );
    const got = await page.evaluate(() => {
      const w = window as unknown as Record<string, unknown>;
      return { predictions: w.__predictions, error: w.__predictionError, meta: w.__predictionMeta, isolated: self.crossOriginIsolated };
    });
    return { ...(got as Omit<PageRun, 'problems'>), problems };
  } finally {
    await page.close();
  }
}

function assertClose(got: number[][] | undefined, want: number[][]): void {
  assert.ok(got, 'the page published __predictions');
  assert.equal(got.length, want.length);
  got.forEach((row, i) => {
    assert.equal(row.length, want[i]!.length);
    row.forEach((v, k) => assert.ok(Math.abs(v - want[i]![k]!) <= 1e-4, `sample ${i} output ${k}: ${v} vs ${want[i]![k]}`));
  });
}

for (const name of ['engine', 'torch', 'int8']) {
  test(
    `web bundle (${name}): predictions equal onnxruntime-node's within 1e-4, from / and from a sub-path, clean run`,
    { skip },
    async () => {
      const b = bundles[name]!;
      const srv = await staticServer({ '/': b.dir, '/data/': tmp, '/models/mnist/3/edge/': b.dir }, false);
      try {
        for (const page of ['/', '/index.html', '/models/mnist/3/edge/']) {
          const run = await open(`${srv.url}${page}?inputs=${encodeURIComponent(`/data/${name}-inputs.json`)}`);
          assert.equal(run.error, undefined, run.error);
          assert.deepEqual(run.problems, []);
          assertClose(run.predictions, b.expected);
          assert.equal(run.meta?.backend, 'wasm');
          assert.equal(run.meta?.numThreads, 1);
        }
        // A relative inputs URL resolves against the page.
        cpSync(b.inputs, join(b.dir, 'sample.json'));
        const rel = await open(`${srv.url}/models/mnist/3/edge/index.html?inputs=sample.json`);
        assertClose(rel.predictions, b.expected);
        rmSync(join(b.dir, 'sample.json'));
        assert.deepEqual(srv.misses, []);
      } finally {
        srv.server.close();
      }
    },
  );
}

test('web bundle: ?threads=2 under cross-origin isolation uses two wasm threads and still matches', { skip }, async () => {
  const b = bundles.torch!;
  const srv = await staticServer({ '/': b.dir, '/data/': tmp }, true);
  try {
    const run = await open(`${srv.url}/?threads=2&inputs=/data/torch-inputs.json`);
    assert.equal(run.error, undefined, run.error);
    assert.equal(run.isolated, true);
    assert.equal(run.meta?.numThreads, 2);
    assert.deepEqual(run.problems, []);
    assertClose(run.predictions, b.expected);
  } finally {
    srv.server.close();
  }
});

test('web bundle: a bundle missing its wasm publishes __predictionError, not predictions', { skip }, async () => {
  const broken = join(tmp, 'broken-web');
  cpSync(bundles.torch!.dir, broken, { recursive: true });
  rmSync(join(broken, 'ort', 'ort-wasm-simd-threaded.wasm'));
  const srv = await staticServer({ '/': broken, '/data/': tmp }, false);
  try {
    const run = await open(`${srv.url}/?inputs=/data/torch-inputs.json`);
    assert.equal(run.predictions, undefined);
    assert.equal(typeof run.error, 'string');
    assert.ok(run.error!.length > 0);
  } finally {
    srv.server.close();
  }
});

test('web bundle: exporting into a folder that is not empty is refused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-edge-busy-'));
  try {
    mkdirSync(join(dir, 'out'));
    cpSync(join(FIXTURES, 'onnx', 'torch-mnist-cnn.onnx'), join(dir, 'out', 'x.onnx'));
    await assert.rejects(exportWebBundle({ modelDir: join(FIXTURES, 'onnx'), outDir: join(dir, 'out'), name: 'x' }), { code: 'USAGE' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
