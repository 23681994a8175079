import type { z } from 'zod';
import type { FieldError } from './error-codes.js';

export type ParseResult<T> = { ok: true; value: T } | { ok: false; fields: FieldError[] };

/** Parses `input` with `schema`, turning zod issues into the contract's `fields` list. */
export function parseWith<S extends z.ZodType>(schema: S, input: unknown): ParseResult<z.output<S>> {
  const result = schema.safeParse(input);
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, fields: toFieldErrors(result.error) };
}

export function toFieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => {
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
    const base = issue.path.map(String).join('.');
    if (keys.length > 0) {
      return { path: keys.map((k) => (base ? `${base}.${k}` : k)).join(','), message: 'unknown field' };
    }
    return { path: base, message: issue.message };
  });
}
