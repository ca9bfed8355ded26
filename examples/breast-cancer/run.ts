// The breast-cancer scenario end to end: `node --import tsx examples/breast-cancer/run.ts [--data DIR] [--keep]`
// (the same as `npm run demo -- --example breast-cancer`): version the CSV, train, gate on malignant recall,
// promote, serve over REST and gRPC, send feedback, and read the live metrics.
import { parseArgs } from 'node:util';
import { runDemo } from '../../scripts/demo.js';

const { values } = parseArgs({ options: { data: { type: 'string' }, keep: { type: 'boolean' }, epochs: { type: 'string' } } });
const r = await runDemo({
  example: 'breast-cancer',
  ...(values.data ? { dataDir: values.data } : {}),
  ...(values.keep ? { keep: true } : {}),
  ...(values.epochs ? { epochs: Number(values.epochs) } : {}),
});
const q = r.monitoring.quality;
const malignant = q?.perClass.find((c) => c.label === 'malignant');
process.stdout.write(
  `\nbreast-cancer@${r.servedVersion}: test accuracy ${(r.accuracy * 100).toFixed(1)}%, ${r.promotedFirst ? 'passed' : 'FAILED'} the malignant-recall gate; ` +
    `live accuracy ${q ? (q.accuracy * 100).toFixed(1) + '%' : 'n/a'}${malignant ? `, live malignant recall ${(malignant.recall * 100).toFixed(1)}%` : ''}; ` +
    `${(r.totalMs / 1000).toFixed(1)} s${r.kept ? `; workspace ${r.workspace}` : ''}\n`,
);
