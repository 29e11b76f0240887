import { spawn } from 'node:child_process';
import { projectRoot } from '../../src/paths';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command-line entry point (`src/...-cli.ts`) from source in a process of its own, as `npm run` would. */
export function runCliProcess(script: string, args: string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', './test/support/swc-register.js', script, ...args], {
      cwd: projectRoot(),
      env: { PATH: process.env.PATH, LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += String(chunk)));
    child.stderr.on('data', (chunk) => (stderr += String(chunk)));
    child.once('error', reject);
    child.once('close', (code) => {
      resolve({ code, stdout, stderr });
    });
  });
}
