import { composeServices } from '@apollo/composition';
import { Kind, parse, visit, type DocumentNode } from 'graphql';

export interface SubgraphSource {
  name: string;
  url: string;
  sdl: string;
}

/**
 * Which gateway the supergraph is for. The Apollo Router and Hive Gateway enforce
 * `@requiresScopes`/`@authenticated`; `@apollo/gateway` refuses to load a supergraph that links
 * them ("feature requiresScopes is for: SECURITY but is unsupported"), so for it they are
 * dropped. This subgraph enforces the same scopes itself either way.
 */
export type GatewayTarget = 'router' | 'apollo-gateway';

const SECURITY_DIRECTIVES = new Set(['requiresScopes', 'authenticated', 'policy']);
const isSecurityDirective = (name: string) => SECURITY_DIRECTIVES.has(name.replace(/^federation__/, ''));

/** The subgraph SDL without the security directives: their uses, definitions and @link imports. */
function withoutSecurityDirectives(sdl: string): DocumentNode {
  return visit(parse(sdl), {
    Directive(node) {
      return isSecurityDirective(node.name.value) ? null : undefined;
    },
    DirectiveDefinition(node) {
      return isSecurityDirective(node.name.value) ? null : undefined;
    },
    Argument(node, _key, _parent, _path, ancestors) {
      const parent = ancestors.at(-1);
      if (node.name.value !== 'import' || !parent || !('kind' in parent) || parent.kind !== Kind.DIRECTIVE)
        return undefined;
      if (node.value.kind !== Kind.LIST) return undefined;
      const values = node.value.values.filter(
        (value) => !(value.kind === Kind.STRING && isSecurityDirective(value.value.replace(/^@/, ''))),
      );
      return { ...node, value: { ...node.value, values } };
    },
  });
}

export type CompositionResult = { ok: true; supergraphSdl: string } | { ok: false; errors: string[] };

/** Composes subgraphs with @apollo/composition, reporting composition's own messages when they do not compose. */
export function composeSupergraph(subgraphs: SubgraphSource[], target: GatewayTarget = 'router'): CompositionResult {
  const result = composeServices(
    subgraphs.map(({ name, url, sdl }) => ({
      name,
      url,
      typeDefs: target === 'apollo-gateway' ? withoutSecurityDirectives(sdl) : parse(sdl),
    })),
  );
  if (result.errors) return { ok: false, errors: result.errors.map((error) => error.message) };
  return { ok: true, supergraphSdl: result.supergraphSdl };
}

/** Rover's `supergraph.yaml`, naming each subgraph's schema file and routing URL. */
export function roverConfig(subgraphs: Array<{ name: string; url: string; file: string }>): string {
  const lines = ['federation_version: =2.14.4', 'subgraphs:'];
  for (const { name, url, file } of subgraphs) {
    lines.push(`  ${name}:`, `    routing_url: ${url}`, '    schema:', `      file: ${file}`);
  }
  return `${lines.join('\n')}\n`;
}
