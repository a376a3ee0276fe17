import { compileRowValidator, InvalidRowSchemaError } from './validation';

const person = {
  type: 'object',
  properties: {
    id: { type: 'string', minLength: 1 },
    age: { type: 'integer', minimum: 0 },
    score: { type: ['number', 'null'] },
    active: { type: 'boolean' },
    email: { type: 'string', format: 'email' },
    address: { type: 'object', properties: { zip: { type: 'string', pattern: '^[0-9]{5}$' } } },
  },
  required: ['id'],
  additionalProperties: false,
};

describe('compileRowValidator', () => {
  it('accepts every record when the job has no schema', () => {
    expect(compileRowValidator(undefined, { format: 'JSON' })({ anything: [1] })).toBeUndefined();
  });

  it.each<[string, Record<string, unknown>, string | undefined]>([
    ['a valid record', { id: 'a', age: 3, email: 'ann@example.com' }, undefined],
    ['a wrong type', { id: 'a', age: 3.5 }, '/age: must be integer'],
    ['a string where JSON has a number', { id: 'a', age: '3' }, '/age: must be integer'],
    ['a missing required field', { age: 3 }, '/id: is required'],
    ['a field the schema does not have', { id: 'a', nickname: 'x' }, '/nickname: is not a field of the schema'],
    ['a bad format', { id: 'a', email: 'not-an-email' }, '/email: must match format "email"'],
    ['a nested field', { id: 'a', address: { zip: '1234' } }, '/address/zip: must match pattern "^[0-9]{5}$"'],
    ['a bound', { id: 'a', age: -1 }, '/age: must be >= 0'],
  ])('NDJSON: %s', (_name, record, reason) => {
    expect(compileRowValidator(person, { format: 'JSON' })(record)).toBe(reason);
  });

  it('names the record itself when the whole record is wrong', () => {
    expect(compileRowValidator({ type: 'object', minProperties: 2 }, { format: 'JSON' })({ a: 1 })).toBe('(record): must NOT have fewer than 2 properties');
  });

  it('coerces CSV strings to the schema types, in the record', () => {
    const record: Record<string, unknown> = { id: 'a', age: '42', score: '', active: 'true' };
    expect(compileRowValidator(person, { format: 'CSV' })(record)).toBeUndefined();
    expect(record).toEqual({ id: 'a', age: 42, score: null, active: true });
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['an empty cell is not a number', { id: 'a', age: '' }, '/age: must be integer'],
    ['a decimal is not an integer', { id: 'a', age: '4.5' }, '/age: must be integer'],
    ['"yes" is not a boolean', { id: 'a', active: 'yes' }, '/active: must be boolean'],
  ])('CSV: %s', (_name, record, reason) => {
    expect(compileRowValidator(person, { format: 'CSV' })(record)).toBe(reason);
  });

  it('checks a record holding a "__proto__" key without polluting anything', () => {
    const record = JSON.parse('{"id":"a","__proto__":{"polluted":true}}') as Record<string, unknown>;
    expect(compileRowValidator(person, { format: 'JSON' })(record)).toBe('/__proto__: is not a field of the schema');
    expect(compileRowValidator({ type: 'object' }, { format: 'CSV' })(record)).toBeUndefined();
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.getPrototypeOf(record)).toBe(Object.prototype);
  });

  it.each<[string, object, string]>([
    ['an unknown type', { type: 'object', properties: { a: { type: 'integr' } } }, 'invalid row schema: schema is invalid'],
    ['a misspelt keyword', { type: 'object', requird: ['a'] }, 'invalid row schema: strict mode: unknown keyword: "requird"'],
    ['an unknown format', { type: 'string', format: 'postcode' }, 'invalid row schema: unknown format "postcode"'],
    ['an asynchronous schema', { $async: true, type: 'object' }, 'invalid row schema: $async schemas are not supported'],
  ])('refuses %s with InvalidRowSchemaError', (_name, schema, message) => {
    expect(() => compileRowValidator(schema, { format: 'JSON' })).toThrow(InvalidRowSchemaError);
    expect(() => compileRowValidator(schema, { format: 'JSON' })).toThrow(message);
  });

  it('accepts annotations in a schema', () => {
    const schema = { $comment: 'c', title: 't', description: 'd', type: 'object', properties: { a: { type: 'string', examples: ['x'], default: 'y' } } };
    expect(compileRowValidator(schema, { format: 'JSON' })({ a: 'b' })).toBeUndefined();
  });
});
