import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../paths';
import { SDL_PATH } from '../schema-emit';
import { composeSupergraph, roverConfig, type GatewayTarget } from './compose';

/**
 * `npm run compose [-- --target apollo-gateway] [name=file.graphql@http://url ...]`
 *
 * Writes `supergraph.graphql` and a Rover `supergraph.yaml` composed from this subgraph's
 * checked-in SDL plus any other subgraphs given, or exits 1 with composition's own messages.
 */
function main(args: string[]): number {
  const targetIndex = args.indexOf('--target');
  const target = (targetIndex >= 0 ? args[targetIndex + 1] : 'router') as GatewayTarget;
  if (!['router', 'apollo-gateway'].includes(target)) {
    process.stderr.write(`--target must be router or apollo-gateway (got ${target})\n`);
    return 2;
  }
  const others = args.filter((arg, i) => !arg.startsWith('--') && args[i - 1] !== '--target');
  const root = projectRoot();
  const subgraphs = [
    {
      name: 'governance',
      url: process.env.GOVERNANCE_SUBGRAPH_URL ?? 'http://localhost:4000/graphql',
      file: path.relative(root, SDL_PATH),
    },
    ...others.map((spec) => {
      const match = /^([A-Za-z][\w-]*)=([^@]+)@(.+)$/.exec(spec);
      if (!match)
        throw new Error(`Give other subgraphs as name=path/to/schema.graphql@http://host/graphql (got "${spec}")`);
      return { name: match[1], file: match[2], url: match[3] };
    }),
  ];
  const result = composeSupergraph(
    subgraphs.map(({ name, url, file }) => ({ name, url, sdl: readFileSync(path.resolve(root, file), 'utf8') })),
    target,
  );
  if (!result.ok) {
    process.stderr.write(`Composition failed:\n${result.errors.map((error) => `  - ${error}`).join('\n')}\n`);
    return 1;
  }
  writeFileSync(path.join(root, 'supergraph.graphql'), result.supergraphSdl);
  writeFileSync(path.join(root, 'supergraph.yaml'), roverConfig(subgraphs));
  process.stdout.write(
    `wrote supergraph.graphql (for ${target}) and supergraph.yaml from ${subgraphs.map((s) => s.name).join(', ')}\n`,
  );
  return 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exitCode = 2;
}
