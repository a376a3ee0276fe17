import { S3ServiceException } from '@aws-sdk/client-s3';
import { toSourceReadError } from './list-source-objects';
import { SourceNotFoundError, SourceUnavailableError, SourceUnreadableError } from './object-range-reader';

const url = 's3://imports/customers.csv';

describe('toSourceReadError', () => {
  it.each([
    ['NoSuchKey', 404, SourceNotFoundError, false],
    ['NotFound', 404, SourceNotFoundError, false],
    ['AccessDenied', 403, SourceUnreadableError, false],
    ['InvalidRange', 416, SourceUnreadableError, false],
    ['SlowDown', 503, SourceUnavailableError, true],
    ['InternalError', 500, SourceUnavailableError, true],
    ['TooManyRequests', 429, SourceUnavailableError, true],
  ])('reads S3 answering %s (%i) as %p, retriable: %p', (name, httpStatusCode, type, retriable) => {
    const error = toSourceReadError(s3Answer(name, httpStatusCode), url);

    expect(error).toBeInstanceOf(type);
    expect(error).toMatchObject({ retriable, message: expect.stringContaining(url) });
  });

  it('names the bucket when S3 says the bucket is missing', () => {
    expect(toSourceReadError(s3Answer('NoSuchBucket', 404), url)).toMatchObject({
      message: 'bucket "imports" of s3://imports/customers.csv does not exist',
    });
  });

  it('reads a dropped connection or a timeout as retriable', () => {
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    const timeout = Object.assign(new Error('request timed out'), { name: 'TimeoutError' });

    expect(toSourceReadError(reset, url)).toBeInstanceOf(SourceUnavailableError);
    expect(toSourceReadError(timeout, url)).toBeInstanceOf(SourceUnavailableError);
  });

  it('leaves a programmer error as it is, so that nothing retries it', () => {
    const bug = new TypeError('Cannot read properties of undefined');

    expect(toSourceReadError(bug, url)).toBe(bug);
  });
});

function s3Answer(name: string, httpStatusCode: number): S3ServiceException {
  return new S3ServiceException({ name, $fault: httpStatusCode >= 500 ? 'server' : 'client', $metadata: { httpStatusCode }, message: name });
}
