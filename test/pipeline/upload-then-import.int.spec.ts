import { deliveredRecords, expectedRecords } from './support/delivered-records';
import { eventually } from './support/deadline';
import { cityFile } from './support/fixture-files';
import { itChecksEveryJobOfTheFile, usePipelineSuite } from './support/pipeline-suite';
import { createDestinationTopic, readCommittedUntilNow } from './support/topics';

describe('upload, then import (Q Connect style): POST /v1/uploads, PUT the bytes, POST /v1/imports naming the upload', () => {
  const suite = usePipelineSuite({ pieceSizeBytes: 2048 });

  it('imports an upload once its bytes arrived, its format told by its name, and answers a repeat with the same job', async () => {
    const { api, messaging, jobIds } = suite;
    const file = cityFile('uploaded-later', 120);
    const destinationTopic = await createDestinationTopic(messaging, 'upload-then-import');

    const started = await api.startUpload('customers.csv');
    expect(started).toMatchObject({ status: 201, body: { status: 'AWAITING_CONTENT', method: 'PUT', url: `/v1/uploads/${started.body.uploadId}/content` } });
    const { uploadId, url } = started.body;
    expect(await api.requestImport({ uploadId, destinationTopic })).toMatchObject({
      status: 400,
      body: { type: 'BadRequest', code: 'UPLOAD_NOT_READY', details: [{ field: 'uploadId' }] },
    });

    expect(await api.putUploadContent(url, file.body, 'text/csv')).toMatchObject({
      status: 200,
      body: { uploadId, status: 'UPLOADED', bytes: Buffer.byteLength(file.body) },
    });
    expect(await api.putUploadContent(url, 'id\n1\n')).toMatchObject({ status: 409, body: { code: 'UPLOAD_ALREADY_RECEIVED' } });

    const imported = await api.requestImport({ uploadId, destinationTopic, keyField: 'id' });
    expect(imported).toMatchObject({ status: 202, body: { definition: { format: 'CSV', metadata: { filename: 'customers.csv' } } } });
    const jobId = imported.body.id;
    jobIds.push(jobId);
    const job = await api.waitUntilFinished(jobId);
    expect(job).toMatchObject({ status: 'Completed', rows: { imported: 120 }, filename: 'customers.csv' });
    expect(deliveredRecords(await readCommittedUntilNow(messaging, destinationTopic))).toEqual(expectedRecords(jobId, job.definition.sources[0]!.url, file.valid));
    expect(await api.getUpload(uploadId)).toMatchObject({ status: 200, body: { status: 'IMPORTED', jobId } });

    // The same request again is the same job; a different one naming the upload is a conflict that names it.
    expect(await api.requestImport({ uploadId, destinationTopic, keyField: 'id' })).toMatchObject({ status: 200, body: { id: jobId } });
    expect(await api.requestImport({ uploadId, destinationTopic, clientToken: 'another-import' })).toMatchObject({
      status: 409,
      body: { type: 'Conflict', code: 'UPLOAD_ALREADY_USED', jobId },
    });
  });

  it('answers an unknown upload with 404, and an upload named beside sources with 400', async () => {
    const { api } = suite;

    expect(await api.requestImport({ uploadId: '6f1c1d2e-0000-4000-8000-000000000000', destinationTopic: 'anywhere' })).toMatchObject({
      status: 404,
      body: { type: 'NotFound', code: 'UPLOAD_NOT_FOUND', requestId: expect.any(String) },
    });
    expect(await api.getUpload('no-such-upload')).toMatchObject({ status: 404, body: { code: 'UPLOAD_NOT_FOUND' } });
    const { body } = await api.startUpload('x.csv');
    expect(await api.requestImport({ uploadId: body.uploadId, sources: [{ url: 's3://a/b.csv', type: 'object' }], format: 'CSV', destinationTopic: 'x' })).toMatchObject({
      status: 400,
      body: { details: [{ field: 'uploadId' }] },
    });
  });

  itChecksEveryJobOfTheFile(suite);
});

describe('an upload that waited too long', () => {
  const uploadTtlSeconds = 3;
  const suite = usePipelineSuite({ pieceSizeBytes: 2048, uploadTtlSeconds });

  it('expires: its bytes and its import are refused with 400 UPLOAD_EXPIRED', async () => {
    const { api } = suite;
    const { body: received } = await api.startUpload('late.csv');
    const { body: empty } = await api.startUpload('empty.csv');
    expect((await api.putUploadContent(received.url, 'id\n1\n')).status).toBe(200);

    await eventually('both uploads to expire', async () => ((await api.getUpload(empty.uploadId)).body.status === 'EXPIRED' ? true : undefined), {
      timeoutMs: (uploadTtlSeconds + 30) * 1000,
    });

    expect(await api.requestImport({ uploadId: received.uploadId, destinationTopic: 'anywhere' })).toMatchObject({
      status: 400,
      body: { code: 'UPLOAD_EXPIRED', details: [{ field: 'uploadId' }] },
    });
    expect(await api.putUploadContent(empty.url, 'id\n1\n')).toMatchObject({ status: 400, body: { code: 'UPLOAD_EXPIRED' } });
  });
});
