/**
 * One rule for every string that enters through HTTP (body strings and keys, query names and
 * values, path parameters): no NUL and no lone UTF-16 surrogate. Neither can be stored or
 * indexed faithfully everywhere (MySQL utf8mb4 refuses lone surrogates, C strings end at NUL),
 * so they are refused at the door instead of failing, or being altered, in a store later.
 */
import type { FieldProblem } from '../errors';

const NUL = '\u0000';

/** Why `text` is refused, or undefined when it is fine. */
export function textProblem(text: string): string | undefined {
  if (text.includes(NUL)) return 'must not contain NUL characters';
  if (!text.isWellFormed()) return 'must not contain unpaired UTF-16 surrogates';
  return undefined;
}

/** Every refused string in a parsed JSON value (keys too), at most `limit` of them. */
export function textProblemsIn(value: unknown, where: string, limit: number): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const visit = (node: unknown, path: string): void => {
    if (problems.length >= limit) return;
    if (typeof node === 'string') {
      const problem = textProblem(node);
      if (problem) problems.push({ path, message: problem });
    } else if (Array.isArray(node)) {
      for (const [i, item] of node.entries()) visit(item, `${path}.${i}`);
    } else if (node !== null && typeof node === 'object') {
      for (const [key, item] of Object.entries(node)) {
        const keyProblem = textProblem(key);
        if (keyProblem) problems.push({ path, message: `a field name ${keyProblem}` });
        else visit(item, `${path}.${key}`);
      }
    }
  };
  visit(value, where);
  return problems;
}
