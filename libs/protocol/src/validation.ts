import type { z } from 'zod';
import type { FieldError } from './error-codes.js';

export type ParseResult<T> = { ok: true; value: T } | { ok: false; fields: FieldError[] };

/**
 * Parses `input` with `schema`, turning zod issues into the contract's `fields` list.
 *
 * One style for every message: each is a predicate that reads after its field's name ("body must not be blank",
 * "cursor is not a cursor from a previous page"), so `describeFieldErrors` can join them into one sentence. The
 * field rules in `fields.ts` say theirs in that style; zod's own ("Invalid input: expected string, received
 * number") are rephrased by `issueMessage`.
 */
export function parseWith<S extends z.ZodType>(schema: S, input: unknown): ParseResult<z.output<S>> {
  const result = schema.safeParse(input, { error: issueMessage });
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, fields: toFieldErrors(result.error) };
}

export function toFieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => {
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
    const base = issue.path.map(String).join('.');
    if (keys.length > 0) {
      return { path: keys.map((k) => (base ? `${base}.${k}` : k)).join(','), message: 'is not a known field' };
    }
    return { path: base, message: issue.message };
  });
}

/**
 * One sentence for a list of failing fields: `the body is not valid: body must not be blank; local_id must be …`.
 * A failure of the whole input (empty path) reads `the body must be an object`.
 */
export function describeFieldErrors(what: string, fields: readonly FieldError[]): string {
  const parts = fields.map((f) => `${f.path || `the ${what}`} ${f.message}`);
  return parts.length > 0 ? `the ${what} is not valid: ${parts.join('; ')}` : `the ${what} is not valid`;
}

const article = (noun: string) => (/^[aeiou]/.test(noun) ? `an ${noun}` : `a ${noun}`);

/** zod's messages in the style above; `undefined` keeps zod's (the schema's own messages always win). */
function issueMessage(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined ? 'is required' : `must be ${article(String(issue.expected))}`;
    case 'too_small': {
      const min = Number(issue.minimum);
      if (issue.origin === 'string') return min === 1 ? 'must not be empty' : `must be at least ${min} characters`;
      if (issue.origin === 'array' || issue.origin === 'set') return `must have at least ${min} items`;
      return `must be at least ${min}`;
    }
    case 'too_big': {
      const max = Number(issue.maximum);
      if (issue.origin === 'string') return `must be at most ${max} characters`;
      if (issue.origin === 'array' || issue.origin === 'set') return `must have at most ${max} items`;
      return `must be at most ${max}`;
    }
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_format':
      return `must be a valid ${issue.format}`;
    default:
      return undefined;
  }
}
