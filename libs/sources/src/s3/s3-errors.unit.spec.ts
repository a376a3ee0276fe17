import { S3ServiceException } from '@aws-sdk/client-s3';
import { ObjectAccessDeniedError, ObjectChangedError, ObjectNotFoundError, ObjectRefusedError, ObjectStoreUnavailableError } from '../object-store';
import { toObjectStoreError, unremovedObjectError } from './s3-errors';

const subject = { described: 's3://imports/customers.csv', bucket: 'imports', etag: '"abc"' };

describe('toObjectStoreError', () => {
  it.each([
    ['NoSuchKey', 404, ObjectNotFoundError, false],
    ['NotFound', 404, ObjectNotFoundError, false],
    ['PreconditionFailed', 412, ObjectChangedError, false],
    ['AccessDenied', 403, ObjectAccessDeniedError, false],
    ['InvalidRange', 416, ObjectRefusedError, false],
    ['SlowDown', 503, ObjectStoreUnavailableError, true],
    ['InternalError', 500, ObjectStoreUnavailableError, true],
    ['TooManyRequests', 429, ObjectStoreUnavailableError, true],
  ])('reads S3 answering %s (%i) as %p, retriable: %p', (name, httpStatusCode, type, retriable) => {
    const error = toObjectStoreError(s3Answer(name, httpStatusCode), subject);

    expect(error).toBeInstanceOf(type);
    expect(error).toMatchObject({ retriable, message: expect.stringContaining(subject.described) });
  });

  it('names the bucket when S3 says the bucket is missing', () => {
    expect(toObjectStoreError(s3Answer('NoSuchBucket', 404), subject)).toMatchObject({ missing: 'bucket', message: 'bucket "imports" does not exist' });
  });

  it('keeps what S3 says beside its code, and its exception, out of the error: S3 echoes access keys there', () => {
    const echoed = Object.assign(s3Answer('SignatureDoesNotMatch', 403, 'The request signature we calculated does not match. AKIAEXAMPLEKEY'), {
      AWSAccessKeyId: 'AKIAEXAMPLEKEY',
    });

    const error = toObjectStoreError(echoed, subject) as Error;

    expect(error).toBeInstanceOf(ObjectAccessDeniedError);
    expect(JSON.stringify({ ...error, message: error.message })).not.toContain('AKIAEXAMPLEKEY');
    expect(error.cause).toBeUndefined();
  });

  it('reads a dropped connection or a timeout as retriable', () => {
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    const timeout = Object.assign(new Error('request timed out'), { name: 'TimeoutError' });

    expect(toObjectStoreError(reset, subject)).toBeInstanceOf(ObjectStoreUnavailableError);
    expect(toObjectStoreError(timeout, subject)).toBeInstanceOf(ObjectStoreUnavailableError);
  });

  it('leaves a programmer error as it is, so that nothing retries it', () => {
    const bug = new TypeError('Cannot read properties of undefined');

    expect(toObjectStoreError(bug, subject)).toBe(bug);
  });
});

describe('unremovedObjectError', () => {
  it.each([
    ['AccessDenied', ObjectAccessDeniedError, false],
    ['InternalError', ObjectStoreUnavailableError, true],
    ['SlowDown', ObjectStoreUnavailableError, true],
    ['NoSuchVersion', ObjectRefusedError, false],
    [undefined, ObjectRefusedError, false],
  ])('reads a key DeleteObjects answered with %s as %p, retriable: %p', (code, type, retriable) => {
    const error = unremovedObjectError(code, 's3://reports/job/staging/a', 1);

    expect(error).toBeInstanceOf(type);
    expect(error).toMatchObject({ retriable, message: `S3 did not delete s3://reports/job/staging/a: ${code ?? 'no code given'}` });
  });

  it('says how many more keys of the request were not deleted', () => {
    expect(unremovedObjectError('InternalError', 's3://reports/a', 3).message).toBe('S3 did not delete s3://reports/a and 2 more: InternalError');
  });
});

function s3Answer(name: string, httpStatusCode: number, message = name): S3ServiceException {
  return new S3ServiceException({ name, $fault: httpStatusCode >= 500 ? 'server' : 'client', $metadata: { httpStatusCode }, message });
}
