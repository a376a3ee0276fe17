import { findSplits, type SplitOptions } from './find-splits';
import { RecordTooLongToSplitError, splitsWithBytes } from './split-bytes';
import { bytesOf, chunksOf, collect } from './testing/byte-chunks';

const csv = (targetPieceBytes: number): SplitOptions => ({ format: 'CSV', targetPieceBytes });

describe('splitsWithBytes', () => {
  // Quoted line breaks, a quote-escaped quote, multi-byte characters and a record longer than the target.
  const file = 'id,note\n1,"a\nb"\n2,"say ""hi"""\n3,été ✓\n4,' + 'x'.repeat(40) + '\n5,"\n\n"\n6,last';

  it.each([[[1]], [[3, 7, 2]], [[Number.MAX_SAFE_INTEGER]]])('hands out the splits findSplits finds, each with exactly its bytes, however the bytes arrive (chunks of %j)', async (sizes) => {
    const options = csv(12);
    const { splits, csvHeader } = await findSplits(chunksOf(file), options);
    const cut = await collect(splitsWithBytes(chunksOf(file, sizes), options));

    expect(cut.map(({ split }) => split)).toEqual(splits);
    expect(splits.length).toBeGreaterThan(3);
    const whole = bytesOf(file);
    for (const { split, bytes } of cut) expect(Buffer.from(bytes)).toEqual(whole.subarray(split.start, split.end));
    expect(cut.every((piece) => piece.csvHeader !== undefined && piece.csvHeader.join() === csvHeader?.join())).toBe(true);
  });

  it('hands out the whole file after its header, back to back', async () => {
    const cut = await collect(splitsWithBytes(chunksOf(file, [5]), csv(8)));
    expect(Buffer.concat(cut.map(({ bytes }) => bytes)).toString()).toBe(file.slice('id,note\n'.length));
  });

  it('keeps NDJSON from its first byte, and nothing of an empty file', async () => {
    const ndjson = '{"a":1}\n{"a":2}\n{"a":3}\n';
    const cut = await collect(splitsWithBytes(chunksOf(ndjson, [4]), { format: 'JSON', targetPieceBytes: 1 }));
    expect(cut.map(({ bytes }) => Buffer.from(bytes).toString())).toEqual(['{"a":1}\n', '{"a":2}\n', '{"a":3}\n']);
    expect(cut.map(({ split }) => split.firstLine)).toEqual([1, 2, 3]);
    await expect(collect(splitsWithBytes(chunksOf(''), csv(8)))).resolves.toEqual([]);
  });

  it.each([
    ['a line that never ends', '1,a\n2,' + 'b'.repeat(5_000)],
    ['a quote never closed, which swallows the rest of the file', '1,a\n2,"b\n' + '3,c\n'.repeat(2_000)],
  ])('refuses %s once it runs past maxRecordBytes, holding no more than a piece and a record', async (_, body) => {
    const chunks = chunksOf(`id,note\n${body}`, [100]);
    const reading = collect(splitsWithBytes(chunks, { ...csv(50), maxRecordBytes: 1_000 }));
    await expect(reading).rejects.toThrow(RecordTooLongToSplitError);
    await expect(reading).rejects.toThrow(/after line 2 runs on past 1000 bytes/);
  });
});
