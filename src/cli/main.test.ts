import { buildProgram } from './main';

const names = (argv?: string[]): string[] => buildProgram(argv).commands.map((c) => c.name());

describe('buildProgram', () => {
  it('loads every command for --help, no command or an unknown one', () => {
    const all = names();
    for (const cmd of ['train', 'score', 'demo', 'emulator', 'run', 'serve', 'worker']) {
      expect(all).toContain(cmd);
    }
    expect(names(['node', 'leadlens', '--help'])).toEqual(all);
    expect(names(['node', 'leadlens', 'no-such-command'])).toEqual(all);
  });

  it.each(['train', 'score', 'demo', 'emulator'])(
    '`leadlens %s …` loads that command alone, with the same help as the full program',
    (cmd) => {
      const alone = buildProgram(['node', 'leadlens', cmd]);
      expect(alone.commands.map((c) => c.name())).toEqual([cmd]);
      const help = (p: ReturnType<typeof buildProgram>): string =>
        p.commands.find((c) => c.name() === cmd)!.helpInformation();
      expect(help(alone)).toBe(help(buildProgram()));
    },
  );
});
