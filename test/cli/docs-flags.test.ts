/**
 * What README.md and docs/*.md tell a user to type must exist: every `leadlens <command> …` they
 * show names a command of the CLI, and every `--flag` written after it is one that command (or,
 * for `deals models` and the like, its parent) accepts; every `npm run <script>` is a script of
 * package.json, every bench, script or test file they name is in the tree, and every
 * LEADLENS_ / HUBSPOT_ / SALESFORCE_ / BENCH_ variable they name is read somewhere in the code. A
 * renamed or removed flag, script, file or variable fails here instead of in a newcomer's terminal.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { buildProgram } from '../../src/cli/main';

const ROOT = path.resolve(__dirname, '../..');

/** The places a command is shown: inline code spans, and the lines of fenced blocks. */
function commandSnippets(text: string): string[] {
  const out: string[] = [];
  let fenced = false;
  for (const line of text.split('\n')) {
    if (line.trimStart().startsWith('```')) {
      fenced = !fenced;
      continue;
    }
    if (fenced) out.push(line.replace(/\s#\s.*$/, ''));
    else for (const m of line.matchAll(/`([^`]+)`/g)) out.push(m[1]!);
  }
  return out;
}

interface Use {
  file: string;
  snippet: string;
  path: string[];
  flags: string[];
}

/** `leadlens a [b] …--x …` in a snippet → the command words and the flags that follow. */
function usesIn(file: string, snippet: string): Use[] {
  const uses: Use[] = [];
  // Table cells join alternatives with "/" (`models list` / `models publish N`); each part that
  // names no command of its own belongs to the last one named.
  // `npm start -- …` is `leadlens demo …`; `node bin/leadlens.js …` and `npx leadlens …` are the CLI.
  const line = snippet.replace(/\bnpm start --(?=\s)/g, 'leadlens demo');
  for (const m of line.matchAll(
    /(?:^|[\s(/])leadlens(?:\.js)? ([a-z][a-z-]*)((?: [a-z][a-z-]*)?)([^|]*)/g,
  )) {
    const words = [m[1]!, ...(m[2] ? [m[2].trim()] : [])];
    const flags = [...m[3]!.matchAll(/(?:^|[\s[(])(--[a-z][a-z0-9-]*)/g)].map((f) => f[1]!);
    uses.push({ file, snippet, path: words, flags });
  }
  return uses;
}

function resolve(program: Command, words: string[]): Command[] | null {
  const top = program.commands.find((c) => c.name() === words[0]);
  if (!top) return null;
  const sub = words[1] ? top.commands.find((c) => c.name() === words[1]) : undefined;
  return sub ? [top, sub] : [top];
}

function accepted(chain: Command[]): Set<string> {
  const flags = new Set(['--help']);
  for (const c of chain) {
    for (const o of c.options) {
      if (o.long) flags.add(o.long);
      if (o.long?.startsWith('--no-')) flags.add(`--${o.long.slice(5)}`);
    }
  }
  return flags;
}

const files = [
  'README.md',
  ...fs
    .readdirSync(path.join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
const uses = files.flatMap((file) =>
  commandSnippets(fs.readFileSync(path.join(ROOT, file), 'utf8')).flatMap((s) => usesIn(file, s)),
);

describe('the commands README.md and docs/ show', () => {
  const program = buildProgram();

  it('are found in the documents (the scan itself works)', () => {
    expect(uses.length).toBeGreaterThan(50);
    expect(uses.some((u) => u.path[0] === 'train' && u.flags.includes('--csv'))).toBe(true);
  });

  it('name commands the CLI has', () => {
    const unknown = uses
      .filter((u) => resolve(program, u.path) === null)
      .map((u) => `${u.file}: leadlens ${u.path.join(' ')}  (in \`${u.snippet}\`)`);
    expect(unknown).toEqual([]);
  });

  it('use only flags those commands accept', () => {
    const wrong: string[] = [];
    for (const u of uses) {
      const chain = resolve(program, u.path);
      if (!chain) continue;
      const ok = accepted(chain);
      for (const f of u.flags) {
        if (!ok.has(f))
          wrong.push(`${u.file}: leadlens ${u.path.join(' ')} ${f}  (in \`${u.snippet}\`)`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('run npm scripts package.json has', () => {
    const scripts = (
      JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
        scripts: Record<string, string>;
      }
    ).scripts;
    const missing = files.flatMap((file) =>
      [...fs.readFileSync(path.join(ROOT, file), 'utf8').matchAll(/\bnpm run ([a-z][a-z0-9:-]*)/g)]
        .map((m) => m[1]!)
        .filter((name) => !Object.hasOwn(scripts, name))
        .map((name) => `${file}: npm run ${name}`),
    );
    expect(missing).toEqual([]);
  });

  it('name bench, script and test files that exist', () => {
    const missing = files.flatMap((file) =>
      [
        ...fs
          .readFileSync(path.join(ROOT, file), 'utf8')
          .matchAll(/(?<![\w/.-])((?:bench|scripts|test)\/[\w./-]+\.(?:ts|tsx|mjs|js))\b/g),
      ]
        .map((m) => m[1]!)
        .filter((p) => !fs.existsSync(path.join(ROOT, p)))
        .map((p) => `${file}: ${p}`),
    );
    expect(missing).toEqual([]);
  });

  it('name environment variables the code reads', () => {
    const code: string[] = [];
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
        const rel = path.join(dir, e.name);
        if (e.isDirectory()) walk(rel);
        else if (/\.(ts|tsx|js|mjs|py)$/.test(e.name) || rel === path.join('.ci', 'run'))
          code.push(fs.readFileSync(path.join(ROOT, rel), 'utf8'));
      }
    };
    for (const dir of ['src', 'bench', 'emulator', 'functions', 'scripts', 'test', 'bin', '.ci'])
      walk(dir);
    const all = code.join('\n');
    const missing = files.flatMap((file) =>
      [
        ...new Set(
          [
            ...fs
              .readFileSync(path.join(ROOT, file), 'utf8')
              .matchAll(/\b((?:LEADLENS|HUBSPOT|SALESFORCE|BENCH)_[A-Z0-9_]*[A-Z0-9])\b/g),
          ].map((m) => m[1]!),
        ),
      ]
        .filter((v) => !all.includes(v))
        .map((v) => `${file}: ${v}`),
    );
    expect(missing).toEqual([]);
  });
});
