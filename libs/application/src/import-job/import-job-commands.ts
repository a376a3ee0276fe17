import {
  asImportJobEvent,
  decide,
  evolve,
  foldEvents,
  importJobDecider,
  importJobStreamId,
  NotFoundError,
  type ImportJob,
  type ImportJobCommand,
  type ImportJobEvent,
} from '@import-jobs/domain';
import {
  EventIdConflictError,
  WrongExpectedRevisionError,
  type EventStore,
  type GlobalPosition,
} from '@import-jobs/event-store';
import { toEventToAppend } from './stored-events';

export interface CommandOutcome {
  /** The job after the command. */
  readonly job: ImportJob;
  /** What the command appended; empty when it changed nothing (a redelivery, a repeated request). */
  readonly appended: readonly ImportJobEvent[];
  /** Where the append landed, for callers that wait until a projection has caught up. */
  readonly position: GlobalPosition | undefined;
}

/** Raised when racing writers kept changing the stream under every attempt. */
export class CommandContentionError extends Error {
  readonly code = 'COMMAND_CONTENTION';
  readonly retriable = true;

  constructor(jobId: string, attempts: number) {
    super(`job ${jobId} kept changing during ${attempts} attempts to apply a command`);
  }
}

/**
 * Load → decide → append with the expected revision. A conflict means another process wrote
 * first (a concurrent piece result, a duplicate delivery): decide again on the newer state, where a
 * duplicate decides nothing. Domain errors pass through to the caller unchanged.
 */
export class ImportJobCommands {
  constructor(
    private readonly store: EventStore,
    private readonly maxAttempts = 10,
  ) {}

  async load(jobId: string): Promise<{ job: ImportJob; events: readonly ImportJobEvent[]; revision: bigint | undefined }> {
    const recorded = await this.store.readStream(importJobStreamId(jobId));
    const events = recorded.map(asImportJobEvent).filter((event): event is ImportJobEvent => event !== undefined);
    return { job: foldEvents(importJobDecider, events), events, revision: recorded.at(-1)?.streamRevision };
  }

  /**
   * `onBehalfOf` names the tenant a caller acts for: another tenant's job is then "not found",
   * never "forbidden", so that job ids reveal nothing. Internal callers (workers, the planner)
   * act for the service and leave it out.
   */
  async execute(command: ImportJobCommand, { onBehalfOf }: { onBehalfOf?: string } = {}): Promise<CommandOutcome> {
    const { jobId } = command.data;
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      const { job, revision } = await this.load(jobId);
      if (onBehalfOf !== undefined && job.status !== 'NotStarted' && job.tenantId !== onBehalfOf) {
        throw new NotFoundError('JOB_NOT_FOUND', `import job ${jobId} does not exist`);
      }
      const appended = decide(command, job);
      if (appended.length === 0) return { job, appended, position: undefined };
      try {
        const result = await this.store.appendToStream(
          importJobStreamId(jobId),
          appended.map((event) => toEventToAppend(jobId, event)),
          { expectedRevision: revision ?? 'no_stream' },
        );
        return { job: appended.reduce(evolve, job), appended, position: result.position };
      } catch (error) {
        if (!(error instanceof WrongExpectedRevisionError || error instanceof EventIdConflictError)) throw error;
      }
    }
    throw new CommandContentionError(jobId, this.maxAttempts);
  }
}
