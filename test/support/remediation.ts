import type { TestServer } from './app';

interface Step {
  action: string;
  automated: boolean;
  arguments: Record<string, unknown>;
  done: boolean;
}

/**
 * Follows a conflict's remediation the way an automation script would: it knows nothing of
 * the steps in advance, reads each mutation's argument types from the schema, and calls it.
 */
export async function followRemediation(app: TestServer, token: string, conflictId: string): Promise<string[]> {
  const types = await mutationArgumentTypes(app, token);
  const taken: string[] = [];
  for (let guard = 0; guard < 10; guard++) {
    const { data } = await app.gql<{ conflict: { status: string; remediation: Step[] } }>(
      `query($id: ID!) { conflict(id: $id) { status remediation { action automated arguments done } } }`,
      { id: conflictId },
      { token },
    );
    const next = data!.conflict.remediation.find((step) => !step.done);
    if (data!.conflict.status !== 'OPEN' || !next) return taken;
    if (!next.automated) throw new Error(`Step ${next.action} needs a person`);
    const argTypes = types.get(next.action)!;
    const names = Object.keys(next.arguments);
    const document = `mutation Step(${names.map((name) => `$${name}: ${argTypes.get(name)!}`).join(', ')}) {
      ${next.action}(${names.map((name) => `${name}: $${name}`).join(', ')}) { userErrors { code field message } }
    }`;
    const result = await app.gql<Record<string, { userErrors: unknown[] }>>(document, next.arguments, { token });
    if (result.errors || result.data![next.action].userErrors.length > 0) {
      throw new Error(`${next.action} failed: ${JSON.stringify(result.errors ?? result.data)}`);
    }
    taken.push(next.action);
  }
  throw new Error('remediation did not converge');
}

async function mutationArgumentTypes(app: TestServer, token: string): Promise<Map<string, Map<string, string>>> {
  type TypeRef = { kind: string; name: string | null; ofType: TypeRef | null };
  const { data } = await app.gql<{
    __schema: { mutationType: { fields: Array<{ name: string; args: Array<{ name: string; type: TypeRef }> }> } };
  }>(
    `{ __schema { mutationType { fields { name args { name type { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } } }`,
    {},
    { token },
  );
  const render = (type: TypeRef): string =>
    type.kind === 'NON_NULL'
      ? `${render(type.ofType!)}!`
      : type.kind === 'LIST'
        ? `[${render(type.ofType!)}]`
        : type.name!;
  return new Map(
    data!.__schema.mutationType.fields.map((field) => [
      field.name,
      new Map(field.args.map((arg) => [arg.name, render(arg.type)])),
    ]),
  );
}
