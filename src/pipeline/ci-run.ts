import { join, relative } from 'node:path';
import type { Workspace } from '../config/index.js';
import { writeFileAtomic } from '../store/index.js';
import type { Pipeline } from './load-pipeline.js';
import type { PipelineEnv } from './pipeline-env.js';
import { repro, type ReproOptions, type ReproResult } from './repro.js';
import { currentMetrics, diffMarkdown, diffValues, resolveBase } from './metrics-diff.js';
import { isGitRevision } from './git-revision.js';
import { usedParams } from './experiments.js';
import { writePlots } from './plots-svg.js';
import { stageOutputSource } from './stage-source.js';

/** What `slipway ci` did and its verdict. */
export interface CiResult {
  readonly ok: boolean;
  readonly reportPath: string;
  readonly report: string;
  readonly repro: ReproResult;
  readonly pulled: string | null;
  readonly model?: { readonly name: string; readonly version: number };
  readonly gates?: { readonly passed: boolean; readonly markdown: string };
}

/** Options of `runCi`. */
export interface CiOptions {
  /** Base branch for the metrics diff (from --base, GITHUB_BASE_REF or CI_MERGE_REQUEST_TARGET_BRANCH_NAME). */
  readonly base?: string;
  /** Fetches data when the workspace has remotes (the CLI runs `slipway data pull`); returns a one-line summary. */
  readonly pull?: () => Promise<string>;
  readonly jobs?: number;
  readonly onLog?: ReproOptions['onLog'];
  readonly signal?: AbortSignal;
}

/**
 * The single command a CI system runs: pull data, reproduce the pipeline, register and gate the model when `ci:`
 * names one, and write `slipway-report.md` (metrics diff vs the base branch and vs `production`, plots, gate results).
 */
export async function runCi(ws: Workspace, env: PipelineEnv, pipeline: Pipeline, opts: CiOptions = {}): Promise<CiResult> {
  const ci = pipeline.config.ci ?? {};
  const sections: string[] = ['# Slipway CI report', ''];
  let pulled: string | null = null;
  if (Object.keys(pipeline.config.remotes).length > 0 && ci.pull !== false && opts.pull) {
    pulled = await opts.pull();
    sections.push(`**Data:** ${pulled}`, '');
  }
  const result = await repro(env, pipeline, {
    targets: ci.stages,
    jobs: opts.jobs,
    onLog: opts.onLog,
    signal: opts.signal,
    waitMs: 600_000,
  });
  sections.push('## Pipeline', '', '| stage | result | detail |', '|---|---|---|');
  for (const s of result.stages)
    sections.push(
      `| ${s.stage} | ${s.status.replace(/_/g, ' ')} | ${(s.error?.message ?? s.runId ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ')} |`,
    );
  sections.push('');

  const metricsNow = currentMetrics(ws.root, pipeline);
  const baseRev = opts.base ? [`origin/${opts.base}`, opts.base].find((r) => isGitRevision(ws.root, r)) : undefined;
  sections.push('## Metrics', '');
  if (opts.base && !baseRev)
    sections.push(`_Base branch \`${opts.base}\` is not available in this checkout (fetch it with full history)._`, '');
  if (baseRev) {
    const b = await resolveBase(ws.root, pipeline, baseRev);
    sections.push(`### vs base branch \`${opts.base}\``, '', diffMarkdown(diffValues(b.metrics, metricsNow), b.label), '');
  }
  const alias = ci.compare_alias ?? 'production';
  try {
    const ref = ci.model ? `${ci.model}:${alias}` : alias;
    const b = await resolveBase(ws.root, pipeline, ref, { db: async () => env.db });
    sections.push(`### vs \`${ref}\``, '', diffMarkdown(diffValues(b.metrics, metricsNow, !b.byFile), b.label), '');
  } catch {
    sections.push(`_No \`${alias}\` model to compare with yet._`, '');
  }
  if (!baseRev) sections.push('### current', '', diffMarkdown(diffValues({}, metricsNow), '—'), '');

  const plotFiles = writePlots(ws.root, pipeline, join(ws.root, 'slipway_plots'));
  const svgs = plotFiles.filter((p) => p.endsWith('.svg'));
  if (svgs.length > 0) {
    sections.push('## Plots', '');
    for (const p of svgs) sections.push(`![${relative(ws.root, p)}](${relative(ws.root, p)})`);
    sections.push('');
  }

  let model: CiResult['model'];
  let gates: CiResult['gates'];
  if (result.ok && ci.model && ci.model_path) {
    // Lazy on purpose: pipeline/index.ts re-exports this file, and a static import would load registry + gates (~75
    // more modules) at the start of every pipeline command (repro, status, dag…); the owners' index.ts is still the door.
    const { registerModel } = await import('../registry/index.js');
    const params: Record<string, string | number | boolean> = {};
    for (const [k, v] of Object.entries(usedParams(ws.root, pipeline)))
      params[k] = typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string' ? v : JSON.stringify(v);
    const flat: Record<string, number> = Object.assign({}, ...Object.values(metricsNow));
    // A stage output registers with its stage run, commit and upstream data; any other path only as a file.
    const outPath = ci.model_path.replace(/\/+$/, '');
    const producer = [...pipeline.stages.values()].find((st) => st.outs.some((o) => o.path === outPath));
    const from = producer
      ? { stage: await stageOutputSource(env, pipeline, producer.name, outPath) }
      : { path: join(ws.root, ci.model_path) };
    const mv = await registerModel(env.db, env.store, { name: ci.model, from, metrics: flat, params, metricsFiles: metricsNow });
    model = { name: mv.name, version: mv.version };
    sections.push(
      '## Model',
      '',
      `Registered \`${mv.name}@${mv.version}\` from \`${ci.model_path}\`${producer ? ` (stage \`${producer.name}\`, run \`${mv.runId ?? 'untracked'}\`, commit \`${mv.lineage.run?.commit ?? 'unknown'}\`, data ${mv.lineage.datasets.map((d) => `\`${d.dataset}@${d.version}\``).join(', ') || 'none recorded'})` : ''}.`,
      '',
    );
    if (pipeline.config.gates && ci.model in pipeline.config.gates) {
      const { runGates } = await import('../gates/index.js');
      const report = await runGates(env.db, env.store, {
        ref: mv,
        gates: pipeline.config.gates,
        dataset: ci.gates_dataset,
        root: ws.root,
      });
      gates = { passed: report.passed, markdown: report.markdown };
      sections.push('## Gates', '', report.markdown, '');
    } else sections.push(`_No gates declared for \`${ci.model}\` in slipway.yaml._`, '');
  }
  const ok = result.ok && (gates?.passed ?? true);
  sections.splice(1, 0, '', `**Verdict: ${ok ? 'PASS' : 'FAIL'}**`);
  const report = `${sections.join('\n')}\n`;
  const reportPath = join(ws.root, 'slipway-report.md');
  writeFileAtomic(reportPath, report);
  return { ok, reportPath, report, repro: result, pulled, ...(model ? { model } : {}), ...(gates ? { gates } : {}) };
}
