#!/usr/bin/env node
// Fails when an installed package's `engines.node` excludes the Node running this script or the
// oldest Node the project promises (package.json `engines.node`): npm only warns (EBADENGINE) and
// installs it anyway, and the package then breaks, or will on the promised minimum.
// Runtime packages are what `npm start` loads; dev packages run the tests and the build, so both count.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import semver from 'semver';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));

const project = readJson(path.join(root, 'package.json'));
const promised = semver.minVersion(project.engines.node).version;
const nodes = [...new Set([process.versions.node, promised])];
const lock = readJson(path.join(root, 'package-lock.json'));

const problems = [];
let checked = 0;
for (const [location, entry] of Object.entries(lock.packages)) {
  if (location === '' || entry.link) continue;
  // Platform-specific optional packages npm skipped are not installed, so cannot break anything.
  const manifest = path.join(root, location, 'package.json');
  if (!existsSync(manifest)) continue;
  const { name, version, engines } = readJson(manifest);
  checked += 1;
  const range = engines?.node;
  if (typeof range !== 'string' || semver.validRange(range) === null) continue;
  const excluded = nodes.filter((node) => !semver.satisfies(node, range, { includePrerelease: true }));
  if (excluded.length > 0) {
    const kind = entry.dev ? 'dev' : 'runtime';
    problems.push(`${name}@${version} (${kind}, ${location}) wants node ${range}: excludes ${excluded.join(', ')}`);
  }
}

if (problems.length > 0) {
  process.stderr.write(
    `${problems.length} installed package(s) do not support Node ${nodes.join(' / ')}:\n  ${problems.join('\n  ')}\n` +
      'Pin a version that does with "overrides" in package.json.\n',
  );
  process.exit(1);
}
process.stdout.write(`engines: ${checked} installed packages accept Node ${nodes.join(' and ')}\n`);
