import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { printSubgraphSchema } from '@apollo/subgraph';
import { buildGovernanceSchema } from './schema';

/** The subgraph SDL as composition sees it (`_service { sdl }`), written as a reviewed artifact. */
export async function printGovernanceSdl(): Promise<string> {
  return `${printSubgraphSchema(await buildGovernanceSchema()).trim()}\n`;
}

export const SDL_PATH = path.resolve(__dirname, '..', '..', 'schema', 'subgraph.graphql');

if (require.main === module) {
  printGovernanceSdl()
    .then((sdl) => {
      writeFileSync(SDL_PATH, sdl);
      process.stdout.write(`wrote ${path.relative(process.cwd(), SDL_PATH)}\n`);
    })
    .catch((error: unknown) => {
      process.stderr.write(`${String(error)}\n`);
      process.exit(1);
    });
}
