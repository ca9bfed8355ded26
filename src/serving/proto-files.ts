import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Options } from '@grpc/proto-loader';

/** The .proto files the gRPC server and clients load (relative to `protoDir()`). */
export const PROTO_FILES = [
  'tensorflow_serving/apis/prediction_service.proto',
  'tensorflow_serving/apis/model_service.proto',
  'kserve/grpc_predict_v2.proto',
] as const;

/** proto-loader options shared by the server and clients (snake_case fields as in the .proto, int64 as strings, enums by name). */
export const PROTO_LOADER_OPTIONS: Options = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true };

let cached: string | undefined;

/**
 * The package's proto/ folder, found by walking up from this file to the package root, so it resolves the same
 * from src/ (tsx) and from dist/ (built), and inside node_modules/slipway when installed.
 */
export function protoDir(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && existsSync(join(dir, 'proto'))) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'slipway') return (cached = join(dir, 'proto'));
      } catch {
        // not our package.json; keep walking
      }
    }
    const up = dirname(dir);
    if (up === dir) throw new Error('slipway: could not find the proto/ folder above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}
