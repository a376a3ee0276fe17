import { createHash, timingSafeEqual } from 'node:crypto';

/** A key as configuration holds it: never the key itself, only its SHA-256. */
export interface ApiKeyEntry {
  readonly tenantId: string;
  readonly sha256: Buffer;
}

export function sha256Of(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

/**
 * Parses `tenant:sha256hex` entries, separated by commas or new lines (blank lines and `#`
 * comments are ignored), as `API_KEYS` and the file named by `API_KEYS_FILE` hold them.
 * Returns the problems instead of throwing, so that configuration reports them all at once.
 */
export function parseApiKeyEntries(text: string, source: string): { entries: ApiKeyEntry[]; problems: string[] } {
  const entries: ApiKeyEntry[] = [];
  const problems: string[] = [];
  text
    .split(/[,\n]/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .forEach((line, index) => {
      const match = /^([A-Za-z0-9._-]{1,64}):([0-9a-f]{64})$/.exec(line);
      if (!match) {
        problems.push(`${source} entry ${index + 1} must be tenant:sha256-hex-of-the-key`);
        return;
      }
      entries.push({ tenantId: match[1]!, sha256: Buffer.from(match[2]!, 'hex') });
    });
  return { entries, problems };
}

/** Which tenant a presented key belongs to; compared in constant time, so timing reveals nothing. */
export class ApiKeys {
  constructor(private readonly entries: readonly ApiKeyEntry[]) {}

  get enabled(): boolean {
    return this.entries.length > 0;
  }

  tenantOf(presentedKey: string): string | undefined {
    const presented = sha256Of(presentedKey);
    let tenant: string | undefined;
    for (const entry of this.entries) {
      if (timingSafeEqual(entry.sha256, presented)) tenant = entry.tenantId;
    }
    return tenant;
  }
}

/** `Authorization: Bearer <key>`, or Userpilot's `Token <key>`. */
export function presentedKeyOf(authorization: string | undefined): string | undefined {
  const match = /^(?:Bearer|Token)\s+(\S+)\s*$/i.exec(authorization ?? '');
  return match?.[1];
}
