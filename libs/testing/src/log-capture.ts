import { Writable } from 'node:stream';

/** One JSON log line as pino writes it (`level` as its label, as `createLogger` formats it). */
export interface CapturedLogLine {
  readonly level: string;
  readonly msg: string;
  readonly [field: string]: unknown;
}

/** A destination for `createLogger` that keeps every line, parsed, for a test to read. */
export function captureLogLines(): { readonly lines: CapturedLogLine[]; readonly destination: Writable } {
  const lines: CapturedLogLine[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as CapturedLogLine);
      done();
    },
  });
  return { lines, destination };
}
