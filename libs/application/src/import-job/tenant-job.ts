import { NotFoundError, type ImportJobDetails } from '@import-jobs/domain';
import type { ImportJobCommands } from './import-job-commands';

/**
 * The job, if it exists and belongs to the tenant. Another tenant's job is "not found", never
 * "forbidden", so that job ids reveal nothing.
 */
export async function loadTenantJob(commands: ImportJobCommands, tenantId: string, jobId: string): Promise<ImportJobDetails> {
  const { job } = await commands.load(jobId);
  if (job.status === 'NotStarted' || job.tenantId !== tenantId) throw new NotFoundError('JOB_NOT_FOUND', `import job ${jobId} does not exist`);
  return job;
}
