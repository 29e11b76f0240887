import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/**
 * The import graph of a source tree and the three rules it must keep (issue 11, conventions.md):
 * no import cycle between top-level parts, no import past another part's face (`<part>/index.ts`),
 * and imports only downward through the declared layers.
 *
 * A part is a folder directly under the root (`accounts`, `db`, ...) or a file directly in it
 * (`config.ts`, `main.ts`): a root file is its own part and its own face. Files named as entry
 * points (command-line programs that nothing imports) are parts of their own too, whatever folder
 * they live in: they drive their folder from outside, like main.ts.
 */

/** One import statement of one file, resolved to a file of the tree. */
interface ImportEdge {
  /** Importing file, relative to the root, with forward slashes. */
  from: string;
  /** Imported file, relative to the root. */
  to: string;
  specifier: string;
  line: number;
  /** Loaded when the importing file runs (not `import type`, not elided because only types are used). */
  runtime: boolean;
}

interface Layer {
  name: string;
  /** Folder names, root file names (`config.ts`) and entry point paths (`db/cli.ts`). */
  parts: string[];
  /**
   * Files of this layer inside a part of another one, by path: a feature folder's resolvers and
   * HTTP handlers are transport. Only imports between two parts are held to the layers.
   */
  files?: RegExp[];
}

interface Exception {
  from: string;
  to: string;
  reason: string;
}

export interface ArchitectureRules {
  /** Lowest first: a part may import its own layer and the layers listed before it. */
  layers: Layer[];
  /** Files that are programs of their own: nothing may import them (paths relative to the root). */
  entryPoints?: string[];
  /** Imports allowed past a face or up the layers, each with its reason. */
  exceptions?: Exception[];
}

interface Cycle {
  /** The parts of one strongly connected component, sorted. */
  parts: string[];
  /** One closed path through all of them, e.g. [a, b, c, a] (a shortest one from the first part). */
  path: string[];
  /** Every runtime import between two parts of the component. */
  edges: ImportEdge[];
}

interface Violation {
  edge: ImportEdge;
  message: string;
}

export interface ArchitectureReport {
  files: number;
  edges: ImportEdge[];
  cycles: Cycle[];
  deepImports: Violation[];
  layerViolations: Violation[];
  /** Entry points that something imports, parts without a layer, exceptions that no longer match. */
  ruleProblems: string[];
}

const COMPILER_OPTIONS: ts.CompilerOptions = {
  module: ts.ModuleKind.CommonJS,
  target: ts.ScriptTarget.ES2022,
  experimentalDecorators: true,
  emitDecoratorMetadata: true,
  esModuleInterop: true,
};

function listTsFiles(root: string): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) files.push(full);
    }
  };
  walk(root);
  return files;
}

const toPosix = (file: string) => file.split(path.sep).join('/');

/** `./x` from `a/b.ts` to the tree's file it names (`a/x.ts` or `a/x/index.ts`), or null outside the tree. */
function resolve(root: string, fromFile: string, specifier: string): string | null {
  if (!specifier.startsWith('.')) return null;
  const base = path.resolve(path.dirname(fromFile), specifier.replace(/\.js$/, ''));
  for (const candidate of [base, `${base}.ts`, path.join(base, 'index.ts')]) {
    if (candidate.endsWith('.ts') && existsSync(candidate) && statSync(candidate).isFile()) {
      const relative = path.relative(root, candidate);
      return relative.startsWith('..') ? null : toPosix(relative);
    }
  }
  return null;
}

/**
 * Every relative import and re-export of every file under `root`. Whether one is a runtime import
 * is read from what TypeScript emits for the file alone (as swc does for the tests): `import type`,
 * `export type` and imports whose names are only used as types are dropped there.
 */
