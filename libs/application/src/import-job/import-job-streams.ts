import {
  eventIdentity,
  importJobDecider,
  importJobStreamId,
  NotFoundError,
  parseJobStreamEvent,
  type ImportJob,
  type ImportJobCommand,
  type ImportJobEvent,
} from '@import-jobs/domain';
import type { EventStore } from '@import-jobs/event-store';
import { StreamCommands, type Loaded, type Outcome } from '../event-sourcing/stream-commands';

export { CommandContentionError } from '../event-sourcing/stream-commands';

/** `Outcome`, its state named for what it is: the job after the command. */
export type CommandOutcome = Omit<Outcome<ImportJobEvent, ImportJob>, 'state'> & { readonly job: ImportJob };

/**
 * Import jobs' event streams: `load` one (folded into the job), or `execute` a command on one,
 * decided on the job as loaded and appended at the revision it was decided on.
 */
export class ImportJobStreams {
  private readonly streams: StreamCommands<ImportJobCommand, ImportJobEvent, ImportJob>;

  constructor(store: EventStore, maxAttempts = 10) {
    this.streams = new StreamCommands(
      store,
      { decider: importJobDecider, streamId: importJobStreamId, parse: parseJobStreamEvent, identity: eventIdentity },
      maxAttempts,
    );
  }

  async load(jobId: string): Promise<Omit<Loaded<ImportJobEvent, ImportJob>, 'state'> & { readonly job: ImportJob }> {
    const { state, ...loaded } = await this.streams.load(jobId);
    return { job: state, ...loaded };
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
