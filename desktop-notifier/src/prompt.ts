// Terminal prompts: a visible one for the username, a hidden one for the password.
import password from '@inquirer/password';
import readline from 'node:readline';

export function ask(question: string): Promise<string> {
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  return new Promise((resolve, reject) => {
    rl.on('SIGINT', () => {
      rl.close();
      reject(new Error('cancelled'));
    });
    rl.question(question, (answer) => {
      rl.close();
      resolve(answer);
    });
  });
}

/** Reads a line without echoing it. Needs a TTY; scripts use --password-stdin or the env var. */
export async function askHidden(question: string): Promise<string> {
  if (!process.stdin.isTTY) throw new Error('no terminal to ask for the password');
  try {
    // No Ctrl+T to reveal it: the screen may be shared or recorded, and nothing typed is shown.
    return await password({ message: question.trimEnd(), toggleMask: false }, { output: process.stderr });
  } catch (error) {
    // Ctrl+C (or the terminal closing) ends the prompt: the same "cancelled" as ask().
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
