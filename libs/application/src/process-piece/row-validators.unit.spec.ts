import { InvalidRowSchemaError } from '@import-jobs/formats';
import { RowValidators } from './row-validators';

describe('RowValidators', () => {
  it("checks rows against the job's schema, coercing CSV values", () => {
    const validators = new RowValidators();
    const validate = validators.forJob({ jobId: 'job-1', format: 'CSV', schema: ageSchema });
    const record: Record<string, unknown> = { age: '42' };

    expect(validate(record)).toBeUndefined();
    expect(record).toEqual({ age: 42 });
    expect(validate({ age: 'old' })).toBe('/age: must be integer');
  });

  it('compiles a job\'s schema once, whatever the number of its pieces', () => {
    const validators = new RowValidators();

    const first = validators.forJob({ jobId: 'job-1', format: 'JSON', schema: ageSchema });
    const again = validators.forJob({ jobId: 'job-1', format: 'JSON', schema: ageSchema });

    expect(again).toBe(first);
  });

  it('refuses, every time, a schema that does not compile', () => {
    const validators = new RowValidators();
    const job = { jobId: 'job-1', format: 'JSON' as const, schema: { type: 'object', requird: ['id'] } };

    expect(() => validators.forJob(job)).toThrow(InvalidRowSchemaError);
    expect(() => validators.forJob(job)).toThrow(InvalidRowSchemaError);
  });

  it('keeps the most recently used jobs and compiles a forgotten one anew', () => {
    const validators = new RowValidators(2);
    const forJob = (jobId: string) => validators.forJob({ jobId, format: 'JSON', schema: ageSchema });
    const first = forJob('job-1');
    const second = forJob('job-2');
    forJob('job-1');

    forJob('job-3');

    expect(forJob('job-1')).toBe(first);
    expect(forJob('job-2')).not.toBe(second);
  });
});

const ageSchema = { type: 'object', properties: { age: { type: 'integer' } } };
