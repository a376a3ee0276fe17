import {
  asImportJobEvent,
  eventIdentity,
  importJobDecider,
  importJobStreamId,
  NotFoundError,
  type ImportJob,
  type ImportJobCommand,
  type ImportJobEvent,
} from '@import-jobs/domain';
import type { EventStore, GlobalPosition } from '@import-jobs/event-store';
import { StreamCommands } from '../event-sourcing/stream-commands';

export { CommandContentionError } from '../event-sourcing/stream-commands';

export interface CommandOutcome {
  /** The job after the command. */
  readonly job: ImportJob;
  /** What the command appended; empty when it changed nothing (a redelivery, a repeated request). */
  readonly appended: readonly ImportJobEvent[];
  /** Where the append landed, for callers that wait until a projection has caught up. */
  readonly position: GlobalPosition | undefined;
}

/** The import job's commands: decided on the job's stream, appended at the revision they were decided on. */
export class ImportJobCommands {
  private readonly streams: StreamCommands<ImportJobCommand, ImportJobEvent, ImportJob>;

  constructor(store: EventStore, maxAttempts = 10) {
    this.streams = new StreamCommands(
      store,
      { decider: importJobDecider, streamId: importJobStreamId, parse: asImportJobEvent, identity: eventIdentity },
      maxAttempts,
    );
  }

  async load(jobId: string): Promise<{ job: ImportJob; events: readonly ImportJobEvent[]; revision: bigint | undefined }> {
    const { state, events, revision } = await this.streams.load(jobId);
    return { job: state, events, revision };
  }

  /**
   * `onBehalfOf` names the tenant a caller acts for: another tenant's job is then "not found",
   * never "forbidden", so that job ids reveal nothing. Internal callers (workers, the planner)
   * act for the service and leave it out.
   */
  async execute(command: ImportJobCommand, { onBehalfOf }: { onBehalfOf?: string } = {}): Promise<CommandOutcome> {
    const { jobId } = command.data;
    const { state, appended, position } = await this.streams.execute(jobId, command, (job) => {
      if (onBehalfOf !== undefined && job.status !== 'NotStarted' && job.tenantId !== onBehalfOf) {
        throw new NotFoundError('JOB_NOT_FOUND', `import job ${jobId} does not exist`);
      }
    });
    return { job: state, appended, position };
  }
}
