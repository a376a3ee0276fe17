/** Reads a connection setting that global setup exported; a clear error when run outside the harness. */
export function harnessEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run int specs through jest's int project, whose global setup starts the servers`);
  return value;
}
