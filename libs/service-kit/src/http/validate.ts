import type { z } from 'zod';
import { parseWith } from '@switchboard/protocol';
import { validationFailed } from '../app-error.js';

/** Validates `input` against `schema` at the edge; the handler after it trusts the typed value. */
export function validate<S extends z.ZodType>(schema: S, input: unknown, what = 'request'): z.output<S> {
  const result = parseWith(schema, input);
  if (!result.ok) throw validationFailed(result.fields, what);
  return result.value;
}
