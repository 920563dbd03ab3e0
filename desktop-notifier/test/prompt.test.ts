// The terminal prompts, typed at in a real pseudo-terminal (util-linux `script`), as a person
// would: the password is never echoed, editing works, Ctrl+C cancels.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, which } from './helpers/desktop.js';

const PROMPT_MODULE = path.join(ROOT, 'desktop-notifier/dist/prompt.js');
// Prints what the prompt resolved to (or why it failed) on a line of its own.
const script = (fn: 'ask' | 'askHidden', question: string) => `
const prompts = await import(process.env.PROMPT_MODULE);
try { process.stdout.write('\\nGOT:' + JSON.stringify(await prompts.${fn}(${JSON.stringify(question)})) + '\\n'); }
catch (e) { process.stdout.write('\\nERR:' + e.message + '\\n'); }
`;

interface Run {
  /** Waits until the output contains `text` (bounded), then types `keys`. */
  typeAfter(text: string, keys: string): Promise<void>;
  /** Everything the terminal showed, once the child has exited. */
  done(): Promise<string>;
}

function run(inTerminal: boolean, fn: 'ask' | 'askHidden' = 'askHidden', question = 'Password: '): Run {
  const node = [process.execPath, '--input-type=module', '-e', script(fn, question)];
  const quoted = node.map((a) => `'${a.replaceAll("'", `'\\''`)}'`).join(' ');
  const child = inTerminal
    ? spawn('script', ['-q', '-f', '-e', '-c', quoted, '/dev/null'], { env: { ...process.env, PROMPT_MODULE } })
    : spawn(node[0]!, node.slice(1), { env: { ...process.env, PROMPT_MODULE } });
  let output = '';
  const waiters = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    for (const w of waiters) w();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = setTimeout(() => child.kill('SIGKILL'), 20_000);
  return {
    typeAfter: (text, keys) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (!output.includes(text)) return;
          waiters.delete(check);
          clearTimeout(timer);
          child.stdin.write(keys, (error) => (error ? reject(error) : resolve()));
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no ${JSON.stringify(text)} within 15 s; the terminal showed ${JSON.stringify(output)}`));
        }, 15_000);
        waiters.add(check);
        check();
      }),
    done: async () => {
      await exited;
      clearTimeout(deadline);
      child.stdin.destroy();
      return output;
    },
  };
}

describe.skipIf(!which('script'))('askHidden', () => {
  it('reads the password without echoing it, and honours backspace', async () => {
    const r = run(true);
    await r.typeAfter('Password', 's3cr\x7fet!\r');
    const shown = await r.done();
    expect(shown).toContain('GOT:"s3cet!"');
    expect(shown.replace('GOT:"s3cet!"', '')).not.toMatch(/s3c|et!/);
  });

  it('is cancelled by Ctrl+C', async () => {
    const r = run(true);
    await r.typeAfter('Password', 'abc\x03');
    const shown = await r.done();
    expect(shown).toContain('ERR:cancelled');
    expect(shown).not.toContain('abc');
  });

  it('refuses to ask without a terminal', async () => {
    const shown = await run(false).done();
    expect(shown).toContain('ERR:no terminal to ask for the password');
  });
});

describe.skipIf(!which('script'))('ask', () => {
  it('shows what is typed and returns it, edited', async () => {
    const r = run(true, 'ask', 'Username: ');
    await r.typeAfter('Username', 'alicf\x7fe\r');
    const shown = await r.done();
    expect(shown).toContain('GOT:"alice"');
    expect(shown.replace('GOT:"alice"', '')).toContain('alic'); // echoed as typed
  });

  it('is cancelled by Ctrl+C', async () => {
    const r = run(true, 'ask', 'Username: ');
    await r.typeAfter('Username', 'al\x03');
    expect(await r.done()).toContain('ERR:cancelled');
  });
});
