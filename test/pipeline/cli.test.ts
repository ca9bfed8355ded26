import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cli } from '../helpers/cli.js';
import { nodeCmd, pipelineFixture } from './pipeline-fixture.js';

test('CLI: repro streams prefixed logs, status --json explains staleness, a failing stage exits 1', async () => {
  const f = await pipelineFixture(
    {
      stages: {
        prep: { cmd: nodeCmd(`console.log('preparing'); require('fs').writeFileSync('p.txt', 'x')`), params: ['n'], outs: ['p.txt'] },
        fit: { cmd: nodeCmd(`require('fs').writeFileSync('m.json', '{"acc": 1}')`), deps: ['p.txt'], metrics: ['m.json'] },
      },
    },
    { 'params.yaml': 'n: 1\n' },
  );
  try {
    let r = cli(['repro', '-j', '2'], { cwd: f.dir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^\[prep\] preparing$/m);
    assert.match(r.stdout, /ok: 2 ran/);
    f.write({ 'params.yaml': 'n: 2\n' });
    r = cli(['status', '--json'], { cwd: f.dir });
    assert.equal(r.code, 0, r.stderr);
    const st = JSON.parse(r.stdout) as { stages: { stage: string; state: string; reasons: { kind: string; message: string }[] }[] };
    assert.deepEqual(
      st.stages.map((s) => [s.stage, s.state, s.reasons.map((x) => x.kind)]),
      [
        ['prep', 'stale', ['param_changed']],
        ['fit', 'stale', ['upstream_stale']],
      ],
    );
    assert.match(st.stages[0]!.reasons[0]!.message, /param n \(params.yaml\) changed: 1 -> 2/);
    f.setConfig({ stages: { bad: { cmd: nodeCmd('process.exit(2)'), outs: ['never.txt'] } } });
    r = cli(['repro'], { cwd: f.dir });
    assert.equal(r.code, 1);
    assert.match(r.stdout + r.stderr, /STAGE_FAILED/);
  } finally {
    await f.close();
  }
});
