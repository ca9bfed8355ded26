// Slipway as a dependency: the package is built and packed the way `npm publish` would, installed into a new
// project from the tarball, and used from there — the SDK imported from TypeScript and JavaScript, `npx slipway` run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { join } from 'node:path';
import { tempDir } from '../helpers/temp-workspace.js';

const ROOT = join(import.meta.dirname, '..', '..');
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string; files: string[] };

function run(cmd: string, args: readonly string[], cwd: string, env: Record<string, string> = {}): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    timeout: 600_000,
    env: {
      ...process.env,
      NO_COLOR: '1',
      npm_config_update_notifier: 'false',
      npm_config_fund: 'false',
      npm_config_audit: 'false',
      ...env,
    },
  });
  if (r.status !== 0) assert.fail(`${cmd} ${args.join(' ')} exited ${r.status}\n${r.stdout}\n${r.stderr}`);
  return r;
}

// Installing compiles better-sqlite3 from source in the new project (minutes on 2 cores), so this runs where asked:
// .ci/run sets SLIPWAY_TEST_PACKAGE=1.
const skip =
  process.env.SLIPWAY_TEST_PACKAGE === '1'
    ? false
    : 'set SLIPWAY_TEST_PACKAGE=1 to pack and install Slipway into a new project (needs the npm registry; ~3 min)';

test(
  'npm pack → npm install into a new project → import the SDK (TS and JS) and run npx slipway',
  { skip, timeout: 1_200_000 },
  async () => {
    const t = tempDir();
    try {
      // A copy of the package's sources, built and packed there, so the checkout's own dist/ is never touched.
      const src = join(t.dir, 'pkg');
      mkdirSync(src);
      for (const f of [...PKG.files, 'package.json', 'tsconfig.json', 'tsconfig.build.json', 'README.md', 'src']) {
        if (existsSync(join(ROOT, f)))
          cpSync(join(ROOT, f), join(src, f), { recursive: true, filter: (p) => !p.includes(`${join(ROOT, 'build')}`) });
      }
      symlinkSync(join(ROOT, 'node_modules'), join(src, 'node_modules'), 'dir');
      run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], src);
      run('npm', ['pack', '--ignore-scripts', '--pack-destination', t.dir], src);
      const tgz = readdirSync(t.dir).find((f) => f.endsWith('.tgz'));
      assert.ok(tgz, 'npm pack wrote no tarball');

      // The consumer: a new ESM TypeScript project. ONNXRUNTIME_NODE_INSTALL=skip is the one switch the README documents
      // (onnxruntime-node's own install script otherwise fetches CUDA binaries from outside the npm registry).
      const app = join(t.dir, 'app');
      mkdirSync(app);
      writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
      run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', join(t.dir, tgz)], app, {
        ONNXRUNTIME_NODE_INSTALL: 'skip',
        SLIPWAY_SKIP_NATIVE: '1', // the kernels' compile is the install test of the repo itself; here it would only add a minute
      });

      writeFileSync(
        join(app, 'train.ts'),
        `import { sequential, dense, tensor, SlipwayError } from 'slipway';
const model = sequential([dense({ units: 4, activation: 'relu', inputShape: [2] }), dense({ units: 1, activation: 'sigmoid' })]);
model.compile({ optimizer: 'adam', loss: 'binaryCrossentropy', metrics: ['accuracy'] });
const x = tensor([0, 0, 0, 1, 1, 0, 1, 1], [4, 2]);
const y = tensor([0, 1, 1, 1], [4, 1]);
await model.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0 });
const out: number = model.predict(x).shape[0] ?? -1;
console.log(JSON.stringify({ rows: out, isError: new SlipwayError('INTERNAL', 'x') instanceof Error }));
`,
      );
      writeFileSync(
        join(app, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            module: 'nodenext',
            moduleResolution: 'nodenext',
            target: 'es2022',
            strict: true,
            noEmit: true,
            skipLibCheck: false,
            types: ['node'],
          },
          files: ['train.ts'],
        }),
      );
      // Type-check the consumer against the installed package's .d.ts files (strict, no skipLibCheck).
      run(
        process.execPath,
        [
          join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
          '-p',
          'tsconfig.json',
          '--typeRoots',
          join(ROOT, 'node_modules', '@types'),
        ],
        app,
      );
      // Run the same code as JavaScript (type annotations stripped by tsx from the host, as a user's toolchain would).
      const r = run(process.execPath, ['--import', import.meta.resolve('tsx'), 'train.ts'], app);
      assert.deepEqual(JSON.parse(r.stdout.trim().split('\n').pop()!), { rows: 4, isError: true });

      const v = run('npx', ['--no-install', 'slipway', '--version'], app);
      assert.equal(v.stdout.trim(), PKG.version);
      run('npx', ['--no-install', 'slipway', 'init'], app);
      assert.ok(existsSync(join(app, 'slipway.yaml')));
      const list = run('npx', ['--no-install', 'slipway', 'data', 'list', '--json'], app);
      assert.deepEqual(JSON.parse(list.stdout), []);
    } finally {
      t.cleanup();
    }
  },
);
