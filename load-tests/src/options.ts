/**
 * Flags of `npm run load -- <scenario> [--name value …]`; each may also come from the environment as
 * `LOAD_<NAME>` (dashes as underscores). Defaults fit a 2-core machine and finish in a few minutes.
 */
export type Flags = Readonly<Record<string, string>>;

export function parseArgs(argv: readonly string[]): { scenario: string | undefined; flags: Flags } {
  const flags: Record<string, string> = {};
  let scenario: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg.startsWith('--')) {
      const [name, inline] = arg.slice(2).split('=', 2);
      if (inline !== undefined) flags[name!] = inline;
      else if (argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('--')) flags[name!] = argv[++i]!;
      else flags[name!] = 'true';
    } else scenario ??= arg;
  }
  return { scenario, flags };
}

export interface FlagReader {
  int(name: string, fallback: number): number;
  str(name: string, fallback: string): string;
  optional(name: string): string | undefined;
  list(name: string, fallback: readonly string[]): string[];
  /** Every flag read so far with its value, for the report. */
  used(): Record<string, string>;
}

export function flagReader(flags: Flags, env: NodeJS.ProcessEnv = process.env): FlagReader {
  const used: Record<string, string> = {};
  const raw = (name: string) => flags[name] ?? env[`LOAD_${name.toUpperCase().replaceAll('-', '_')}`];
  const read = (name: string, fallback: string | undefined) => {
    const value = raw(name) ?? fallback;
    if (value !== undefined) used[name] = value;
    return value;
  };
  return {
    int(name, fallback) {
      const value = Number(read(name, String(fallback)));
      if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} must be a non-negative number`);
      return value;
    },
    str: (name, fallback) => read(name, fallback)!,
    optional: (name) => read(name, undefined),
    list: (name, fallback) => read(name, fallback.join(','))!.split(',').filter(Boolean),
    used: () => ({ ...used }),
  };
}
