/**
 * The helper thread is a typed module shipped to a worker as text (gbdt-hist-worker.ts). It must
 * work wherever LeadLens runs: under jest (Babel), under tsx (the CLI and the benchmarks), and in
 * the esbuild bundles `npm run build:hubspot` uploads (minified). In each, the helper takes part
 * and the tree and gradients are the same bits as on one thread.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { FUNCTION_BUNDLE } from '../../../scripts/build-hubspot';
import { probeHelper, type ProbeResult } from '../testing/helper-probe';
import { helperSource } from './gbdt-hist-worker';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../../..');
const PROBE = path.join(ROOT, 'src/model/testing/helper-probe.ts');

function expectHelped(r: ProbeResult): void {
  expect(r).toEqual({
    threaded: true,
    helperChunks: expect.any(Number),
    sameTree: true,
    sameGradients: true,
  });
  expect(r.helperChunks).toBeGreaterThan(0);
}

describe('the GBDT helper thread in every runtime', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leadlens-helper-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const entry = path.join(dir, 'probe.ts');
  fs.writeFileSync(
    entry,
    `import { probeHelper } from ${JSON.stringify(PROBE.replace(/\.ts$/, ''))};\n` +
      'process.stdout.write(JSON.stringify(probeHelper()));\n',
  );

  it('its program is the typed function and the caller code it shares, nothing else', () => {
    const src = helperSource();
    expect(src).toMatch(/function helperMain\(/);
    expect(src).toMatch(/gradients: function logisticGradients\(/);
    expect(src).not.toMatch(/__name|require\((?!'node:worker_threads')/);
  });

  it('jest (Babel)', () => {
    expectHelped(probeHelper());
  });

  it('tsx', async () => {
    const { stdout } = await run(path.join(ROOT, 'node_modules/.bin/tsx'), [entry], { cwd: ROOT });
    expectHelped(JSON.parse(stdout));
  });

  it('an esbuild bundle built like a HubSpot function (minified CJS)', async () => {
    const outfile = path.join(dir, 'probe.js');
    await build({ ...FUNCTION_BUNDLE, entryPoints: [entry], outfile });
    const { stdout } = await run(process.execPath, [outfile], { cwd: dir });
    expectHelped(JSON.parse(stdout));
  });
});
