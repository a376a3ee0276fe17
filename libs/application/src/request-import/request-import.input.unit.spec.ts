import { formFieldValue, parseImportRequest, requestImportInputSchema, toDefinition } from './request-import.input';

const valid = { sources: [{ url: 's3://imports/a.csv', type: 'object' }], format: 'CSV', destinationTopic: 'customers' };

describe('a request to import', () => {
  it('is accepted with only the required fields, and defaults fill the definition', () => {
    const parsed = parseImportRequest(valid);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok || parsed.request.origin.kind !== 'sources') return;
    const { sources, format } = parsed.request.origin;
    expect(toDefinition(parsed.request, { sources, format, metadata: {} }, { maxFailedRowRatio: 0.25 })).toEqual({
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
    expect(parseImportRequest(body)).toEqual({ ok: false, problems: expect.arrayContaining([{ field, message }]) });
  });
});

describe('where the rows of a request come from', () => {
  const upload = { url: 's3://import-jobs-uploads/acme/1/people.csv', filename: 'people.csv' };
  const { sources: _sources, format: _format, ...withoutOrigin } = valid;

  it.each([
    ['sources, in the format given', valid, undefined, { kind: 'sources', sources: valid.sources, format: 'CSV' }],
    ['an upload id, its format told later by its name', { ...withoutOrigin, uploadId: 'u-1' }, undefined, { kind: 'upload id', uploadId: 'u-1' }],
    ['an upload id, in the format given', { ...withoutOrigin, uploadId: 'u-1', format: 'JSON' }, undefined, { kind: 'upload id', uploadId: 'u-1', format: 'JSON' }],
    ["the form's file", withoutOrigin, upload, { kind: 'form file', upload }],
  ])('%s', (_, body, formFile, origin) => {
    expect(parseImportRequest(body, formFile)).toEqual({ ok: true, request: { destinationTopic: 'customers', origin } });
  });

  it.each([
    ['nothing', withoutOrigin, undefined, 'sources', 'is required (or an uploadId, or a file in a multipart form)'],
    ['sources without a format', { ...withoutOrigin, sources: valid.sources }, undefined, 'format', 'is required'],
    ['sources and an upload id', { ...valid, uploadId: 'u-1' }, undefined, 'uploadId', 'name either sources or an uploadId, not both'],
    ['sources and a file', valid, upload, 'sources', 'name either sources or a file (an upload), not both'],
    ['an upload id and a file', { ...withoutOrigin, uploadId: 'u-1' }, upload, 'uploadId', 'name either an uploadId or a file, not both'],
  ])('is refused when it names %s', (_, body, formFile, field, message) => {
    expect(parseImportRequest(body, formFile)).toEqual({ ok: false, problems: [{ field, message }] });
  });
});

describe('a field of a multipart form', () => {
  /** A whole form read field by field, then checked as the JSON body is. */
  const parsedForm = (form: Record<string, string>) =>
    parseImportRequest({ ...valid, ...Object.fromEntries(Object.entries(form).map(([field, text]) => [field, formFieldValue(field, text)])) });

  it('is read into the type its JSON twin has', () => {
    expect(formFieldValue('exclusiveDestination', 'true')).toBe(true);
    expect(formFieldValue('exclusiveDestination', 'false')).toBe(false);
    expect(formFieldValue('schema', '{"type":"object","required":["id"]}')).toEqual({ type: 'object', required: ['id'] });
    expect(formFieldValue('metadata', '{"owner":"crm"}')).toEqual({ owner: 'crm' });
    expect(formFieldValue('failurePolicy', '{"maxFailedRowRatio":0.05}')).toEqual({ maxFailedRowRatio: 0.05 });
    expect(formFieldValue('sources', '[]')).toEqual([]);
  });

  it('stays text where its twin is text, even when the text looks like another type', () => {
    expect(formFieldValue('destinationTopic', 'true')).toBe('true');
    expect(formFieldValue('keyField', '{"a":1}')).toBe('{"a":1}');
    expect(formFieldValue('clientToken', '42')).toBe('42');
    expect(formFieldValue('format', 'CSV')).toBe('CSV');
  });

  it('makes a form that means a valid body a valid body', () => {
    const parsed = parsedForm({ exclusiveDestination: 'true', metadata: '{"owner":"crm"}', failurePolicy: '{"maxFailedRowRatio":0.05}', schema: '{"type":"object"}' });

    expect(parsed).toEqual({
      ok: true,
      request: {
        origin: { kind: 'sources', sources: valid.sources, format: 'CSV' },
        destinationTopic: 'customers',
        exclusiveDestination: true,
        metadata: { owner: 'crm' },
        failurePolicy: { maxFailedRowRatio: 0.05 },
        schema: { type: 'object' },
      },
    });
  });

  it.each([
    ['exclusiveDestination', 'yes', 'must be boolean'],
    ['exclusiveDestination', 'TRUE', 'must be boolean'],
    ['exclusiveDestination', '', 'must be boolean'],
    ['schema', '{not json', 'must be object'],
    ['schema', '[1]', 'must be object'],
    ['metadata', '"crm"', 'must be object'],
    ['failurePolicy', '{"maxFailedRowRatio":"0.05"}', 'must be number'],
    ['failurePolicy', '{"maxFailedRowRatio":2}', 'must be <= 1'],
  ])('refuses %s=%j with the 400 its JSON twin gets: %s', (field, text, message) => {
    const problems = parsedForm({ [field]: text });

    expect(problems).toEqual({ ok: false, problems: [expect.objectContaining({ message })] });
    if (!problems.ok) expect(problems.problems[0]!.field).toMatch(new RegExp(`^${field}\\b`));
  });

  it('gives the same answer as the JSON body that holds the same values', () => {
    const json = parseImportRequest({ ...valid, exclusiveDestination: 'yes', schema: '{not json' });

    expect(parsedForm({ exclusiveDestination: 'yes', schema: '{not json' })).toEqual(json);
  });

  it('of every type the JSON body takes is read: a field of a new type needs its reading here first', () => {
    const types = new Set(Object.values(requestImportInputSchema.properties).flatMap((schema) => ('type' in schema ? [schema.type] : [])));

    expect([...types].filter((type) => !['string', 'boolean', 'object', 'array'].includes(type))).toEqual([]);
  });
});
