import fc from 'fast-check';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SeenStore, writeFileAtomic } from '../src/seen-store.js';

const dirs: string[] = [];
function tmp(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seen-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('SeenStore', () => {
  it('starts empty and remembers ids across restarts', () => {
    const file = path.join(tmp(), 'sub', 'seen.json');
    const a = new SeenStore(file, 10);
    expect(a.size).toBe(0);
    a.add(['m1', 'm2']);
    const b = new SeenStore(file, 10);
    expect(b.has('m1')).toBe(true);
    expect(b.has('m2')).toBe(true);
    expect(b.has('m3')).toBe(false);
  });

  it('writes the file with mode 600 in a 700 directory', () => {
    if (process.platform === 'win32') return;
    const dir = path.join(tmp(), 'state');
    const file = path.join(dir, 'seen.json');
    new SeenStore(file).add(['x']);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
  });

  it('keeps only the newest ids, and re-adding does not refresh or duplicate', () => {
    const file = path.join(tmp(), 'seen.json');
    const s = new SeenStore(file, 3);
    s.add(['a', 'b', 'c']);
    expect(s.remember(['b'])).toBe(0);
    s.add(['d']);
    expect(['a', 'b', 'c', 'd'].map((id) => s.has(id))).toEqual([false, true, true, true]);
    expect(s.size).toBe(3);
    const reloaded = new SeenStore(file, 3);
    expect(['a', 'b', 'c', 'd'].map((id) => reloaded.has(id))).toEqual([false, true, true, true]);
  });

  it('matches a model: the last N distinct ids', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.integer({ min: 0, max: 30 }).map(String), { maxLength: 8 })), fc.integer({ min: 1, max: 10 }), (batches, cap) => {
        const s = new SeenStore(path.join(tmp(), 'seen.json'), cap);
        const model: string[] = [];
        for (const batch of batches) {
          for (const id of batch) if (!model.includes(id)) model.push(id);
          model.splice(0, Math.max(0, model.length - cap));
          s.add(batch);
        }
        const reloaded = new SeenStore(s.file, cap);
        for (let i = 0; i <= 30; i++) expect(reloaded.has(String(i))).toBe(model.includes(String(i)));
      }),
      { numRuns: 50 },
    );
  });

  it('moves a damaged file aside instead of crashing', () => {
    const file = path.join(tmp(), 'seen.json');
    fs.writeFileSync(file, '{"version":1,"ids":["a"');
    const s = new SeenStore(file);
    expect(s.size).toBe(0);
    expect(s.recovered).toMatch(/seen\.json\.corrupt-\d+$/);
    expect(fs.existsSync(s.recovered ?? '')).toBe(true);
  });

  it('leaves no temp files behind', () => {
    const dir = tmp();
    const file = path.join(dir, 'seen.json');
    const s = new SeenStore(file);
    for (let i = 0; i < 20; i++) s.add([`id${i}`]);
    expect(fs.readdirSync(dir)).toEqual(['seen.json']);
  });

  it('writeFileAtomic replaces the whole file', () => {
    const file = path.join(tmp(), 'f.json');
    writeFileAtomic(file, 'a'.repeat(1000));
    writeFileAtomic(file, 'b');
    expect(fs.readFileSync(file, 'utf8')).toBe('b');
  });
});
