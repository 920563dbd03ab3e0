// Builds bundle/chat-notifier.js, the program the npm package ships (`npm pack` runs this).
//
// Our own workspaces (@messenger/protocol, @messenger/client) are not on the npm registry, so they
// are compiled into the bundle. Third-party packages stay ordinary dependencies: npm installs and
// dedupes them, `npm audit` sees them, a patch release reaches users, and node-notifier keeps its
// vendor binaries (terminal-notifier, SnoreToast) next to its code, where it looks for them.
// A bundle that still imports something not declared in "dependencies" would crash on a clean
// machine; the build refuses it here instead.
import { build } from 'esbuild';
import { builtinModules } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const dependencies = Object.keys(pkg.dependencies ?? {});
const entry = path.join(root, 'dist', 'cli.js');
const outfile = path.join(root, 'bundle', 'chat-notifier.js');

if (!fs.existsSync(entry)) throw new Error(`${entry} is missing: run "tsc -b" first`);
fs.rmSync(path.dirname(outfile), { recursive: true, force: true });

const result = await build({
  // The typechecked output of tsc -b, so what is tested is what ships.
  entryPoints: [entry],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20.19',
  // A package name also covers its subpaths (@sinclair/typebox/compiler).
  external: dependencies,
  metafile: true,
  // Not minified: a stack trace from a user's machine stays readable.
  minify: false,
  legalComments: 'inline',
  logLevel: 'warning',
});

const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
const packageOf = (spec) => spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/');
const undeclared = new Set();
for (const output of Object.values(result.metafile.outputs)) {
  for (const imp of output.imports) {
    if (imp.external && !builtins.has(imp.path) && !dependencies.includes(packageOf(imp.path))) undeclared.add(imp.path);
  }
}
if (undeclared.size > 0) {
  throw new Error(`the bundle imports packages missing from "dependencies": ${[...undeclared].join(', ')}`);
}
const inlined = Object.keys(result.metafile.inputs).filter((f) => /(^|\/)(protocol|client)\/dist\//.test(f));
if (inlined.length === 0) throw new Error('the bundle does not contain @messenger/protocol and @messenger/client');
fs.chmodSync(outfile, 0o755);
console.log(`${path.relative(process.cwd(), outfile)}: ${(fs.statSync(outfile).size / 1024).toFixed(0)} KiB, external: ${dependencies.join(', ')}`);
