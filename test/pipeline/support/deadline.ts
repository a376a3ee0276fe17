import { waitFor } from '../../../tools/stack/wait-for';

/**
 * Polls `probe` until it gives a value, or fails after `timeoutMs` with what was awaited, what was
 * last seen and the service's recent warnings: a timeout on a loaded machine must say why.
 */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  { timeoutMs = 30_000, intervalMs = 200, explain }: { timeoutMs?: number; intervalMs?: number; explain?: () => string } = {},
): Promise<T> {
  try {
    return await waitFor(what, probe, { timeoutMs, intervalMs });
  } catch (error) {
    if (explain === undefined) throw error;
    throw new Error(`${(error as Error).message}\n${explain()}`, { cause: error });
  }
}
