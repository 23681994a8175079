/** A variable the runner always passes to a server process it starts (baseline, floor); missing: a startup error. */
export function requiredEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}
