import { DefaultNamingStrategy, type NamingStrategyInterface, type Table } from 'typeorm';

const snake = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
const tableNameOf = (table: Table | string) => (typeof table === 'string' ? table : table.name).replace(/^.*\./, '');

/**
 * snake_case columns and Postgres' own constraint names (`account_pkey`, `account_organization_id_fkey`),
 * so the hand-written migrations and the entities name things the same way.
 */
export class PostgresNamingStrategy extends DefaultNamingStrategy implements NamingStrategyInterface {
  override tableName(targetName: string, userSpecifiedName: string | undefined): string {
    return userSpecifiedName ?? snake(targetName);
  }

  override columnName(propertyName: string, customName: string | undefined, prefixes: string[]): string {
    return customName ?? snake([...prefixes, propertyName].join('_'));
  }

  override joinColumnName(relationName: string, referencedColumnName: string): string {
    return snake(`${relationName}_${referencedColumnName}`);
  }

  override primaryKeyName(table: Table | string): string {
    return `${tableNameOf(table)}_pkey`;
  }

  override foreignKeyName(table: Table | string, columnNames: string[]): string {
    return `${tableNameOf(table)}_${columnNames.join('_')}_fkey`;
  }

  override uniqueConstraintName(table: Table | string, columnNames: string[]): string {
    return `${tableNameOf(table)}_${columnNames.join('_')}_key`;
  }

  override indexName(table: Table | string, columnNames: string[]): string {
    return `${tableNameOf(table)}_${columnNames.join('_')}_idx`;
  }
}
