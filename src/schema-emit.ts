import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { graphql } from 'graphql';
import { buildGovernanceSchema } from './schema';
import { projectRoot } from './paths';

/** The subgraph SDL exactly as composition reads it from `_service { sdl }`, kept as a reviewed artifact. */
export async function printGovernanceSdl(): Promise<string> {
  const result = await graphql({ schema: await buildGovernanceSchema(), source: '{ _service { sdl } }' });
  if (result.errors) throw result.errors[0];
  return `${(result.data as { _service: { sdl: string } })._service.sdl.trim()}\n`;
}

export const SDL_PATH = path.join(projectRoot(), 'schema', 'subgraph.graphql');

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
