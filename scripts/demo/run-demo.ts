import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { copyExampleFiles, exampleById, type DemoExample } from './demo-examples.js';
import { pickPort, startServe, type ServeProcess } from './demo-server.js';
import { createDemoShell, paint, type DemoShell } from './demo-shell.js';
import { sendBurst, sendFeedback, servedSignature, type ServedPrediction, type TrafficRows } from './demo-traffic.js';
import { demoProgress } from './demo-progress.js';
import type { MonitoringReport } from '../../src/monitoring/index.js';

/** Options of one demo run (the CLI flags of `npm run demo`, and what the e2e test turns down). */
export interface DemoOptions {
  readonly example?: 'mnist' | 'breast-cancer';
  /** Local data: an MNIST IDX folder, or a folder holding breast_cancer.csv. */
  readonly dataDir?: string;
  /** Never try to download MNIST (use --data or the generated fallback). */
  readonly offline?: boolean;
  /** Training epochs of the first run (the second run adds one). */
  readonly epochs?: number;
  /** prepare.train_count / prepare.test_count of the MNIST pipeline. */
  readonly trainCount?: number;
  readonly testCount?: number;
  /** REST and gRPC ports; 0 picks free ones (the default tries 8501/8500 and falls back to free ports). */
  readonly ports?: { readonly rest: number; readonly grpc: number } | 0;
  /** Predictions in the burst, and the share of them that get ground-truth feedback. */
  readonly requests?: number;
  readonly feedbackShare?: number;
  /** Keep the workspace (the test keeps it to check the outcomes, then removes it). */
  readonly keep?: boolean;
  /** Print nothing (the test); failures still throw with the command's output. */
  readonly quiet?: boolean;
  /** Skip the second run (changed param → run cache, metrics diff, gate decision). */
  readonly skipSecondRun?: boolean;
}

/** One timed phase. */
export interface DemoPhase {
  readonly name: string;
  readonly ms: number;
}

/** The figures and places a demo run produced. */
export interface DemoResult {
  readonly example: DemoExample['id'];
  readonly workspace: string;
  readonly kept: boolean;
  readonly dataSource: string;
  readonly model: string;
  /** Evaluation accuracy of the first run (from the pipeline's metrics file). */
  readonly accuracy: number;
  /** The version promoted to production and served. */
  readonly servedVersion: number;
  readonly promotedFirst: boolean;
  readonly ports: { readonly rest: number; readonly grpc: number; readonly moved: boolean };
  readonly predictions: readonly ServedPrediction[];
  /** The rows sent (index = ServedPrediction.row). */
  readonly rows: TrafficRows;
  readonly feedback: { readonly sent: number; readonly expectedAccuracy: number; readonly requestIds: readonly string[] };
  /** `slipway monitor MODEL --json`. */
  readonly monitoring: MonitorJson;
  readonly second?: { readonly accuracy: number; readonly version: number; readonly promoted: boolean; readonly cacheRestored: boolean };
  readonly phases: readonly DemoPhase[];
  readonly totalMs: number;
}

/** What `slipway monitor MODEL --json` prints. */
export type MonitorJson = MonitoringReport;

/** Finds a numeric metric by key anywhere in a metrics JSON (top level first). */
export function findMetric(obj: unknown, key: string): number | undefined {
  if (obj === null || typeof obj !== 'object') return undefined;
  const rec = obj as Record<string, unknown>;
  if (typeof rec[key] === 'number') return rec[key];
  for (const v of Object.values(rec)) {
    const hit = findMetric(v, key);
    if (hit !== undefined) return hit;
  }
  return undefined;
}

/** Sets `key` (dotted) in a YAML params file, keeping its comments. */
function setParam(file: string, key: string, value: number): void {
  const doc = parseDocument(readFileSync(file, 'utf8'));
  doc.setIn(key.split('.'), value);
  writeFileSync(file, doc.toString());
}

function getParam(file: string, key: string): unknown {
  return parseDocument(readFileSync(file, 'utf8')).getIn(key.split('.'));
}

function hasGit(): boolean {
  return spawnSync('git', ['--version'], { stdio: 'ignore' }).status === 0;
}

/**
 * Runs the whole loop in a fresh temporary workspace through the real CLI: data → pipeline → registry and gates →
 * serving (REST + gRPC) with feedback → monitoring → a second run with a changed param. Returns the figures.
 */
