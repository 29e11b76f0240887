import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkArchitecture, formatReport, type ArchitectureRules } from '../support/architecture';

/**
 * The layers of src/ (conventions.md), lowest first: a part imports its own layer and those below.
 * A part is a top-level folder, or a file directly in src/ (each its own face: main.ts, config.ts).
 */
const RULES: ArchitectureRules = {
  layers: [
    { name: 'foundation', parts: ['db', 'common', 'config.ts', 'logger.ts', 'paths.ts', 'observability'] },
    {
      name: 'features',
      parts: ['accounts', 'audit', 'conflicts', 'directories', 'domains', 'organizations', 'rules', 'scim', 'webhooks'],
    },
    { name: 'workflows', parts: ['workflows'] },
    {
      name: 'transport',
      parts: [
        'graphql',
        'scim-api',
        'http',
        'auth',
        'federation',
        'seed',
        'cli.ts',
        'context.ts',
        'entities.ts',
        'main.ts',
        'schema.ts',
        'schema-emit.ts',
        'server.ts',
        'db/cli.ts',
        'auth/token-cli.ts',
        'federation/compose-cli.ts',
        'seed/cli.ts',
      ],
    },
  ],
  // Command-line programs that drive their folder from outside (package.json runs them).
  entryPoints: ['db/cli.ts', 'auth/token-cli.ts', 'federation/compose-cli.ts', 'seed/cli.ts'],
  exceptions: [],
};

const SRC = path.join(__dirname, '..', '..', 'src');

describe('the architecture checker', () => {
  let root: string;
  const tree = (files: Record<string, string>) => {
    rmSync(root, { recursive: true, force: true });
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      writeFileSync(path.join(root, file), text);
    }
    return root;
  };
  const rules: ArchitectureRules = {
    layers: [
      { name: 'low', parts: ['base'] },
      { name: 'high', parts: ['left', 'right', 'main.ts', 'tool/cli.ts'] },
    ],
    entryPoints: ['tool/cli.ts'],
  };
  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'architecture-'));
  });
  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it('passes a tree that imports faces, downward, without cycles', () => {
    const report = checkArchitecture(
      tree({
        'base/index.ts': `export { one } from './one';\nexport type { Shape } from './shape';\n`,
        'base/one.ts': `export const one = 1;\n`,
        'base/shape.ts': `export interface Shape { size: number }\n`,
        'left/index.ts': `import { one, type Shape } from '../base';\nexport const left = (s: Shape) => s.size + one;\n`,
        // Only a type comes back from left: erased at run time, so no cycle.
        'right/index.ts': `import { left } from '../left';\nexport const right = () => left({ size: 2 });\nexport interface Right { r: number }\n`,
        'left/uses-right.ts': `import type { Right } from '../right';\nimport { Right as R } from '../right';\nexport const f = (r: Right, s: R) => r.r + s.r;\n`,
        'main.ts': `import { right } from './right';\nright();\n`,
        'tool/cli.ts': `import { one } from '../base/one';\nimport { right } from '../right';\nimport { tool } from './tool';\nright(); void one; void tool;\n`,
        'tool/index.ts': `export { tool } from './tool';\n`,
        'tool/tool.ts': `export const tool = 1;\n`,
      }),
      { ...rules, layers: [{ name: 'low', parts: ['base', 'tool'] }, rules.layers[1]] },
    );
    // tool/cli.ts may use its own folder's files, not another folder's.
    expect(formatReport(report)).toBe('deep import: tool/cli.ts:1 imports base/one.ts, past base/index.ts');
  });

  it('finds a cycle between two parts and prints the imports that close it', () => {
    const report = checkArchitecture(
      tree({
        'left/index.ts': `export { left } from './left';\n`,
        'left/left.ts': `import { right } from '../right';\nexport const left = () => right;\n`,
        'right/index.ts': `import { left } from '../left';\nexport const right = () => left;\n`,
      }),
      { ...rules, entryPoints: [] },
    );
    expect(report.cycles).toEqual([
      expect.objectContaining({ parts: ['left', 'right'], path: ['left', 'right', 'left'] }),
    ]);
    expect(formatReport(report)).toBe(
      [
        'cycle between 2 parts: left -> right -> left',
        '  all parts: left, right',
        '  left/left.ts:1 -> right/index.ts',
        '  right/index.ts:1 -> left/index.ts',
      ].join('\n'),
    );
  });

  it('finds an import past a face, re-exports and dynamic imports included', () => {
    const report = checkArchitecture(
      tree({
        'base/index.ts': `export {};\n`,
        'base/one.ts': `export const one = 1;\n`,
        'base/two.ts': `export const two = 2;\n`,
        'left/index.ts': `export { one } from '../base/one';\nexport const later = () => import('../base/two');\n`,
      }),
      rules,
    );
    expect(report.deepImports.map((violation) => violation.message)).toEqual([
      'left/index.ts:1 imports base/one.ts, past base/index.ts',
      'left/index.ts:2 imports base/two.ts, past base/index.ts',
    ]);
    expect(report.cycles).toEqual([]);
  });

  it('finds an import up the layers, a part in no layer, an imported entry point and a stale exception', () => {
    const report = checkArchitecture(
      tree({
        'base/index.ts': `import { left } from '../left';\nexport const base = left;\n`,
        'left/index.ts': `export const left = 1;\n`,
        'stray/index.ts': `import '../tool/cli';\n`,
        'tool/cli.ts': `export const cli = 1;\n`,
      }),
      { ...rules, exceptions: [{ from: 'left/index.ts', to: 'base/index.ts', reason: 'no longer needed' }] },
    );
    expect(report.layerViolations.map((violation) => violation.message)).toEqual([
      'base/index.ts:1 (low) imports left/index.ts (high), a layer above',
    ]);
    expect(report.ruleProblems).toEqual([
      'stray is in no layer: add it to one of the declared layers',
      'stray/index.ts:1 imports the entry point tool/cli.ts: move what it needs elsewhere',
      'exception left/index.ts -> base/index.ts matches no import',
    ]);
  });
});

describe('src/', () => {
  const report = checkArchitecture(SRC, RULES);

  it('foundation (db, common, config, logger, paths) imports no feature and nothing above it', () => {
    const upward = report.layerViolations.filter(({ edge }) =>
      RULES.layers[0].parts.some((part) => edge.from === part || edge.from.startsWith(`${part}/`)),
    );
    expect(upward.map((violation) => violation.message)).toEqual([]);
  });

  test('has no cycle between parts, no import past a face and no import up the layers', () => {
    expect(formatReport(report)).toBe('');
  });
});
