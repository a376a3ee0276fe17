import { randomUUID } from 'node:crypto';
import type { CommandRejected } from '@import-jobs/application/command-topic/command-messages';
import type { ServiceConfig } from '@import-jobs/application/config/service-config';
import { SERVICE_CONFIG } from '@import-jobs/application/di-tokens';
import { jobIdFor } from '@import-jobs/application/request-import/request-import.handler';
import { importJobStreamId } from '@import-jobs/domain';
import { type IncomingMessage } from '@import-jobs/messaging';
import { pieceResultCodec, pieceWorkItemCodec } from '@import-jobs/application/messages';
import { deliveredRecords, expectedRecords } from './support/delivered-records';
import { eventually } from './support/deadline';
import { cityFile, peopleFile, peopleSchema } from './support/fixture-files';
import { itChecksEveryJobOfTheFile, usePipelineSuite } from './support/pipeline-suite';
import { createDestinationTopic, readCommittedUntilNow, TopicReader } from './support/topics';

// Small pieces, so that files of a few kilobytes are cut into many.
const pieceSizeBytes = 2048;

describe('the import pipeline, requested over HTTP and the Kafka command topic', () => {
  const suite = usePipelineSuite({ pieceSizeBytes });

  /**
   * Sends values to the command topic under one key, so they share a partition and are handled in
   * order, and waits for the rejections of the first `rejections` of them: each with where its
   * command sits on the command topic.
   */
  async function sendCommands(values: readonly string[], rejections: number): Promise<{ sent: IncomingMessage[]; rejected: CommandRejected[] }> {
    const { pipeline, messaging } = suite;
    const key = `pipeline-test-${randomUUID()}`;
    const [commands, rejectionReader] = [
      await TopicReader.start(messaging, pipeline.topics.commands),
      await TopicReader.start(messaging, pipeline.topics.commandRejections),
    ];
    await messaging.producer.send(values.map((value) => ({ topic: pipeline.topics.commands, key, value })));
    const ofKey = (messages: readonly IncomingMessage[]) => messages.filter((message) => message.key === key);
    const sent = await commands.waitFor(`the ${values.length} commands sent`, (messages) => (ofKey(messages).length === values.length ? ofKey(messages) : undefined));
    const rejected = await rejectionReader.waitFor(`${rejections} rejections`, (messages) =>
      ofKey(messages).length >= rejections ? ofKey(messages).map((message) => JSON.parse(message.value?.toString('utf8') ?? 'null') as CommandRejected) : undefined,
    );
    return { sent, rejected };
  }

  it('runs a RequestImport from the command topic as it runs the same request over HTTP, going on past garbage commands, each rejected', async () => {
    const { pipeline, api, messaging, sources, jobIds } = suite;
    const file = peopleFile(120);
    const url = await sources.put('people.csv', file.body);
    const [overHttp, overKafka] = [await createDestinationTopic(messaging, 'people-http'), await createDestinationTopic(messaging, 'people-kafka')];
    const request = (destinationTopic: string) => ({
      sources: [{ url, type: 'object' }],
      format: 'CSV',
      destinationTopic,
      keyField: 'id',
      schema: peopleSchema,
      clientToken: `people-${randomUUID()}`,
    });
    const [httpRequest, kafkaRequest] = [request(overHttp), request(overKafka)];

    const httpJobId = await api.startImport(httpRequest);
    const garbage = [
      { value: 'this is not JSON {', code: 'MESSAGE_NOT_JSON' },
      { value: JSON.stringify({ type: 'Frobnicate', version: 1, jobId: 'x' }), code: 'MESSAGE_UNKNOWN_TYPE' },
      { value: JSON.stringify({ type: 'RequestImport', version: 1, ...kafkaRequest, sources: [] }), code: expect.any(String) },
    ];
    const { sent, rejected } = await sendCommands([...garbage.map(({ value }) => value), JSON.stringify({ type: 'RequestImport', version: 1, ...kafkaRequest })], garbage.length);
    const { defaultTenant } = pipeline.app.get<ServiceConfig>(SERVICE_CONFIG);
    const kafkaJobId = jobIdFor(defaultTenant, kafkaRequest.clientToken);
    jobIds.push(httpJobId, kafkaJobId);

    // The valid command sits behind the garbage in the same partition: it runs only if the consumer went past it.
    const [httpJob, kafkaJob] = [await api.waitUntilFinished(httpJobId), await api.waitUntilFinished(kafkaJobId)];
    const sameAsHttp = ({ status, pieces, rows, bytes, failures, failureReport }: typeof httpJob) => ({
      status,
      pieces,
      rows,
      bytes,
      failures: [...failures].sort((a, b) => a.line - b.line),
      failureRows: failureReport?.rows,
    });
    expect(kafkaJob.definition).toEqual({ ...httpJob.definition, destinationTopic: overKafka });
    expect(sameAsHttp(kafkaJob)).toEqual(sameAsHttp(httpJob));
    expect(kafkaJob).toMatchObject({ status: 'Completed', rows: { processed: file.rows.length, failed: file.invalid.length } });
    expect(deliveredRecords(await readCommittedUntilNow(messaging, overKafka))).toEqual(expectedRecords(kafkaJobId, url, file.valid));
    expect(deliveredRecords(await readCommittedUntilNow(messaging, overHttp))).toEqual(expectedRecords(httpJobId, url, file.valid));

    expect(rejected.map(({ type, version, code, command }) => ({ type, version, code, command }))).toEqual(
      garbage.map(({ value, code }, index) => ({
        type: 'CommandRejected',
        version: 1,
        code,
        command: { ...positionOf(sent[index]!), value, valueEncoding: 'utf8', valueBytes: Buffer.byteLength(value), valueTruncated: false, headers: {} },
      })),
    );
    rejected.forEach(({ reason }) => expect(reason).toEqual(expect.stringMatching(/\w/)));
    expect(sent.map(({ partition }) => partition)).toEqual(sent.map(() => sent[0]?.partition));
  });

  it('rejects an invalid RequestImport from the command topic as HTTP refuses the same body: its code, reason and fields', async () => {
    const { api } = suite;
    const body = { sources: [], format: 'XML', destinationTopic: 'anywhere' };

    const overHttp = await api.requestImport(body);
    const { rejected } = await sendCommands([JSON.stringify({ type: 'RequestImport', version: 1, ...body })], 1);

    expect(overHttp.status).toBe(400);
    expect(overHttp.body.code).toBe('VALIDATION_FAILED');
    const [rejection] = rejected;
    expect({ code: rejection?.code, reason: rejection?.reason, fields: rejection?.fields?.map(({ field }) => field) }).toEqual({
      code: overHttp.body.code,
      reason: overHttp.body.message,
      fields: overHttp.body.errors.map(({ field }) => field),
    });
  });

  it('counts a piece once when its work item or its result is delivered again', async () => {
    const { pipeline, api, messaging, sources, jobIds } = suite;
    const file = cityFile('dup', 120);
    const url = await sources.put('cities.csv', file.body);
    const destinationTopic = await createDestinationTopic(messaging, 'cities-dup');
    const jobId = await api.startImport({ sources: [{ url, type: 'object' }], format: 'CSV', destinationTopic, keyField: 'id' });
    jobIds.push(jobId);
    const before = await api.waitUntilFinished(jobId);
    const eventsBefore = await pipeline.store.readStream(importJobStreamId(jobId));
    expect(before).toMatchObject({ status: 'Completed', rows: { processed: file.rows.length } });
    expect(before.pieces.total).toBeGreaterThan(1);

    const ofJob = (message: IncomingMessage, codec: typeof pieceWorkItemCodec | typeof pieceResultCodec) => {
      const decoded = codec.decode(message.value);
      return decoded.ok && decoded.message.jobId === jobId;
    };
    const workItems = await TopicReader.start(messaging, pipeline.topics.pieces);
    const results = await TopicReader.start(messaging, pipeline.topics.pieceResults);
    const [item] = await workItems.waitFor('the work items of the job', (messages) => {
      const ours = messages.filter((message) => ofJob(message, pieceWorkItemCodec));
      return ours.length === before.pieces.total ? ours : undefined;
    });
    const pieceId = item!.key;
    const resultsOfPiece = (messages: readonly IncomingMessage[]) =>
      messages.filter((message) => {
        const decoded = pieceResultCodec.decode(message.value);
        return decoded.ok && decoded.message.pieceId === pieceId;
      });
    const [result] = await results.waitFor('the result of the piece', (messages) => (resultsOfPiece(messages).length === 1 ? resultsOfPiece(messages) : undefined));
    expect(ofJob(result!, pieceResultCodec)).toBe(true);

    const recordsBefore = await readCommittedUntilNow(messaging, destinationTopic);

    // The same work item and the same result once more, as a redelivery or a re-publication would bring them.
    await messaging.producer.send([
      { topic: pipeline.topics.pieces, key: item!.key, value: item!.value },
      { topic: pipeline.topics.pieceResults, key: result!.key, value: result!.value },
    ]);
    const copiedItem = await workItems.waitFor('the copied work item', (messages) => {
      const copies = messages.filter((message) => message.key === pieceId);
      return copies.length === 2 ? copies[1] : undefined;
    });
    const copiedResult = await results.waitFor('the copied result', (messages) => (resultsOfPiece(messages).length === 2 ? resultsOfPiece(messages)[1] : undefined));
    const consumedPast = (group: string, topic: string, message: IncomingMessage) => async () => {
      const committed = await messaging.admin.fetchCommittedOffsets(group, topic);
      const offset = committed.find(({ partition }) => partition === message.partition)?.offset;
      return offset != null && BigInt(offset) > BigInt(message.offset) ? true : undefined;
    };
    const { topicPrefix } = pipeline.settings;
    await eventually('the workers to take the copied work item', consumedPast(`${topicPrefix}.piece-workers`, pipeline.topics.pieces, copiedItem), {
      explain: () => pipeline.log.recentProblems(),
    });
    await eventually('the result recorder to consume the copied result', consumedPast(`${topicPrefix}.piece-results`, pipeline.topics.pieceResults, copiedResult!), {
      explain: () => pipeline.log.recentProblems(),
    });

    // The workers skip a piece whose result the job has recorded: no second result, no record twice.
    expect(resultsOfPiece(await results.waitFor('every result so far', (messages) => messages))).toHaveLength(2);
    expect(await readCommittedUntilNow(messaging, destinationTopic)).toHaveLength(recordsBefore.length);
    const eventsAfter = await pipeline.store.readStream(importJobStreamId(jobId));
    expect(eventsAfter.map(({ id, type }) => ({ id, type }))).toEqual(eventsBefore.map(({ id, type }) => ({ id, type })));
    expect(await api.waitUntilFinished(jobId)).toEqual(before);
  });

  it('gives the same job for the same client token and request, refuses another request under that token, and names the fields of a bad request', async () => {
    const { api, messaging, sources, jobIds } = suite;
    const url = await sources.put('small.csv', cityFile('idem', 10).body);
    const destinationTopic = await createDestinationTopic(messaging, 'idempotent');
    const body = { sources: [{ url, type: 'object' }], format: 'CSV', destinationTopic, keyField: 'id', clientToken: `idem-${randomUUID()}` };

    const first = await api.requestImport(body);
    const again = await api.requestImport(body);
    const conflicting = await api.requestImport({ ...body, keyField: 'city' });
    jobIds.push(first.body.id);

    expect(first.status).toBe(202);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    expect(conflicting.status).toBe(409);
    expect(conflicting.body).toMatchObject({ code: 'IDEMPOTENCY_CONFLICT', jobId: first.body.id });

    const valid = { sources: [{ url, type: 'object' }], format: 'CSV', destinationTopic };
    const refusals = [
      { field: 'sources[0].url', body: { ...valid, sources: [{ url: 'https://example.com/cities.csv', type: 'object' }] } },
      { field: 'format', body: { ...valid, format: 'XML' } },
      { field: 'sources', body: { ...valid, sources: [] } },
    ];
    for (const { field, body: refused } of refusals) {
      const answer = await api.requestImport(refused);
      expect({ field, status: answer.status, fields: answer.body.errors?.map((error) => error.field) }).toEqual({ field, status: 400, fields: expect.arrayContaining([field]) });
      expect(answer.body.message).toContain(field);
    }
    expect((await api.waitUntilFinished(first.body.id)).status).toBe('Completed');
  });

  itChecksEveryJobOfTheFile(suite);
});

function positionOf({ topic, partition, offset, key }: IncomingMessage): Pick<CommandRejected['command'], 'topic' | 'partition' | 'offset' | 'key'> {
  return { topic, partition, offset, key };
}
