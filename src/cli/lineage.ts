import type { Command } from 'commander';
import { liveSummary } from '../monitoring/index.js';
import { modelLineage, lineageDot, lineageText, parseModelRef, resolveModelRef, type LineageDeployment } from '../registry/index.js';
import { readRolloutState } from '../rollout/index.js';
import { printJson } from './output.js';
import { runCommand } from './run-command.js';

/** `slipway lineage NAME@N [--dot] [--json]`: dataset versions → run → model version → aliases → deployments → live figures. */
export function registerLineage(program: Command): void {
  program
    .command('lineage <ref>')
    .description(
      'show where a model version came from and where it went: dataset versions → run (code, params) → version → aliases → deployments → live figures',
    )
    .option('--dot', 'print a Graphviz digraph')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExamples:\n  slipway lineage mnist@3\n  slipway lineage mnist:production --dot | dot -Tsvg > lineage.svg')
    .action((ref: string, opts: { dot?: boolean; json?: boolean }) =>
      runCommand(async (ctx) => {
        const db = await ctx.db();
        let deployments: Record<string, import('../config/index.js').DeploymentConfig> = {};
        let stateDir: string | undefined;
        try {
          deployments = ctx.config().deployments ?? {};
          stateDir = ctx.workspace().stateDir;
        } catch {
          /* no slipway.yaml: no deployments to show */
        }
        const g = await modelLineage(db, parseModelRef(ref), {
          deployments: async (model, version, aliases) => {
            const out: LineageDeployment[] = [];
            for (const [name, d] of Object.entries(deployments)) {
              if (d.model !== model) continue;
              const st = stateDir ? readRolloutState(stateDir, name) : undefined;
              const canary = st && (st.phase === 'progressing' || st.phase === 'paused') ? st.canaryVersion : undefined;
              const weight = st?.weight ?? 0;
              if (aliases.includes(d.stable))
                out.push({ name, role: 'stable', weight: canary !== undefined && canary !== version ? 100 - weight : 100 });
              else if (canary === version) out.push({ name, role: 'canary', weight });
              else if (d.shadow) {
                const v =
                  typeof d.shadow.version === 'number'
                    ? d.shadow.version
                    : await resolveModelRef(db, `${model}:${d.shadow.version}`).then(
                        (m) => m.version,
                        () => undefined,
                      );
                if (v === version) out.push({ name, role: 'shadow', weight: 0 });
              }
            }
            return out;
          },
          live: async (model, version) => {
            const s = await liveSummary(db, model, version);
            return s.requests === 0 ? null : { requests: s.requests, errorRate: s.errorRate, accuracy: s.accuracy, labelled: s.labelled };
          },
        });
        if (opts.json) printJson(g);
        else process.stdout.write(`${opts.dot ? lineageDot(g) : lineageText(g)}\n`);
      }),
    );
}
