import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { tempWorkspace } from '../helpers/temp-workspace.js';
import { TSX_IMPORT } from '../helpers/cli.js';
import { DEFAULT_UI_DIR } from '../../src/server/static-ui.js';

const MAIN = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');

test(
  '`slipway ui` prints its URL, serves the app and the API, and stops on SIGINT even with a live event stream open',
  { timeout: 60_000 },
  async () => {
    const t = tempWorkspace();
    const child = spawn(process.execPath, ['--import', TSX_IMPORT, MAIN, 'ui', '--port', '0'], {
      cwd: t.dir,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let buf = '';
        child.stdout.on('data', (d: Buffer) => {
          buf += d.toString();
          const m = /Slipway dashboard: (http:\/\/127\.0\.0\.1:\d+)\//.exec(buf);
          if (m) resolve(m[1]!);
        });
        child.on('exit', (code) => reject(new Error(`slipway ui exited early (${code})`)));
      });
      assert.equal((await fetch(`${url}/api/health`)).status, 200);
      const page = await fetch(`${url}/runs`);
      // npm install builds ui/dist; without a build the server says how to make one.
      if (existsSync(join(DEFAULT_UI_DIR, 'index.html'))) {
        assert.equal(page.status, 200);
        assert.match(await page.text(), /<div id="root">/);
      } else {
        assert.equal(page.status, 404);
        assert.match(await page.text(), /build:ui/);
      }
      const stream = await fetch(`${url}/api/monitoring/none/stream?every=250`);
      assert.equal(stream.headers.get('content-type'), 'text/event-stream');
      const reader = stream.body!.getReader();
      const first = new TextDecoder().decode((await reader.read()).value);
      assert.match(first, /^event: snapshot/);
      const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
      child.kill('SIGINT');
      assert.equal(await exited, 0);
      await reader.cancel().catch(() => undefined);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      t.cleanup();
    }
  },
);
