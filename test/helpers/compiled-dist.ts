import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const SRC = join(import.meta.dirname, '..', '..', 'src');

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [join(dir, e.name)] : [],
  );
}

/**
 * Compiles src/ to plain ESM JavaScript in `outDir` (file by file, as `npm run build` lays out dist/) with esbuild:
 * a second or two instead of tsc's half a minute, so image tests can ship a real app without a prior build.
 */
export async function compileDist(outDir: string): Promise<void> {
  await build({
    entryPoints: tsFiles(SRC),
    outdir: outDir,
    outbase: SRC,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    bundle: false,
    logLevel: 'error',
  });
}
