import { parseRequestImportInput, toDefinition } from './request-import.input';

describe('a request to import', () => {
  const valid = { sources: [{ url: 's3://imports/a.csv', type: 'object' }], format: 'CSV', destinationTopic: 'customers' };

  it('is accepted with only the required fields, and defaults fill the definition', () => {
    const parsed = parseRequestImportInput(valid);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(toDefinition(parsed.input, { maxFailedRowRatio: 0.25 })).toEqual({
      jobType: 'RECORDS',
      format: 'CSV',
      sources: valid.sources,
      destinationTopic: 'customers',
      metadata: {},
      failurePolicy: { maxFailedRowRatio: 0.25 },
    });
  });

  it.each([
    ['sources', { ...valid, sources: [] }, 'must NOT have fewer than 1 items'],
    ['format', { ...valid, format: 'XML' }, 'must be one of "CSV", "JSON"'],
    ['destinationTopic', { sources: valid.sources, format: 'CSV' }, 'is required'],
    ['sources[0].type', { ...valid, sources: [{ url: 's3://imports/a.csv', type: 'file' }] }, 'must be one of "object", "prefix"'],
    ['sources[0].url', { ...valid, sources: [{ type: 'object' }] }, 'is required'],
    ['metadata.owner', { ...valid, metadata: { owner: 7 } }, 'must be string'],
    ['colour', { ...valid, colour: 'blue' }, 'is not a known field'],
    ['(body)', [], 'must be object'],
  ])('is refused naming %s', (field, body, message) => {
    expect(parseRequestImportInput(body)).toEqual({ ok: false, problems: expect.arrayContaining([{ field, message }]) });
  });
});
