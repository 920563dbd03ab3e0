// No import cycles in server/src, type-only imports included: a cycle means two modules cannot
// be understood (or tested, or moved) one without the other, and at runtime it can hand a module
// an export that is still undefined. TypeScript's own import scanner lists the imports, so this
// needs no plugin and runs in well under a second.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The modules in server/src that `file` imports (relative specifiers; `./x.js` is `./x.ts`). */
function localImports(file: string, known: ReadonlySet<string>): string[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return importedFiles
    .map((i) => i.fileName)
    .filter((name) => name.startsWith('.'))
    .map((name) => resolve(dirname(file), name.replace(/\.js$/, '.ts')))
    .filter((path) => known.has(path));
}

/** Every cycle, each reported once, as the chain of files relative to server/src. */
function findCycles(graph: ReadonlyMap<string, string[]>): string[][] {
  const cycles: string[][] = [];
  const done = new Set<string>();
  const onPath: string[] = [];
  const visit = (node: string) => {
    const at = onPath.indexOf(node);
    if (at >= 0) {
      cycles.push([...onPath.slice(at), node].map((f) => relative(SRC, f)));
      return;
    }
    if (done.has(node)) return;
    onPath.push(node);
    for (const next of graph.get(node) ?? []) visit(next);
    onPath.pop();
    done.add(node);
  };
  for (const node of graph.keys()) visit(node);
  return cycles;
}

describe('server/src imports', () => {
  const files = sourceFiles(SRC);
  const known = new Set(files);
  const graph = new Map(files.map((f) => [f, localImports(f, known)]));

  it('sees the modules and their imports (a scanner that finds nothing would pass anything)', () => {
    expect(files.length).toBeGreaterThan(20);
    const app = graph.get(join(SRC, 'app.ts')) ?? [];
    expect(app.length).toBeGreaterThan(0);
    expect(findCycles(new Map([['a', ['b']], ['b', ['a']]])).length).toBe(1);
  });

  it('form no cycle', () => {
    expect(findCycles(graph)).toEqual([]);
  });
});
