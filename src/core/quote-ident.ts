/** Quotes an SQL identifier (SQLite and PostgreSQL share the rule). */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
