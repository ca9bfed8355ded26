import type { Command } from 'commander';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { SlipwayError } from '../errors/index.js';
import { resolveModelRef } from '../registry/index.js';
import { renderInferenceService, renderKubernetesManifests, type KubernetesObject } from '../deploy/index.js';
import { writeFileAtomic } from '../store/index.js';
import { runCommand } from './run-command.js';
import { printJson, style } from './output.js';

interface KubernetesFlags {
  image: string;
  output?: string;
  name?: string;
  namespace?: string;
  minReplicas?: string;
  maxReplicas?: string;
  cpuTarget?: string;
  kserve?: boolean;
  canaryPercent?: string;
  deployment?: string;
  apply?: boolean;
  json?: boolean;
}

function int(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new SlipwayError('USAGE', `${flag} must be an integer (got "${v}")`);
  return n;
}

/** `slipway deploy kubernetes MODEL --image REF`: manifests for a model server image (and optionally applies them). */
export function registerDeploy(program: Command): void {
  const deploy = program.command('deploy').description('deploy model server images to a target (Kubernetes)');
  deploy
    .command('kubernetes <model>')
    .description('render Deployment, Service, HPA and PDB (or a KServe InferenceService) for an image of MODEL')
    .requiredOption('--image <ref>', 'the image (from `slipway build image --push`)')
    .option('-o, --output <dir>', 'write one YAML file per object into DIR (default: print YAML)')
    .option('--name <name>', 'object name (default: the model name as a DNS label)')
    .option('--namespace <ns>', 'namespace of the objects')
    .option('--min-replicas <n>', 'replicas and HPA minimum (default 2)')
    .option('--max-replicas <n>', 'HPA maximum (default 5)')
    .option('--cpu-target <percent>', 'HPA average CPU utilisation target (default 70)')
    .option('--kserve', 'render a KServe InferenceService (serving.kserve.io/v1beta1) instead')
    .option('--canary-percent <n>', 'KServe canaryTrafficPercent for the new revision')
    .option('--deployment <name>', "take the canary percentage from this slipway.yaml deployment's first canary step")
    .option('--apply', 'server-side apply to the cluster of the current kubeconfig context')
    .option('--json', 'print the objects as JSON')
    .addHelpText(
      'after',
      `
Examples:
  slipway deploy kubernetes mnist@3 --image registry.example.com/acme/mnist:3 -o k8s/
  slipway deploy kubernetes mnist:production --image registry.example.com/acme/mnist:3 --namespace ml | kubectl apply -f -
  slipway deploy kubernetes mnist@4 --image registry.example.com/acme/mnist:4 --kserve --canary-percent 10 -o k8s/`,
    )
    .action((model: string, flags: KubernetesFlags) =>
      runCommand(async (ctx) => {
        const mv = await resolveModelRef(await ctx.db(), model);
        let canaryPercent = int(flags.canaryPercent, '--canary-percent');
        if (canaryPercent === undefined && flags.deployment) {
          const d = ctx.config().deployments?.[flags.deployment];
          if (!d)
            throw new SlipwayError('DEPLOY_INVALID', `slipway.yaml has no deployment "${flags.deployment}"; add it under deployments:`, {
              deployment: flags.deployment,
            });
          canaryPercent = d.canary?.steps[0];
        }
        if (canaryPercent !== undefined && !flags.kserve)
          throw new SlipwayError(
            'USAGE',
            '--canary-percent and --deployment apply to KServe; add --kserve (plain Deployments roll out by replicas)',
          );
        const opts = {
          model: { name: mv.name, version: mv.version },
          image: flags.image,
          name: flags.name,
          namespace: flags.namespace,
          minReplicas: int(flags.minReplicas, '--min-replicas'),
          maxReplicas: int(flags.maxReplicas, '--max-replicas'),
          targetCpuPercent: int(flags.cpuTarget, '--cpu-target'),
          canaryPercent,
        };
        const objects: KubernetesObject[] = flags.kserve ? [renderInferenceService(opts)] : renderKubernetesManifests(opts);
        if (flags.output) {
          const dir = resolve(flags.output);
          mkdirSync(dir, { recursive: true });
          for (const o of objects) {
            const file = join(dir, `${(o.metadata as { name: string }).name}.${String(o.kind).toLowerCase()}.yaml`);
            writeFileAtomic(file, stringify(o));
            if (!flags.json) process.stdout.write(`wrote ${file}\n`);
          }
        } else if (!flags.json) process.stdout.write(objects.map((o) => stringify(o)).join('---\n'));
        if (flags.json) printJson(objects);
        if (flags.apply) {
          const { applyObjects } = await import('../deploy/kubernetes-apply.js');
          for (const r of await applyObjects(objects)) process.stderr.write(`${style.green('applied')} ${r}\n`);
        }
        return 0;
      }),
    );
}
