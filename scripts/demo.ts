// `npm run demo [-- --data DIR] [-- --keep] [-- --epochs N] [-- --example breast-cancer] [-- --offline]`:
// the whole Slipway loop in a fresh temporary workspace, driven through the real CLI. Importable: the e2e test
// calls `runDemo` with a smaller configuration.
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runDemo, type DemoOptions, type DemoResult } from './demo/run-demo.js';
import { paint } from './demo/demo-shell.js';
import { stopAllServers } from './demo/demo-server.js';

export { runDemo, type DemoOptions, type DemoResult };

const USAGE = `usage: npm run demo -- [options]

  --data DIR        local data: an MNIST IDX folder (t10k-* and/or train-*), or a folder with breast_cancer.csv
                    (in this repository: --data ../shared/data/mnist)
  --example NAME    mnist (default) or breast-cancer
  --epochs N        training epochs of the first run (the second run trains more: mnist +1, breast-cancer ×2)
  --requests N      predictions in the serving burst (default 300)
  --offline         do not try to download MNIST; without --data, use the generated digits
  --keep            keep the workspace afterwards (its path is printed)
  --help            this text`;

/** Prints the closing summary: wall time, each phase's share, where things are, what to try next. */
function printSummary(r: DemoResult): void {
  const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
  const out = (l = ''): void => void process.stdout.write(`${l}\n`);
  out();
  out(paint.head('━━ summary'));
  out(`demo wall time ${s(r.totalMs)}`);
  for (const p of r.phases) out(`  ${p.name.padEnd(12)} ${s(p.ms).padStart(8)}  ${((p.ms / r.totalMs) * 100).toFixed(0).padStart(3)}%`);
  out();
  out(`data            ${r.dataSource}`);
  out(
    `model           ${r.model}@${r.servedVersion} — test accuracy ${(r.accuracy * 100).toFixed(2)}%${r.promotedFirst ? '' : ' (failed its gates; forced)'}`,
  );
  const q = r.monitoring.quality;
  out(
    `served          ${r.predictions.length} predictions on :${r.ports.rest} (REST) and :${r.ports.grpc} (gRPC); ${r.feedback.sent} labelled; ` +
      `live accuracy ${q ? (q.accuracy * 100).toFixed(2) + '%' : 'n/a'}, p95 ${r.monitoring.latencyMs.p95.toFixed(2)} ms`,
  );
  if (r.second)
    out(
      `second run      accuracy ${(r.second.accuracy * 100).toFixed(2)}% → ${r.model}@${r.second.version} ${r.second.promoted ? 'promoted' : 'refused by the gates'}; ` +
        `run cache ${r.second.cacheRestored ? 'restored the first model without training' : 'not used'}`,
    );
  out();
  if (r.kept) {
    out(`workspace kept: ${r.workspace}`);
    out('try next:');
    out(`  alias slipway="node ${fileURLToPath(new URL('../bin/slipway.js', import.meta.url))}"   # or \`npm link\` in the repository`);
    out(`  cd ${r.workspace}`);
    out(`  slipway lineage ${r.model}@${r.servedVersion}            # data → run → model → aliases`);
    out(`  slipway models history ${r.model}          # every alias move, with its gate report`);
    out(`  slipway exp run -S train.epochs=3 && slipway exp show`);
    out(`  slipway ci run                     # what a CI job runs: repro, register, gates, slipway-report.md`);
    out(`  slipway serve ${r.model} &  curl localhost:8501/v1/models/${r.model}`);
  } else {
    out('the workspace was removed; run with --keep to explore it (slipway lineage, models history, exp run, serve).');
  }
  out(`the other scenario: npm run demo -- --example ${r.example === 'mnist' ? 'breast-cancer' : 'mnist'}`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      data: { type: 'string' },
      example: { type: 'string' },
      epochs: { type: 'string' },
      requests: { type: 'string' },
      offline: { type: 'boolean' },
      keep: { type: 'boolean' },
      help: { type: 'boolean' },
    },
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const int = (v: string | undefined, name: string): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} needs a positive whole number, got "${v}"`);
    return n;
  };
  if (values.example !== undefined && values.example !== 'mnist' && values.example !== 'breast-cancer')
    throw new Error(`--example is mnist or breast-cancer, got "${values.example}"`);
  const opts: DemoOptions = {
    ...(values.example ? { example: values.example as 'mnist' | 'breast-cancer' } : {}),
    ...(values.data ? { dataDir: values.data } : {}),
    ...(values.offline ? { offline: true } : {}),
    ...(values.keep ? { keep: true } : {}),
    ...(int(values.epochs, 'epochs') !== undefined ? { epochs: int(values.epochs, 'epochs') } : {}),
    ...(int(values.requests, 'requests') !== undefined ? { requests: int(values.requests, 'requests') } : {}),
  };
  printSummary(await runDemo(opts));
}

const invoked = process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
if (invoked) {
  for (const sig of ['SIGINT', 'SIGTERM'] as const)
    process.once(sig, () => {
      stopAllServers();
      process.stderr.write(`\n${sig}: demo stopped; its workspace (printed at the top) is kept\n`);
      process.exit(130);
    });
  main().catch((e: unknown) => {
    process.stderr.write(`\n${paint.warn('demo failed:')} ${(e as Error).message}\n`);
    process.exit(1);
  });
}
