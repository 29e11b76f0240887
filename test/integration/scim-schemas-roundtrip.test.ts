import { createTestDatabase, type TestDatabase } from '../support/db';
import { startTestServer, type TestServer } from '../support/app';
import { fixtures } from '../support/fixtures';
import { SCIM, scimClient, type ScimClient } from '../support/scim-client';

/** One attribute of a Schema resource (RFC 7643 §7). */
interface Attribute {
  name: string;
  type: string;
  multiValued: boolean;
  mutability: string;
  canonicalValues?: string[];
  subAttributes?: Attribute[];
}

type Json = Record<string, unknown>;

/**
 * /Schemas and behaviour agree: a resource carrying a value for every attribute /Schemas publishes
 * as readWrite (walked from /Schemas itself, sub-attributes included) reads back with each of them,
 * after a POST and after a PUT.
 */
describe('every readWrite attribute /Schemas publishes round-trips', () => {
  let db: TestDatabase;
  let app: TestServer;
  let scim: ScimClient;

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await startTestServer(db.dataSource);
    const given = fixtures(db.dataSource);
    const organizationId = (await given.organization('schemas')).id;
    await given.domain(organizationId, 'acme.com', { verified: true, claimed: true });
    const directory = await given.directory(organizationId, 'Okta');
    scim = scimClient(app.url, directory.id, directory.token);
  });
  afterAll(async () => {
    await app.stop();
    await db.drop();
  });

  const attributesOf = async (id: string) =>
    (await scim.get(`/Schemas/${id}`)).body.attributes as unknown as Attribute[];

  /** A value for each readWrite attribute; `special` gives the ones whose values must mean something. */
  function valuesFor(attributes: Attribute[], prefix: string, special: Record<string, unknown>): Json {
    const values: Json = {};
    for (const attribute of attributes) {
      const path = `${prefix}${attribute.name}`;
      // Multi-valued elements need their value (immutable for Group members) to be an element at all.
      const needed = attribute.name === 'value' && prefix !== '';
      if (attribute.mutability !== 'readWrite' && !needed) continue;
      let value: unknown;
      if (path in special) value = special[path];
      else if (attribute.type === 'complex') value = valuesFor(attribute.subAttributes ?? [], `${path}.`, special);
      else if (attribute.type === 'boolean') value = true;
      else if (attribute.type === 'reference') value = `https://example.com/${attribute.name.replace('$', '')}`;
      else if (attribute.canonicalValues) value = attribute.canonicalValues[0];
      else value = `${attribute.name} value`;
      values[attribute.name] = attribute.multiValued && attribute.type === 'complex' ? [value] : value;
    }
    return values;
  }

  it('for a User with the enterprise extension, through POST, GET and PUT', async () => {
    const special = {
      userName: 'round.trip@acme.com',
      'emails.value': 'round.trip@acme.com',
      'phoneNumbers.value': '+1 555 0100',
      active: true,
    };
    const user: Json = {
      schemas: [SCIM.user, SCIM.enterprise],
      ...valuesFor(await attributesOf(SCIM.user), '', special),
      [SCIM.enterprise]: valuesFor(await attributesOf(SCIM.enterprise), '', {}),
    };
    // Every readWrite attribute is in the body: the walk found them all.
    expect(Object.keys(user)).toEqual(
      expect.arrayContaining(['userName', 'name', 'emails', 'phoneNumbers', 'addresses', 'active', 'title']),
    );
    expect((user.emails as Json[])[0]).toHaveProperty('display');

    const created = await scim.post('/Users', user);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject(user);
    expect((await scim.get(`/Users/${created.body.id}`)).body).toMatchObject(user);

    const replaced = await scim.put(`/Users/${created.body.id}`, user);
    expect(replaced.status).toBe(200);
    expect((await scim.get(`/Users/${created.body.id}`)).body).toMatchObject(user);
  });

  it('for a Group, through POST and GET', async () => {
    const member = await scim.post('/Users', { schemas: [SCIM.user], userName: 'member@acme.com' });
    const group: Json = {
      schemas: [SCIM.group],
      ...valuesFor(await attributesOf(SCIM.group), '', { 'members.value': member.body.id, 'members.type': 'User' }),
    };
    const created = await scim.post('/Groups', group);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject(group);
    expect((await scim.get(`/Groups/${created.body.id}`)).body).toMatchObject(group);
  });
});
