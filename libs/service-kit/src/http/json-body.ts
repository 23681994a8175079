import { AppError, validationFailed } from '../app-error.js';
import type { AppContext, Next } from './context.js';

export interface JsonBodyOptions {
  /** Largest body accepted, in bytes; larger ones get 413 before being read in full. */
  readonly limitBytes: number;
}

const tooLarge = (limit: number) => new AppError('PAYLOAD_TOO_LARGE', `the request body exceeds ${limit} bytes`);

/**
 * Reads and parses JSON bodies into `ctx.state.body`. A declared `Content-Length` over the limit is refused
 * before reading; a chunked body is cut off as soon as it passes the limit. Non-JSON content types and broken
 * JSON are a 400 `VALIDATION_FAILED`.
 */
export function jsonBody(options: JsonBodyOptions) {
  const limit = options.limitBytes;
  return async (ctx: AppContext, next: Next) => {
    if (ctx.method === 'GET' || ctx.method === 'HEAD' || ctx.method === 'OPTIONS' || ctx.method === 'DELETE') {
      return next();
    }
    const declared = Number(ctx.get('Content-Length') || 'NaN');
    if (declared > limit) throw tooLarge(limit);
    const raw = await readBody(ctx.req, limit);
    if (raw.length === 0) {
      ctx.state.body = undefined;
      return next();
    }
    const type = ctx.get('Content-Type');
    if (type && !ctx.is('json')) {
      throw validationFailed([{ path: 'Content-Type', message: 'must be application/json' }]);
    }
    try {
      ctx.state.body = JSON.parse(raw.toString('utf8'));
    } catch {
      throw validationFailed([{ path: '', message: 'must be valid JSON' }], 'body');
    }
    return next();
  };
}

function readBody(stream: NodeJS.ReadableStream, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        // Stop reading; the connection is closed after the 413 is sent.
        stream.pause();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const cleanup = () => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
    };
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
  });
}
