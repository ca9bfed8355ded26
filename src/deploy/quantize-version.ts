import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportOnnx } from '../engine/onnx/export-onnx.js';
import { quantizeOnnx, type CalibrationBatch } from '../engine/onnx/quantize-onnx.js';
import { SlipwayError } from '../errors/index.js';
import { loadEvalData, type EvalData } from '../gates/index.js';
import type { Db } from '../meta/index.js';
import { checkoutModelVersion, registerModel } from '../registry/index.js';
import type { ModelVersion } from '../registry/index.js';
import type { ObjectStore } from '../store/index.js';

/** What to quantise and how to judge it. */
export interface QuantizeVersionOptions {
  /** The parent: `name@N`, `name:alias` or `name`. */
  readonly ref: string;
  /** Calibration data: a dataset version or a workspace path (CSV, IDX folder), as the gates read it. */
  readonly calibration: string;
  /** Held-out data for the accuracy-drop rule (default: the calibration data). */
  readonly evaluation?: string;
  /** Calibration rows (default 256). */
  readonly samples?: number;
  /** Largest accuracy drop against the parent (default 0.01); above it nothing is registered. */
  readonly maxDrop?: number;
  readonly root: string;
  readonly tmpDir: string;
  /** Also write the int8 model here (the embedded target). */
  readonly outFile?: string;
}

/** The outcome: both models' figures, and the new version when the drop rule passed. */
export interface QuantizeVersionResult {
  readonly parent: string;
  readonly version: ModelVersion | null;
  readonly passed: boolean;
  readonly calibration: { readonly source: string; readonly samples: number };
  readonly evaluation: { readonly source: string; readonly rows: number };
  readonly fp32: ModelFigures;
  readonly int8: ModelFigures;
  readonly accuracyDrop: number;
  readonly maxDrop: number;
  readonly outFile: string | null;
}

/** Size, held-out accuracy and batch-1 latency (median, in onnxruntime-node) of one model. */
export interface ModelFigures {
  readonly bytes: number;
  readonly accuracy: number;
  readonly latencyMs: number;
}

type OrtModule = typeof import('onnxruntime-node');
type Session = Awaited<ReturnType<OrtModule['InferenceSession']['create']>>;

/** The model's input dims for `n` rows, taking fixed dims from the graph and the rest from the data's row shape. */
function inputDims(session: Session, data: EvalData, n: number): number[] {
  const meta = session.inputMetadata[0] as { shape?: readonly (number | string)[] } | undefined;
  const shape = meta?.shape ?? [];
  const per = data.rowShape.reduce((a, b) => a * b, 1);
  const fixed = shape.slice(1).map((d) => (typeof d === 'number' && d > 0 ? d : -1));
  if (fixed.length > 0 && fixed.every((d) => d > 0) && fixed.reduce((a, b) => a * b, 1) === per) return [n, ...fixed];
  return [n, ...data.rowShape];
}

async function figures(ort: OrtModule, bytes: Uint8Array, data: EvalData): Promise<ModelFigures> {
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, graphOptimizationLevel: 'all' });
  try {
    const name = session.inputNames[0]!;
    const out = await session.run({ [name]: new ort.Tensor('float32', data.x, inputDims(session, data, data.rows)) });
    const y = out[session.outputNames[0]!]!;
    const p = y.data as Float32Array;
    const k = p.length / data.rows;
    let ok = 0;
    for (let i = 0; i < data.rows; i++) {
      let best = 0;
      if (k === 1) best = p[i]! >= 0.5 ? 1 : 0;
      else for (let j = 1; j < k; j++) if (p[i * k + j]! > p[i * k + best]!) best = j;
      if (best === data.y[i]) ok++;
    }
    const per = data.x.length / data.rows;
    const one = { [name]: new ort.Tensor('float32', data.x.slice(0, per), inputDims(session, data, 1)) };
    for (let i = 0; i < 20; i++) await session.run(one);
    const ts: number[] = [];
    for (let i = 0; i < 200; i++) {
      const t0 = performance.now();
      await session.run(one);
      ts.push(performance.now() - t0);
    }
    ts.sort((a, b) => a - b);
    return { bytes: bytes.length, accuracy: ok / data.rows, latencyMs: ts[Math.floor(ts.length / 2)]! };
  } finally {
    await session.release();
  }
}

