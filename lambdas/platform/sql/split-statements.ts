/**
 * Splits a migration file into single statements at top-level semicolons, so files can hold many
 * statements without turning on mysql2's `multipleStatements` (which widens SQL injection and pins
 * RDS Proxy sessions). Semicolons inside quotes, backticks and comments don't split.
 *
 * Not supported (on purpose, no migration needs them yet): `DELIMITER` and compound statements
 * with `BEGIN ... END` bodies (triggers, procedures).
 */
export function splitSqlStatements(sql: string): string[] {
  const statements: string[] = [];
  let current = '';
  let i = 0;
  while (i < sql.length) {
    const char = sql[i] as string;
    const next = sql[i + 1];
    if (char === "'" || char === '"' || char === '`') {
      const end = endOfQuoted(sql, i, char);
      current += sql.slice(i, end);
      i = end;
    } else if ((char === '-' && next === '-' && isSpaceOrEnd(sql[i + 2])) || char === '#') {
      // Line comment: dropped (up to, not including, the newline).
      const newline = sql.indexOf('\n', i);
      i = newline === -1 ? sql.length : newline;
    } else if (char === '/' && next === '*') {
      const close = sql.indexOf('*/', i + 2);
      if (close === -1) throw new Error('unterminated /* comment in SQL');
      // `/*!...*/` is executable in MySQL and MariaDB: keep it; drop plain comments.
      if (sql[i + 2] === '!') current += sql.slice(i, close + 2);
      else current += ' ';
      i = close + 2;
    } else if (char === ';') {
      pushStatement(statements, current);
      current = '';
      i += 1;
    } else {
      current += char;
      i += 1;
    }
  }
  pushStatement(statements, current);
  return statements;
}

function pushStatement(statements: string[], text: string): void {
  const statement = text.trim();
  if (statement) statements.push(statement);
}

function isSpaceOrEnd(char: string | undefined): boolean {
  return char === undefined || /\s/.test(char);
}

/** Index just past the closing quote; a doubled quote or a backslash escape stays inside. */
function endOfQuoted(sql: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < sql.length) {
    const char = sql[i];
    if (char === '\\' && quote !== '`') {
      i += 2;
    } else if (char === quote) {
      if (sql[i + 1] === quote) i += 2;
      else return i + 1;
    } else {
      i += 1;
    }
  }
  throw new Error(`unterminated ${quote} quote in SQL`);
}