export async function runDemo(opts: DemoOptions = {}): Promise<DemoResult> {
  const ex = exampleById(opts.example ?? 'mnist');
  const t0 = performance.now();
  const phases: DemoPhase[] = [];
  const root = mkdtempSync(join(tmpdir(), `slipway-demo-${ex.id}-`));
  const ws = join(root, 'workspace');
  mkdirSync(ws);
  const sh = createDemoShell({ cwd: ws, binDir: join(root, 'bin'), quiet: opts.quiet ?? false });
  const warn = (l: string): void => sh.say(paint.warn(`! ${l}`));
  // Commands that only show something to the reader; a quiet run (the test) skips them to save time.
  const look = async (args: readonly string[]): Promise<void> => {
    if (!sh.quiet) await sh.slipway(args);
  };
  let server: ServeProcess | undefined;
  let current = '';
  let phaseStart = performance.now();
  const phase = (name: string, what: string): void => {
    if (current) phases.push({ name: current, ms: performance.now() - phaseStart });
    current = name;
    phaseStart = performance.now();
    sh.say();
    sh.say(paint.head(`━━ ${name}: ${what}`));
  };
  const git = hasGit();
  const gitq = (...args: string[]): void => {
    const r = spawnSync('git', ['-c', 'user.name=Slipway demo', '-c', 'user.email=demo@slipway.invalid', ...args], {
      cwd: ws,
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${r.stderr}`);
  };
  let ok = false;
  try {
    sh.say(paint.head(`Slipway demo — ${ex.headline}`));
    sh.say(paint.dim(`workspace: ${ws}`));

    phase('setup', 'a new project: slipway init, the example files, git');
    await sh.slipway(['init']);
    const missing = copyExampleFiles(ex, ws);
    if (missing.length) throw new Error(`the example is incomplete: ${missing.join(', ')} missing`);
    const params = join(ws, 'params.yaml');
    if (opts.epochs !== undefined) setParam(params, 'train.epochs', opts.epochs);
    if (opts.trainCount !== undefined) setParam(params, 'prepare.train_count', opts.trainCount);
    if (opts.testCount !== undefined) setParam(params, 'prepare.test_count', opts.testCount);
    if (git) {
      writeFileSync(join(ws, '.gitignore'), '# data and models live in Slipway’s store, not in git\ndata/\nmodel/\n');
      sh.say(paint.cmd(`$ git init && git add -A && git commit -m "${ex.id} project"`));
      gitq('init', '-q');
      gitq('add', '-A');
      gitq('commit', '-q', '-m', `${ex.id} project`);
    }

    phase('data', `version the raw data (${ex.dataPath})`);
    const data = await ex.provideData(ws, { dataDir: opts.dataDir, offline: opts.offline, say: (l) => sh.say(l), warn });
    await sh.slipway(['data', 'add', ex.dataPath, '--name', ex.dataset, '-m', `from ${data.source}`]);
    await look(['data', 'show', ex.dataset]);

    phase('pipeline', 'prepare → train → evaluate, every stage a tracked run');
    await look(['dag']);
    await sh.slipway(['repro']);
    const evalJson = JSON.parse(readFileSync(join(ws, ex.evalMetrics), 'utf8')) as unknown;
    const accuracy = findMetric(evalJson, 'accuracy');
    if (accuracy === undefined) throw new Error(`${ex.evalMetrics} has no accuracy`);
    sh.say(paint.ok(`test accuracy: ${(accuracy * 100).toFixed(2)}%`));
    await look(['runs', 'list']);
    if (git) {
      sh.say(paint.cmd('$ git add slipway.lock metrics && git commit -m "first model"'));
      gitq('add', '-A');
      gitq('commit', '-q', '-m', 'first model');
    }

    phase('registry', 'register the model, run the gates, promote to production');
    const v1 = await register(sh, ex, ws);
    const first = await sh.slipway(['models', 'promote', `${ex.model}@${v1}`, '--to', 'production'], { okCodes: [1] });
    const promotedFirst = first.code === 0;
    if (!promotedFirst) {
      warn(
        `${ex.model}@${v1} failed its gates (table above). The demo forces it into production to go on serving — audited, with a reason:`,
      );
      await sh.slipway([
        'models',
        'promote',
        `${ex.model}@${v1}`,
        '--to',
        'production',
        '--force',
        '--reason',
        'demo: serve the first model anyway',
      ]);
    }
    await look(['models', 'show', ex.model]);

    phase('serving', 'slipway serve: TF Serving REST, Open Inference v2 and gRPC, then feedback');
    const ports = await choosePorts(opts.ports);
    if (ports.moved) warn(`port 8501 or 8500 is taken (another server?); serving on ${ports.rest} (REST) and ${ports.grpc} (gRPC) instead`);
    server = await startServe(sh, ['serve', ex.model], ports, { echo: (l) => sh.say(paint.dim(`  [serve] ${l}`)) });
    const shown = await sh.json<{ signature?: { classLabels?: string[] } }>(['models', 'show', `${ex.model}@${v1}`]);
    const sig = await servedSignature(server.restUrl, ex.model, shown.signature?.classLabels);
    const rows = await ex.loadTestRows(ws);
    const requests = opts.requests ?? 300;
    sh.say(`sending ${requests} predictions (rotating TF Serving :predict, v2 infer, gRPC Predict) with 8 concurrent clients`);
    const bar = demoProgress(sh.quiet, 'predictions', requests);
    const predictions = await sendBurst({
      restUrl: server.restUrl,
      grpcAddress: server.grpcAddress,
      model: ex.model,
      sig,
      rows,
      requests,
      concurrency: 8,
      idPrefix: `demo-${Date.now().toString(36)}`,
      onProgress: (n) => bar.update(n),
    });
    bar.stop();
    printBurst(sh, predictions);
    const share = opts.feedbackShare ?? 2 / 3;
    // Spread evenly: request i gets a label when floor((i + 1)·share) steps up.
    const labelled = predictions.filter((_, i) => Math.floor((i + 1) * share) > Math.floor(i * share));
    const sent = await sendFeedback(server.restUrl, labelled, sig.classLabels);
    const expectedAccuracy = labelled.filter((p) => p.predicted === p.label).length / Math.max(1, labelled.length);
    sh.say(
      `ground truth for ${sent} of the ${predictions.length} requests (their x-request-id and true label), as a labelling system would send it:\n` +
        paint.cmd(
          `  POST ${server.restUrl}/v1/feedback  {"feedback": [{"request_id": "${labelled[0]?.requestId ?? '…'}", "label": "${sig.classLabels?.[labelled[0]?.label ?? 0] ?? labelled[0]?.label}"}, …]}`,
        ),
    );
    sh.say(`the client's own count of right answers among them: ${(expectedAccuracy * 100).toFixed(2)}% — monitoring must report the same`);

    phase('monitoring', 'slipway monitor: quality from joined feedback, latency from live traffic');
    await look(['monitor', ex.model]);
    const monitoring = await sh.json<MonitorJson>(['monitor', ex.model]);
    const live = monitoring.quality;
    if (live && live.labelled === sent && Math.abs(live.accuracy - expectedAccuracy) < 1e-9)
      sh.say(paint.ok(`monitoring joined all ${sent} labels and agrees with the client: accuracy ${(live.accuracy * 100).toFixed(2)}%`));
    else
      warn(
        `monitoring disagrees with the client: ${live ? `${live.labelled} labelled, accuracy ${live.accuracy}` : 'no quality section'} vs ${sent} sent, ${expectedAccuracy}`,
      );
    await server.stop();
    server = undefined;

    let second: DemoResult['second'];
    if (!opts.skipSecondRun) {
      const before = Number(getParam(params, ex.secondRun.key));
      const after = ex.secondRun.next(before);
      phase('second run', `${ex.secondRun.key}: ${before} → ${after} (${ex.secondRun.describe}); run cache, metrics diff, gates`);
      sh.say(paint.cmd(`$ sed -i 's/epochs: ${before}/epochs: ${after}/' params.yaml`));
      setParam(params, ex.secondRun.key, after);
      await look(['status']);
      await sh.slipway(['repro']);
      const acc2 = findMetric(JSON.parse(readFileSync(join(ws, ex.evalMetrics), 'utf8')) as unknown, 'accuracy') ?? Number.NaN;
      sh.say(paint.ok(`test accuracy: ${(accuracy * 100).toFixed(2)}% → ${(acc2 * 100).toFixed(2)}%`));
      await look(['metrics', 'diff', ...(git ? [] : [`${ex.model}:production`])]);
      const v2 = await register(sh, ex, ws);
      const decision = await sh.slipway(['models', 'promote', `${ex.model}@${v2}`, '--to', 'production'], { okCodes: [1] });
      sh.say(
        decision.code === 0
          ? paint.ok(`${ex.model}@${v2} passed every gate: production → v${v2}`)
          : paint.warn(`${ex.model}@${v2} was refused: production stays at v${v1}`),
      );
      sh.say(`back to ${ex.secondRun.key}: ${before} — identical inputs, so the run cache restores the outputs instead of training again:`);
      setParam(params, ex.secondRun.key, before);
      const restore = await sh.slipway(['repro', '--json'], { capture: true });
      const stages = (JSON.parse(restore.stdout) as { stages: { stage: string; status: string; startedAt: number; endedAt: number }[] })
        .stages;
      for (const s of stages)
        sh.say(`  ${s.stage.padEnd(10)} ${s.status.replace(/_/g, ' ').padEnd(11)} ${((s.endedAt - s.startedAt) / 1000).toFixed(2)} s`);
      second = {
        accuracy: acc2,
        version: v2,
        promoted: decision.code === 0,
        cacheRestored: stages.some((s) => s.stage === 'train' && s.status === 'restored'),
      };
    }

    phases.push({ name: current, ms: performance.now() - phaseStart });
    current = '';
    const totalMs = performance.now() - t0;
    const result: DemoResult = {
      example: ex.id,
      workspace: ws,
      kept: opts.keep ?? false,
      dataSource: `${data.source} (${data.from})`,
      model: ex.model,
      accuracy,
      servedVersion: v1,
      promotedFirst,
      ports: { rest: ports.rest, grpc: ports.grpc, moved: ports.moved },
      predictions,
      rows,
      feedback: { sent, expectedAccuracy, requestIds: labelled.map((p) => p.requestId) },
      monitoring,
      ...(second ? { second } : {}),
      phases,
      totalMs,
    };
    ok = true;
    return result;
  } finally {
    await server?.stop();
    if (!ok) sh.say(paint.warn(`the demo stopped in phase "${current}"; workspace kept at ${ws}`));
    else if (!opts.keep) rmSync(root, { recursive: true, force: true });
  }
}

async function choosePorts(p: DemoOptions['ports']): Promise<{ rest: number; grpc: number; moved: boolean }> {
  const want = p === 0 ? { rest: 0, grpc: 0 } : (p ?? { rest: 8501, grpc: 8500 });
  const rest = await pickPort(want.rest);
  const grpc = await pickPort(want.grpc, [rest.port]);
  return { rest: rest.port, grpc: grpc.port, moved: rest.moved || grpc.moved };
}

/**
 * Registers the pipeline's model: from the run `slipway train` recorded (its id is in the train metrics file; the run
 * holds the model artifact, params and metrics, so the version gets lineage), else from the model folder. Returns N.
 */
async function register(sh: DemoShell, ex: DemoExample, ws: string): Promise<number> {
  let from = ex.modelDir;
  try {
    const trainMetrics = JSON.parse(readFileSync(join(ws, ex.trainMetrics), 'utf8')) as { run?: unknown };
    if (typeof trainMetrics.run === 'string') {
      const run = await sh.json<{ artifacts?: { path: string }[] }>(['runs', 'show', trainMetrics.run]);
      if (run.artifacts?.some((a) => a.path === 'model')) from = trainMetrics.run;
    }
  } catch {
    // no tracked training run: register the folder
  }
  // The version's metrics are the held-out evaluation's, not training's, so diffs and reports compare like with like.
  const r = await sh.slipway(['models', 'register', ex.model, '--from', from, '--metrics', ex.evalMetrics, '--json'], { capture: true });
  const v = JSON.parse(r.stdout) as { name: string; version: number };
  sh.say(
    paint.ok(`registered ${v.name}@${v.version}`) +
      paint.dim(
        from === ex.modelDir ? ` (from ${from}/)` : ` (from training run ${from}: its params, metrics, code version and model artifact)`,
      ),
  );
  return v.version;
}

function printBurst(sh: DemoShell, ps: readonly ServedPrediction[]): void {
  const by = new Map<string, ServedPrediction[]>();
  for (const p of ps) by.set(p.protocol, [...(by.get(p.protocol) ?? []), p]);
  for (const [protocol, list] of by) {
    const ms = list.map((p) => p.ms).sort((a, b) => a - b);
    const right = list.filter((p) => p.predicted === p.label).length;
    sh.say(
      `  ${protocol.padEnd(8)} ${String(list.length).padStart(4)} requests  client p50 ${ms[Math.floor(ms.length / 2)]!.toFixed(1)} ms  correct ${right}/${list.length}`,
    );
  }
}
