import type { Pool, PoolClient } from 'pg';

/** A place in the event store's global order, as a checkpoint keeps it. */
export interface CheckpointPosition {
  readonly commit: bigint;
  readonly prepare: bigint;
}

/**
 * A table of checkpoints, one row for each reader of the store (a subscription, a projection),
 * named by `keyColumn`. A checkpoint only moves from the position its mover read, so that of two
 * instances of one reader exactly one moves it.
 */
export class CheckpointTable {
  constructor(
    private readonly table: string,
    private readonly keyColumn: string,
  ) {}

  /** Idempotent: for a migration that runs on every start. */
  async create(client: PoolClient): Promise<void> {
    await client.query(`
      CREATE TABLE IF NOT EXISTS ${this.table} (
        ${this.keyColumn} text PRIMARY KEY,
        commit_position bigint NOT NULL,
        prepare_position bigint NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async read(connection: Pool | PoolClient, key: string): Promise<CheckpointPosition | undefined> {
    const { rows } = await connection.query<{ commit_position: string; prepare_position: string }>(
      `SELECT commit_position, prepare_position FROM ${this.table} WHERE ${this.keyColumn} = $1`,
      [key],
    );
    const row = rows[0];
    return row && { commit: BigInt(row.commit_position), prepare: BigInt(row.prepare_position) };
  }

  /** Moves the checkpoint to `next` if it is still `expected` (undefined: none yet); false, moving nothing, if not. */
  async move(connection: Pool | PoolClient, key: string, expected: CheckpointPosition | undefined, next: CheckpointPosition): Promise<boolean> {
    const result =
      expected === undefined
        ? await connection.query(
            `INSERT INTO ${this.table} (${this.keyColumn}, commit_position, prepare_position) VALUES ($1, $2, $3)
             ON CONFLICT (${this.keyColumn}) DO NOTHING`,
            [key, next.commit.toString(), next.prepare.toString()],
          )
        : await connection.query(
            `UPDATE ${this.table} SET commit_position = $2, prepare_position = $3, updated_at = now()
             WHERE ${this.keyColumn} = $1 AND commit_position = $4 AND prepare_position = $5`,
            [key, next.commit.toString(), next.prepare.toString(), expected.commit.toString(), expected.prepare.toString()],
          );
    return result.rowCount === 1;
  }
}
