// Opens a conversation's page in the person's browser when they click a notification.
import { spawn } from 'node:child_process';

/**
 * The command for `url` on Linux and the BSDs: the first entry of `$BROWSER` (the convention is a
 * `:`-separated list of commands, `%s` standing for the URL), else `xdg-open`, which asks the
 * desktop for the default browser. Split on white space and run without a shell, so a URL is
 * always one argument and never read as shell syntax.
 */
export function browserCommand(url: string, env: NodeJS.ProcessEnv): [string, string[]] {
  const first = (env.BROWSER ?? '').split(':')[0]?.trim() ?? '';
  const words = first.split(/\s+/).filter(Boolean);
  const [cmd, ...rest] = words;
  if (!cmd) return ['xdg-open', [url]];
  return rest.includes('%s') ? [cmd, rest.map((w) => (w === '%s' ? url : w))] : [cmd, [...rest, url]];
}

export function openUrl(
  url: string,
  opts: { platform?: NodeJS.Platform; env?: NodeJS.ProcessEnv; log?: (line: string) => void } = {},
): void {
  const platform = opts.platform ?? process.platform;
  const [cmd, args] =
    platform === 'darwin'
      ? ['open', [url]]
      : platform === 'win32'
        ? ['rundll32', ['url.dll,FileProtocolHandler', url]]
        : browserCommand(url, opts.env ?? process.env);
  // Detached and unreferenced: the browser outlives the agent, and stopping the agent (its
  // process group included) must not close the page the person just opened.
  const child = spawn(cmd, args, { detached: true, stdio: 'ignore', windowsHide: true });
  child.once('error', (error) => opts.log?.(`could not open ${url} with ${cmd}: ${error.message}`));
  child.unref();
}