/**
 * Quantises a registered model version to int8 (QDQ ONNX) calibrated on a dataset, judges it against its parent
 * on held-out data (accuracy drop ≤ maxDrop), and registers it as a new version of the same model when it passes,
 * recording the parent, the calibration data and its size.
 */
export async function quantizeVersion(db: Db, store: ObjectStore, opts: QuantizeVersionOptions): Promise<QuantizeVersionResult> {
  const ort = await import('onnxruntime-node');
  const work = mkdtempSync(join(opts.tmpDir, 'quantize-'));
  try {
    const parent = await checkoutModelVersion(db, store, opts.ref, join(work, 'parent'));
    const parentDir = join(work, 'parent');
    const fp32 = existsSync(join(parentDir, 'model.onnx'))
      ? new Uint8Array(readFileSync(join(parentDir, 'model.onnx')))
      : await exportOnnx(parentDir);
    const cal = await loadEvalData(db, store, { dataset: opts.calibration }, { root: opts.root, tmpDir: work });
    const samples = Math.min(opts.samples ?? 256, cal.rows);
    if (samples < 1) throw new SlipwayError('USAGE', `${cal.source} has no rows to calibrate on`, { what: 'calibration', why: 'no rows' });
    const per = cal.x.length / cal.rows;
    const probe = await ort.InferenceSession.create(fp32);
    const inputName = probe.inputNames[0]!;
    const batches: CalibrationBatch[] = [];
    for (let at = 0; at < samples; at += 32) {
      const n = Math.min(32, samples - at);
      batches.push({ [inputName]: { dims: inputDims(probe, cal, n), data: cal.x.subarray(at * per, (at + n) * per) } });
    }
    await probe.release();
    const q = await quantizeOnnx(fp32, batches);
    const evalData = opts.evaluation ? await loadEvalData(db, store, { dataset: opts.evaluation }, { root: opts.root, tmpDir: work }) : cal;
    const a = await figures(ort, fp32, evalData);
    const b = await figures(ort, q.bytes, evalData);
    const maxDrop = opts.maxDrop ?? 0.01;
    const drop = a.accuracy - b.accuracy;
    const passed = drop <= maxDrop;
    const parentRef = `${parent.name}@${parent.version}`;
    if (opts.outFile) writeFileSync(opts.outFile, q.bytes);
    let version: ModelVersion | null = null;
    if (passed) {
      const dir = join(work, 'int8');
      mkdirSync(dir);
      writeFileSync(join(dir, 'model.onnx'), q.bytes);
      if (existsSync(join(parentDir, 'signature.json'))) copyFileSync(join(parentDir, 'signature.json'), join(dir, 'signature.json'));
      version = await registerModel(db, store, {
        name: parent.name,
        from: { path: dir },
        format: 'onnx',
        description: `int8 (QDQ) of ${parentRef}, calibrated on ${samples} rows of ${cal.source}`,
        metrics: { accuracy: b.accuracy, parent_accuracy: a.accuracy, accuracy_drop: drop, size_bytes: b.bytes },
        params: {
          quantization: 'int8-qdq',
          quantized_from: parentRef,
          calibration: cal.source,
          calibration_samples: samples,
          evaluation: evalData.source,
          max_drop: maxDrop,
        },
      });
    }
    return {
      parent: parentRef,
      version,
      passed,
      calibration: { source: cal.source, samples },
      evaluation: { source: evalData.source, rows: evalData.rows },
      fp32: a,
      int8: b,
      accuracyDrop: drop,
      maxDrop,
      outFile: opts.outFile ?? null,
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