function collectImports(root: string): { files: string[]; edges: ImportEdge[] } {
  const files = listTsFiles(root);
  const edges: ImportEdge[] = [];
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
    const emitted = ts.transpileModule(text, { compilerOptions: COMPILER_OPTIONS, fileName: file }).outputText;
    const required = new Set([...emitted.matchAll(/require\("([^"]+)"\)/g)].map((match) => match[1]));
    const add = (specifier: string, node: ts.Node) => {
      const to = resolve(root, file, specifier);
      if (to === null) return;
      edges.push({
        from: toPosix(path.relative(root, file)),
        to,
        specifier,
        line: source.getLineAndCharacterOfPosition(node.getStart()).line + 1,
        runtime: required.has(specifier),
      });
    };
    const visit = (node: ts.Node) => {
      if (
        (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
        node.moduleSpecifier &&
        ts.isStringLiteral(node.moduleSpecifier)
      ) {
        add(node.moduleSpecifier.text, node);
      } else if (
        ts.isCallExpression(node) &&
        (node.expression.kind === ts.SyntaxKind.ImportKeyword ||
          (ts.isIdentifier(node.expression) && node.expression.text === 'require')) &&
        node.arguments.length === 1 &&
        ts.isStringLiteral(node.arguments[0])
      ) {
        add(node.arguments[0].text, node);
      } else if (
        ts.isImportEqualsDeclaration(node) &&
        ts.isExternalModuleReference(node.moduleReference) &&
        ts.isStringLiteral(node.moduleReference.expression)
      ) {
        add(node.moduleReference.expression.text, node);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return { files: files.map((file) => toPosix(path.relative(root, file))), edges };
}

/** The part a file belongs to: its entry point path, its top-level folder, or the root file itself. */
function partOf(file: string, entryPoints: ReadonlySet<string> = new Set()): string {
  if (entryPoints.has(file)) return file;
  const slash = file.indexOf('/');
  return slash === -1 ? file : file.slice(0, slash);
}

/** Whether `file` is the face of its part: `<folder>/index.ts`, a root file, or an entry point. */
function isFace(file: string, entryPoints: ReadonlySet<string>): boolean {
  return entryPoints.has(file) || !file.includes('/') || /^[^/]+\/index\.ts$/.test(file);
}

/** Strongly connected components of more than one part (Tarjan), each with one path through it. */
function findCycles(edges: ImportEdge[], part: (file: string) => string): Cycle[] {
  const graph = new Map<string, Set<string>>();
  for (const edge of edges) {
    const [a, b] = [part(edge.from), part(edge.to)];
    if (!edge.runtime || a === b) continue;
    if (!graph.has(a)) graph.set(a, new Set());
    if (!graph.has(b)) graph.set(b, new Set());
    graph.get(a)?.add(b);
  }
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const strongConnect = (v: string) => {
    indices.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of [...(graph.get(v) ?? [])].sort()) {
      if (!indices.has(w)) {
        strongConnect(w);
        low.set(v, Math.min(low.get(v) ?? 0, low.get(w) ?? 0));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v) ?? 0, indices.get(w) ?? 0));
      }
    }
    if (low.get(v) === indices.get(v)) {
      const component: string[] = [];
      let w: string | undefined;
      do {
        w = stack.pop();
        if (w === undefined) break;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) components.push(component.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!indices.has(v)) strongConnect(v);

  return components
    .map((parts) => {
      const inside = new Set(parts);
      // A shortest path from the first part back to itself inside the component (breadth first).
      const start = parts[0];
      const previous = new Map<string, string>();
      const queue = [...(graph.get(start) ?? [])].filter((w) => inside.has(w)).sort();
      for (const w of queue) previous.set(w, start);
      let closed: string[] = [start];
      for (let i = 0; i < queue.length; i++) {
        const v = queue[i];
        if (v === start) break;
        for (const w of [...(graph.get(v) ?? [])].sort()) {
          if (!inside.has(w) || previous.has(w)) continue;
          previous.set(w, v);
          queue.push(w);
        }
      }
      if (previous.has(start)) {
        const back: string[] = [start];
        let v = previous.get(start);
        while (v !== undefined && v !== start) {
          back.push(v);
          v = previous.get(v);
        }
        closed = [start, ...back.slice(1).reverse(), start];
      }
      return {
        parts,
        path: closed,
        edges: edges.filter(
          (edge) =>
            edge.runtime &&
            part(edge.from) !== part(edge.to) &&
            inside.has(part(edge.from)) &&
            inside.has(part(edge.to)),
        ),
      };
    })
    .sort((a, b) => b.parts.length - a.parts.length || a.parts[0].localeCompare(b.parts[0]));
}

/** Runs every rule over the tree under `root` (a `src/`). */
export function checkArchitecture(root: string, rules: ArchitectureRules): ArchitectureReport {
  const { files, edges } = collectImports(root);
  const entryPoints = new Set(rules.entryPoints ?? []);
  const part = (file: string) => partOf(file, entryPoints);
  const exceptions = rules.exceptions ?? [];
  const used = new Set<Exception>();
  const excepted = (edge: ImportEdge) => {
    const exception = exceptions.find((e) => e.from === edge.from && e.to === edge.to);
    if (exception) used.add(exception);
    return exception !== undefined;
  };
  const ruleProblems: string[] = [];

  const partLayer = new Map<string, number>();
  rules.layers.forEach((layer, i) => {
    for (const name of layer.parts) partLayer.set(name, i);
  });
  const layerOf = (file: string): number | undefined => {
    const byFile = rules.layers.findIndex((layer) => layer.files?.some((pattern) => pattern.test(file)));
    return byFile === -1 ? partLayer.get(part(file)) : byFile;
  };
  const parts = new Set(files.map(part));
  for (const name of [...parts].sort()) {
    if (!partLayer.has(name)) ruleProblems.push(`${name} is in no layer: add it to one of the declared layers`);
  }
  for (const entry of entryPoints) {
    if (!files.includes(entry)) ruleProblems.push(`entry point ${entry} does not exist`);
  }
  for (const edge of edges) {
    if (entryPoints.has(edge.to) && edge.from !== edge.to)
      ruleProblems.push(`${edge.from}:${edge.line} imports the entry point ${edge.to}: move what it needs elsewhere`);
  }

  const deepImports: Violation[] = [];
  const layerViolations: Violation[] = [];
  for (const edge of edges) {
    const [from, to] = [part(edge.from), part(edge.to)];
    if (from === to) continue;
    // An entry point is a program of its folder: it may use the folder's files, not other folders'.
    const home = entryPoints.has(edge.from) && partOf(edge.from) === to;
    if (!home && !isFace(edge.to, entryPoints) && !excepted(edge)) {
      deepImports.push({ edge, message: `${edge.from}:${edge.line} imports ${edge.to}, past ${to}/index.ts` });
    }
    const [a, b] = [layerOf(edge.from), layerOf(edge.to)];
    if (a !== undefined && b !== undefined && b > a && !excepted(edge)) {
      layerViolations.push({
        edge,
        message: `${edge.from}:${edge.line} (${rules.layers[a].name}) imports ${edge.to} (${rules.layers[b].name}), a layer above`,
      });
    }
  }
  for (const exception of exceptions) {
    if (!used.has(exception)) ruleProblems.push(`exception ${exception.from} -> ${exception.to} matches no import`);
  }
  return { files: files.length, edges, cycles: findCycles(edges, part), deepImports, layerViolations, ruleProblems };
}

/** The report as text a failing test prints: each cycle with the imports that close it. */
export function formatReport(report: ArchitectureReport): string {
  const lines: string[] = [];
  for (const cycle of report.cycles) {
    lines.push(`cycle between ${cycle.parts.length} parts: ${cycle.path.join(' -> ')}`);
    lines.push(`  all parts: ${cycle.parts.join(', ')}`);
    for (const edge of cycle.edges) lines.push(`  ${edge.from}:${edge.line} -> ${edge.to}`);
  }
  for (const violation of report.deepImports) lines.push(`deep import: ${violation.message}`);
  for (const violation of report.layerViolations) lines.push(`layer: ${violation.message}`);
  for (const problem of report.ruleProblems) lines.push(`rules: ${problem}`);
  return lines.join('\n');
}
