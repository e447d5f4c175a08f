import fs from 'node:fs';
import { OUT_FILE, compileKernels, generatedSource } from './build-wasm';

describe('build:wasm', () => {
  it('the committed kernels are the compiled gbdt-kernels.wat (run `npm run build:wasm`)', async () => {
    const bytes = await compileKernels();
    expect(fs.readFileSync(OUT_FILE, 'utf8')).toBe(generatedSource(bytes));
  });
});
