// Terminal prompts: a visible one for the username, a hidden one for the password.
import input from '@inquirer/input';
import password from '@inquirer/password';

/** Reads a visible line (the username). Needs a TTY, as the caller checks. */
export function ask(question: string): Promise<string> {
  return cancellable(input({ message: question.trimEnd() }, { output: process.stderr }));
}

/** Reads a line without echoing it. Needs a TTY; scripts use --password-stdin or the env var. */
export async function askHidden(question: string): Promise<string> {
  if (!process.stdin.isTTY) throw new Error('no terminal to ask for the password');
  // No Ctrl+T to reveal it: the screen may be shared or recorded, and nothing typed is shown.
  return cancellable(password({ message: question.trimEnd(), toggleMask: false }, { output: process.stderr }));
}

/** Ctrl+C (or the terminal closing) ends a prompt: the CLI says "cancelled". */
async function cancellable(answer: Promise<string>): Promise<string> {
  try {
    return await answer;
  } catch (error) {
    if (error instanceof Error && error.name === 'ExitPromptError') throw new Error('cancelled');
    throw error;
  }
}

/** All of stdin, without the trailing newline (for --password-stdin). */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}
