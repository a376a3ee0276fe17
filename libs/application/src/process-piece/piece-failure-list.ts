import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
  type CompletedPart,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { RowFailure, S3Location } from '@import-jobs/domain';

/**
 * The failure list could not be written. Always retriable: the list is the service's own bucket,
 * so whatever is wrong (the server away, the bucket missing or forbidden) is for an operator to
 * fix, not a reason to fail the user's piece; the piece is read again once it is fixed.
 */
export class FailureListWriteError extends Error {
  override readonly name = 'FailureListWriteError';
  readonly retriable = true;
}

export interface PieceFailureListOptions {
  /** How many failures the piece's result carries; the rest are only in the list. */
  readonly firstKept: number;
  /**
   * Bytes the first failures take as JSON, at most: the piece's result is one Kafka message, which
   * the broker refuses above its `message.max.bytes` on every attempt. Fewer than `firstKept`
   * failures are kept when they are long.
   */
  readonly firstKeptBytes: number;
  /** Bytes of NDJSON held before they go to S3 as one part (S3 takes parts of 5 MiB and more). */
  readonly partBytes: number;
}

const ndjson = 'application/x-ndjson';

/**
 * Every row failure of one piece: the first few for the piece's result, and all of them written to
 * S3 as NDJSON (one RowFailure a line). Memory stays within one part, whatever the number of
 * failures: a list longer than a part becomes a multipart upload, part by part. Nothing is written
 * when no row failed. The key is the caller's and deterministic, so a piece read again overwrites
 * the list of an attempt that did not commit.
 */
export class PieceFailureList {
  /** The first failures of the piece, in order, within `firstKept` and `firstKeptBytes`. */
  readonly first: RowFailure[] = [];
  count = 0;
  private firstBytes = 0;
  /** Once a failure did not fit in `first`, none after it is taken, so that `first` stays the first ones. */
  private firstIsFull = false;
  private buffered: Buffer[] = [];
  private bufferedBytes = 0;
  private upload: { readonly uploadId: string; readonly parts: CompletedPart[] } | undefined;

  constructor(
    private readonly s3: Pick<S3Client, 'send'>,
    private readonly location: S3Location,
    private readonly options: PieceFailureListOptions,
  ) {}

  async add(failure: RowFailure): Promise<void> {
    this.count++;
    const line = Buffer.from(`${JSON.stringify(failure)}\n`);
    // A line's length is the failure's JSON and one byte, the comma that separates it in the result.
    this.firstIsFull ||= this.first.length === this.options.firstKept || this.firstBytes + line.length > this.options.firstKeptBytes;
    if (!this.firstIsFull) {
      this.first.push(failure);
      this.firstBytes += line.length;
    }
    this.buffered.push(line);
    this.bufferedBytes += line.length;
    if (this.bufferedBytes >= this.options.partBytes) await this.uploadBufferedPart();
  }

  /** Writes what is still held and returns the list's `s3://` URL, or undefined when no row failed. */
  async finish(): Promise<string | undefined> {
    if (this.count === 0) return undefined;
    const { bucket: Bucket, key: Key } = this.location;
    if (this.upload === undefined) {
      const Body = this.takeBuffered();
      await this.call('write', () => this.s3.send(new PutObjectCommand({ Bucket, Key, Body, ContentType: ndjson })));
    } else {
      if (this.bufferedBytes > 0) await this.uploadBufferedPart();
      const { uploadId: UploadId, parts: Parts } = this.upload;
      await this.call('complete', () => this.s3.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts } })));
      this.upload = undefined;
    }
    return `s3://${Bucket}/${Key}`;
  }

  /** Gives up an upload in progress so that S3 does not keep its parts; best effort, as the piece is failing anyway. */
  async discard(): Promise<void> {
    const upload = this.upload;
    this.upload = undefined;
    this.takeBuffered();
    if (upload === undefined) return;
    const { bucket: Bucket, key: Key } = this.location;
    await this.s3.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId: upload.uploadId })).catch(() => undefined);
  }

  private async uploadBufferedPart(): Promise<void> {
    const { bucket: Bucket, key: Key } = this.location;
    if (this.upload === undefined) {
      const { UploadId } = await this.call('start', () => this.s3.send(new CreateMultipartUploadCommand({ Bucket, Key, ContentType: ndjson })));
      if (!UploadId) throw new FailureListWriteError(`${this.url()}: the server started an upload without an id`);
      this.upload = { uploadId: UploadId, parts: [] };
    }
    const { uploadId: UploadId, parts } = this.upload;
    const PartNumber = parts.length + 1;
    const Body = this.takeBuffered();
    const { ETag } = await this.call('write a part of', () => this.s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber, Body })));
    parts.push({ PartNumber, ETag });
  }

  private takeBuffered(): Buffer {
    const body = Buffer.concat(this.buffered);
    this.buffered = [];
    this.bufferedBytes = 0;
    return body;
  }

  private async call<Output>(what: string, request: () => Promise<Output>): Promise<Output> {
    try {
      return await request();
    } catch (error) {
      throw new FailureListWriteError(`Could not ${what} the failure list ${this.url()}: ${error instanceof Error ? error.message : String(error)}`, {
        cause: error,
      });
    }
  }

  private url(): string {
    return `s3://${this.location.bucket}/${this.location.key}`;
  }
}
