import { compileRowValidator, InvalidRowSchemaError, maxSchemaDepth } from './validation';

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

  describe('a client schema cannot hurt a worker', () => {
    const catastrophicPattern = { type: 'object', properties: { a: { type: 'string', pattern: '^(a+)+$' } } };

    // A backtracking engine tries 2^50000 ways to split the run before it gives up: it never
    // returns. So the test has no clock of its own; only jest's timeout bounds it.
    it('runs a catastrophic pattern in linear time, and correctly', () => {
      const validate = compileRowValidator(catastrophicPattern, { format: 'JSON' });
      expect(validate({ a: `${'a'.repeat(50_000)}!` })).toBe('/a: must match pattern "^(a+)+$"');
      expect(validate({ a: 'a'.repeat(50_000) })).toBeUndefined();
    });

    it('runs patternProperties on the same engine', () => {
      const validate = compileRowValidator({ type: 'object', patternProperties: { '^(x+)+$': { type: 'integer' } } }, { format: 'JSON' });
      expect(validate({ [`${'x'.repeat(50_000)}!`]: 'not checked' })).toBeUndefined();
      expect(validate({ xxx: 'checked' })).toBe('/xxx: must be integer');
    });

    it.each<[string, string, string, boolean]>([
      ['\\u escapes', '^\\u0041+$', 'AAA', true],
      ['named groups', '^(?<year>[0-9]{4})-[0-9]{2}$', '2026-12', true],
      ['character classes', '^[^\\s@]+@[^\\s@]+$', 'ann@example.com', true],
      ['an unanchored pattern matching inside the text', 'b+', 'abbc', true],
      ['code points, as with the u flag', '^.$', '😀', true],
      ['a mismatch', '^[0-9]+$', '12a', false],
    ])('reads ECMA-262 %s as RegExp would', (_name, pattern, value, matches) => {
      const validate = compileRowValidator({ type: 'object', properties: { a: { type: 'string', pattern } } }, { format: 'JSON' });
      expect(validate({ a: value }) === undefined).toBe(matches);
      expect(new RegExp(pattern, 'u').test(value)).toBe(matches);
    });

    it.each([
      ['a lookahead', '^(?=a)a$'],
      ['a negative lookahead', '^(?!b)a$'],
      ['a lookbehind', '(?<=a)b'],
      ['a backreference', '^(a)\\1$'],
    ])('refuses a pattern with %s, which RE2 cannot run in linear time, as invalid', (_name, pattern) => {
      for (const schema of [
        { type: 'object', properties: { a: { type: 'string', pattern } } },
        { type: 'object', patternProperties: { [pattern]: { type: 'string' } } },
      ]) {
        expect(() => compileRowValidator(schema, { format: 'JSON' })).toThrow(InvalidRowSchemaError);
        expect(() => compileRowValidator(schema, { format: 'JSON' })).toThrow('invalid row schema: a pattern is not supported');
      }
    });

    function nested(levels: number): object {
      let schema: object = { type: 'string' };
      // Each level of `properties` adds two objects: `properties` and the schema under it.
      for (let level = 1; level < levels; level += 2) schema = { type: 'object', properties: { a: schema } };
      return schema;
    }

    it(`accepts a schema nested ${maxSchemaDepth} levels and refuses one level more, saying why`, () => {
      expect(maxSchemaDepth).toBe(32);
      const deepest = { type: 'array', items: nested(maxSchemaDepth - 1) };
      expect(compileRowValidator(deepest, { format: 'JSON' })([] as unknown as Record<string, unknown>)).toBeUndefined();
      const deeper = { type: 'array', items: { type: 'array', items: nested(maxSchemaDepth - 1) } };
      expect(() => compileRowValidator(deeper, { format: 'JSON' })).toThrow(
        new InvalidRowSchemaError('the schema nests objects and arrays deeper than 32 levels'),
      );
    });

    it('refuses a schema nested 10,000 levels without overflowing the stack', () => {
      expect(() => compileRowValidator(nested(10_000), { format: 'JSON' })).toThrow('deeper than 32 levels');
      const arrays = JSON.parse(`{"enum":${'['.repeat(10_000)}${']'.repeat(10_000)}}`) as object;
      expect(() => compileRowValidator(arrays, { format: 'JSON' })).toThrow('deeper than 32 levels');
    });

    it.each([
      ['https', { type: 'object', properties: { a: { $ref: 'https://schemas.example.com/a.json' } } }, 'https://schemas.example.com/a.json'],
      ['http', { $ref: 'http://schemas.example.com/a.json#/definitions/b' }, 'http://schemas.example.com/a.json#/definitions/b'],
      ['relative', { $id: 'https://schemas.example.com/root.json', $ref: 'other.json' }, 'https://schemas.example.com/other.json'],
    ])('never fetches a remote %s $ref: the schema is invalid', (_name, schema, missing) => {
      // Nothing here can fetch: a $ref that the schema does not define fails at once, whatever it names.
      expect(() => compileRowValidator(schema, { format: 'JSON' })).toThrow(
        new InvalidRowSchemaError(`$ref "${missing}" is not found in the schema (references are never fetched: define it in the schema's definitions)`),
      );
    });

    it('refuses a remote meta-schema', () => {
      expect(() => compileRowValidator({ $schema: 'https://schemas.example.com/meta.json', type: 'object' }, { format: 'JSON' })).toThrow(InvalidRowSchemaError);
    });

    it('resolves a $ref that the schema defines, by its own $id too', () => {
      const schema = {
        $id: 'https://schemas.example.com/person.json',
        definitions: { zip: { type: 'string', pattern: '^[0-9]{5}$' } },
        type: 'object',
        properties: { home: { $ref: '#/definitions/zip' }, work: { $ref: 'https://schemas.example.com/person.json#/definitions/zip' } },
      };
      const validate = compileRowValidator(schema, { format: 'JSON' });
      expect(validate({ home: '12345', work: '54321' })).toBeUndefined();
      expect(validate({ home: '12345', work: 'x' })).toBe('/work: must match pattern "^[0-9]{5}$"');
    });

    it('fails the record, not the worker, when a schema refers to itself without end', () => {
      const validate = compileRowValidator({ anyOf: [{ $ref: '#' }] }, { format: 'JSON' });
      expect(validate({ a: 1 })).toMatch(/^the schema cannot check this record: Maximum call stack size exceeded/);
    });

    it('does not take Object.prototype for a required "__proto__" field', () => {
      const validate = compileRowValidator({ type: 'object', required: ['__proto__'] }, { format: 'JSON' });
      expect(validate({ a: 1 })).toBe('/__proto__: is required');
      expect(validate(JSON.parse('{"__proto__":1}') as Record<string, unknown>)).toBeUndefined();
    });
  });

  it('accepts annotations in a schema', () => {
    const schema = { $comment: 'c', title: 't', description: 'd', type: 'object', properties: { a: { type: 'string', examples: ['x'], default: 'y' } } };
    expect(compileRowValidator(schema, { format: 'JSON' })({ a: 'b' })).toBeUndefined();
  });
});
