import type { S3Client } from '@aws-sdk/client-s3';
import { importJobStreamId } from '@import-jobs/domain';
import { csvFile, plainRow } from './support/csv-fixture';
import { eventually } from './support/deadline';
import { itChecksEveryJobOfTheFile, usePipelineSuite } from './support/pipeline-suite';
import { createDestinationTopic, readCommittedUntilNow } from './support/topics';

// Rows of about 100 bytes cut at 1 KiB: a few pieces a file.
const pieceSizeBytes = 1024;
const rowsPerFile = 40;
const pieceSettledType = /^Piece(Completed|Failed|Cancelled)\.v1$/;
const terminalType = /^(ImportCompleted|JobFailed|ImportCancelled)\.v1$/;

describe('the plan as it is found: pieces go to work while the planner still reads', () => {
  const suite = usePipelineSuite({ pieceSizeBytes });

  it("imports the first file's pieces before the plan is complete, then completes the job once, every row imported once", async () => {
    const { pipeline, api, messaging } = suite;
    const { jobId, destinationTopic, gate } = await startHeldJob('found');
    try {
      const stored = () => pipeline.store.readStream(importJobStreamId(jobId));
      const whilePlanning = await eventually('a piece to settle while the job is planning', async () => {
        const events = await stored();
        return events.some((event) => event.type === 'PieceCompleted.v1') ? events : undefined;
      }, { timeoutMs: 60_000 });
      expect(whilePlanning.some((event) => event.type === 'ImportPlanned.v2')).toBe(false);
      expect((await api.getJob(jobId)).body).toMatchObject({ status: 'Planning' });
      gate.open();

      const job = await api.waitUntilFinished(jobId, 120_000);
      const events = await stored();
      const planned = events.filter((event) => event.type === 'PiecesPlanned.v1').flatMap((event) => (event.data.pieces as { pieceId: string }[]).map((piece) => piece.pieceId));
      const settled = events.filter((event) => pieceSettledType.test(event.type)).map((event) => String(event.data.pieceId));
      expect(job).toMatchObject({ status: 'Completed', rows: { processed: 2 * rowsPerFile, failed: 0, imported: 2 * rowsPerFile } });
      expect(job.pieces).toEqual({ total: planned.length, completed: planned.length, failed: 0, cancelled: 0 });
      expect([...settled].sort()).toEqual([...planned].sort());
      expect(events.filter((event) => terminalType.test(event.type)).map((event) => event.type)).toEqual(['ImportCompleted.v1']);
      const delivered = await readCommittedUntilNow(messaging, destinationTopic);
      expect(delivered).toHaveLength(2 * rowsPerFile);
      expect(new Set(delivered.map((message) => message.key)).size).toBe(2 * rowsPerFile);
    } finally {
      gate.remove();
    }
  }, 240_000);

  it('cancels a job while it is planning: the pieces out settle, planning stops, the job ends cancelled once', async () => {
    const { pipeline, api } = suite;
    const { jobId, gate } = await startHeldJob('cancel');
    try {
      const stored = () => pipeline.store.readStream(importJobStreamId(jobId));
      await eventually('a chunk recorded while the job is planning', async () => ((await stored()).some((event) => event.type === 'PiecesPlanned.v1') ? true : undefined), { timeoutMs: 60_000 });
      expect((await api.cancel(jobId)).status).toBe(204);
      gate.open();
      const job = await api.waitUntilFinished(jobId, 120_000);
      const events = await stored();
      const planned = events.filter((event) => event.type === 'PiecesPlanned.v1').flatMap((event) => (event.data.pieces as { pieceId: string }[]).map((piece) => piece.pieceId));
      const settled = events.filter((event) => pieceSettledType.test(event.type)).map((event) => String(event.data.pieceId));
      expect(job.status).toBe('Cancelled');
      expect(events.some((event) => event.type === 'ImportPlanned.v2')).toBe(false);
      expect([...settled].sort()).toEqual([...planned].sort());
      expect(events.filter((event) => terminalType.test(event.type)).map((event) => event.type)).toEqual(['ImportCancelled.v1']);
    } finally {
      gate.remove();
    }
  }, 240_000);

  itChecksEveryJobOfTheFile(suite);

  /**
   * A job of a prefix of two files whose second one the planner cannot read until the test opens
   * the gate: whatever settles before then settled while the job was still being planned.
   */
  async function startHeldJob(folder: string) {
    const { pipeline, api, messaging, sources, jobIds } = suite;
    const header = ['id', 'note'];
    const rowsOf = (file: string) => Array.from({ length: rowsPerFile }, (_, index) => plainRow(header, [`${file}-${index + 1}`, 'n'.repeat(80)], 'id'));
    await sources.put(`${folder}/a.csv`, csvFile(header, rowsOf('a')).body);
    await sources.put(`${folder}/b.csv`, csvFile(header, rowsOf('b')).body);
    const destinationTopic = await createDestinationTopic(messaging, `plan-as-found-${folder}`);
    const gate = holdReadsOf(pipeline.s3, sources.name, `${folder}/b.csv`);
    const jobId = await api.startImport({ sources: [{ url: sources.url(`${folder}/`), type: 'prefix' }], format: 'CSV', destinationTopic, keyField: 'id' });
    jobIds.push(jobId);
    return { jobId, destinationTopic, gate };
  }
});

/** Holds every GetObject of one object made through this client until `open()`. */
function holdReadsOf(s3: S3Client, bucket: string, key: string): { open(): void; remove(): void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  const name = `hold-${bucket}-${key}`;
  s3.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { Bucket?: string; Key?: string };
      if (context.commandName === 'GetObjectCommand' && input.Bucket === bucket && input.Key === key) await opened;
      return next(args);
    },
    { step: 'initialize', name },
  );
  return {
    open,
    remove: () => {
      open();
      s3.middlewareStack.remove(name);
    },
  };
}
