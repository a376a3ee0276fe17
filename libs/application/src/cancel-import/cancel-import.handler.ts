import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { IMPORT_JOB_STREAMS } from '../di-tokens';
import type { ImportJobStreams } from '../import-job/import-job-streams';

export class CancelImportCommand {
  constructor(
    readonly tenantId: string,
    readonly jobId: string,
    readonly reason?: string,
  ) {}
}

/**
 * lakeFS's cancel: accepted for a job still running (pieces already out finish or are skipped,
 * and the job ends Cancelled), refused for one that has finished. Cancelling twice is accepted.
 */
@CommandHandler(CancelImportCommand)
export class CancelImportHandler implements ICommandHandler<CancelImportCommand, void> {
  constructor(@Inject(IMPORT_JOB_STREAMS) private readonly commands: ImportJobStreams) {}

  async execute({ tenantId, jobId, reason }: CancelImportCommand): Promise<void> {
    await this.commands.execute(
      { type: 'CancelImport.v1', data: { jobId, ...(reason !== undefined && { reason }) }, metadata: { now: new Date().toISOString() } },
      { onBehalfOf: tenantId },
    );
  }
}
