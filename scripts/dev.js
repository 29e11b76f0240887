// `npm run dev`: compiles what changed (tsc --watch keeps the program in memory: about a second
// per edit, where `tsc -b` re-reads every file; type errors print here) and restarts the server
// whenever its compiled code changes (node --watch). Each restart is a SIGTERM, so the server
// drains and stops its embedded Postgres before the next one starts.
const { spawn } = require('node:child_process');
const path = require('node:path');

const root = path.join(__dirname, '..');
const tsc = require.resolve('typescript/bin/tsc', { paths: [root] });
const children = new Set();

function run(args, options = {}) {
  const child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit', ...options });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

const compiler = run([tsc, '-p', 'tsconfig.build.json', '--watch', '--preserveWatchOutput'], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
let server;
compiler.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  // The first pass is done: start the server on fresh output.
  if (!server && /Watching for file changes/.test(String(chunk))) {
    server = run([
      '--watch',
      '--watch-preserve-output',
      '--max-old-space-size=192',
      '--max-semi-space-size=32',
      'dist/src/main.js',
    ]);
    server.once('exit', (code, signal) => stop(signal ? 0 : (code ?? 1)));
  }
});
compiler.once('exit', (code, signal) => stop(signal ? 0 : (code ?? 1)));

let stopping = false;
function stop(code) {
  if (stopping) return;
  stopping = true;
  // node --watch passes the signal on to the server and waits for it to finish shutting down.
  for (const child of children) child.kill('SIGTERM');
  const exit = () => (children.size === 0 ? process.exit(code) : setTimeout(exit, 50));
  exit();
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
