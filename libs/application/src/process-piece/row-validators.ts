import type { ImportFormat, JsonObject } from '@import-jobs/domain';
import { compileRowValidator, InvalidRowSchemaError, type RowValidator } from '@import-jobs/formats';

/**
 * The compiled row check of each job a worker has recently seen. Compiling a schema costs far more
 * than checking a piece's rows, and every piece of a job carries the same schema, so it is compiled
 * once per job, not once per piece. A schema that does not compile is remembered as such too.
 */
export class RowValidators {
  private readonly byJob = new Map<string, RowValidator | InvalidRowSchemaError>();

  constructor(private readonly jobsKept = 100) {}

  /** The job's row check; throws InvalidRowSchemaError when its schema cannot be compiled. */
  forJob(job: { readonly jobId: string; readonly format: ImportFormat; readonly schema?: JsonObject }): RowValidator {
    const compiled = this.byJob.get(job.jobId) ?? compile(job);
    // Re-inserting makes the Map's order the order of last use, so the first entry is the one to drop.
    this.byJob.delete(job.jobId);
    this.byJob.set(job.jobId, compiled);
    if (this.byJob.size > this.jobsKept) this.byJob.delete(this.byJob.keys().next().value as string);
    if (compiled instanceof InvalidRowSchemaError) throw compiled;
    return compiled;
  }
}

function compile({ format, schema }: { readonly format: ImportFormat; readonly schema?: JsonObject }): RowValidator | InvalidRowSchemaError {
  try {
    return compileRowValidator(schema, { format });
  } catch (error) {
    if (error instanceof InvalidRowSchemaError) return error;
    throw error;
  }
}
