import { readFileSync } from 'node:fs';
import { composeSupergraph } from '../../src/federation/compose';
import { printGovernanceSdl, SDL_PATH } from '../../src/schema-emit';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { startTestServer, type TestServer } from '../support/app';
import { HR_SDL } from '../support/hr-subgraph';

const committed = () => readFileSync(SDL_PATH, 'utf8');

describe('subgraph schema artifact', () => {
  it('is committed exactly as the code prints it (run `npm run schema:emit` after changing types)', async () => {
    expect(await printGovernanceSdl()).toBe(committed());
  });

  it('declares Federation 2 with the entity keys of the contract', () => {
    const sdl = committed();
    expect(sdl).toMatch(/@link\(url: "https:\/\/specs\.apollo\.dev\/federation\/v2\.\d+"/);
    for (const [type, key] of [
      ['Account', 'id'],
      ['Domain', 'id'],
      ['Domain', 'name'],
      ['ScimRecord', 'id'],
      ['Conflict', 'id'],
      ['Directory', 'id'],
    ]) {
      expect(sdl).toMatch(new RegExp(`type ${type}\\s[^{]*@key\\(fields: "${key}"\\)`));
    }
  });

  it("composes with another team's subgraph that extends Account and references Domain", () => {
    const result = composeSupergraph([
      { name: 'governance', sdl: committed(), url: 'http://governance/graphql' },
      { name: 'hr', sdl: HR_SDL, url: 'http://hr/graphql' },
    ]);
    expect(result).toMatchObject({ ok: true, supergraphSdl: expect.stringContaining('employeeNumber') });
  });

  describe('served over HTTP', () => {
    let db: TestDatabase;
    let app: TestServer;
    beforeAll(async () => {
      db = await createTestDatabase();
      app = await startTestServer(db.dataSource);
    });
    afterAll(async () => {
      await app.stop();
      await db.drop();
    });

    it('answers _service { sdl } with the committed SDL, without credentials, for composition', async () => {
      const response = await app.gql<{ _service: { sdl: string } }>(`{ _service { sdl } }`);
      expect(response.errors).toBeUndefined();
      expect(`${response.data!._service.sdl.trim()}\n`).toBe(committed());
    });
  });
});
