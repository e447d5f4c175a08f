/**
 * The e2e tests' child processes end: one still running at its deadline is SIGKILLed and says
 * so (the CI once waited 900 s on a hung case, then 1 h more on its pipes).
 */
import { killLeftovers, spawnBounded } from './child';

const node = (code: string, deadlineMs: number) =>
  spawnBounded(process.execPath, ['-e', code], {}, { deadlineMs, label: 'node -e <loop>' });

describe('bounded child processes', () => {
  afterAll(() => killLeftovers());

  it('a child past its deadline is SIGKILLed and reported as hung, with its stderr', async () => {
    const c = node("process.stderr.write('waiting on a lease'); setInterval(() => {}, 1000)", 800);
    const r = await c.done;
    expect(r.hung).toBe(true);
    expect(r.killed).toBe(false);
    expect(r.signal).toBe('SIGKILL');
    expect(r.ms).toBeLessThan(10_000);
    expect(c.describeHang()).toBe(
      'run hung: node -e <loop> (killed after 1 s); last stderr: waiting on a lease',
    );
  });

  it('a child that ends in time is neither hung nor killed, its output complete', async () => {
    const r = await node("process.stdout.write('x'.repeat(200000)); process.exit(3)", 30_000).done;
    expect(r).toMatchObject({ code: 3, hung: false, killed: false });
    expect(r.stdout).toHaveLength(200_000);
  });

  it('kill() marks the result killed; killLeftovers ends what is still running', async () => {
    const a = node('setInterval(() => {}, 1000)', 60_000);
    const b = node('setInterval(() => {}, 1000)', 60_000);
    a.kill();
    expect((await a.done).killed).toBe(true);
    expect(await killLeftovers()).toBe(1);
    expect(b.running()).toBe(false);
    expect((await b.done).hung).toBe(false);
  });
});
