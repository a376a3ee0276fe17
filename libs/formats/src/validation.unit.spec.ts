import { compileRowValidator, InvalidRowSchemaError, maxExpandedSchemaSize, maxSchemaDepth, maxUniqueItemsCompared } from './validation';

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

    it('refuses a schema that refers to itself without stepping into the value, which never ends', () => {
      expect(() => compileRowValidator({ anyOf: [{ $ref: '#' }] }, { format: 'JSON' })).toThrow(
        new InvalidRowSchemaError('a recursive $ref applies a schema again to the value it is checking, without end'),
      );
    });

    describe('the cost of checking one row is bounded at compile time', () => {
      const json = { format: 'JSON' } as const;
      const tooBig = new InvalidRowSchemaError('the schema expands to more than 10000 subschemas with its $refs followed');

      /**
       * Definitions d1…dN each applying the previous one twice (`apply` builds that from the previous
       * one's name): N levels make 2^N checks of d0. With `byId`, each definition's name is its `$id`.
       */
      function doubling(levels: number, name: (level: number) => string, apply: (ref: string) => object, byId = false): object {
        const definitions: Record<string, object> = {};
        for (let level = 0; level <= levels; level += 1) {
          definitions[`d${level}`] = { ...(byId ? { $id: name(level) } : {}), ...(level === 0 ? { type: 'string' } : apply(name(level - 1))) };
        }
        return { $id: 'https://schemas.example.com/root.json', definitions, $ref: name(levels) };
      }
      const pointer = (level: number) => `#/definitions/d${level}`;
      const twice = (ref: string): object => ({ allOf: [{ $ref: ref }, { $ref: ref }] });

      it('states its bounds', () => {
        expect(maxExpandedSchemaSize).toBe(10_000);
        expect(maxUniqueItemsCompared).toBe(1_000);
      });

      // A walk that expanded the whole schema before comparing it with the bound would never end on 60
      // levels; only jest's timeout bounds this test.
      it.each([24, 60])('refuses definitions that double %i times', (levels) => {
        const schema = doubling(levels, pointer, twice);
        expect(JSON.stringify(schema).length).toBeLessThan(5_000);
        expect(() => compileRowValidator(schema, json)).toThrow(tooBig);
      });

      it.each<[string, (level: number) => string, (ref: string) => object, boolean]>([
        ['a $ref beside a subschema holding the same $ref', pointer, (ref) => ({ $ref: ref, anyOf: [{ $ref: ref }] }), false],
        ['$id anchors', (level) => `#d${level}`, (ref) => ({ oneOf: [{ $ref: ref }, { not: { $ref: ref } }] }), true],
        ['relative $id URIs', (level) => `d${level}.json`, (ref) => ({ properties: { a: { $ref: ref }, b: { $ref: ref } } }), true],
      ])('follows references through %s', (_name, name, apply, byId) => {
        expect(() => compileRowValidator(doubling(40, name, apply, byId), json)).toThrow(tooBig);
      });

      it('counts every subschema that a $ref reaches, up to the bound exactly', () => {
        const names = (prefix: string, count: number, schema: object) => Object.fromEntries(Array.from({ length: count }, (_, i) => [`${prefix}${i}`, schema]));
        // The record's schema, 99 group $refs (each reaching a group of 49 field $refs, each reaching
        // its field) and `plain` fields of its own: 1 + 99 × (1 + 1 + 49 × 2) + plain = 9,901 + plain.
        const schema = (plain: number) => ({
          definitions: { field: { type: 'string' }, group: { type: 'object', properties: names('f', 49, { $ref: '#/definitions/field' }) } },
          type: 'object',
          properties: { ...names('g', 99, { $ref: '#/definitions/group' }), ...names('h', plain, { type: 'integer' }) },
        });
        const validate = compileRowValidator(schema(99), json);
        expect(validate({ g0: { f48: 'a' }, h98: 1 })).toBeUndefined();
        expect(validate({ g98: { f0: 1 } })).toBe('/g98/f0: must be string');
        expect(() => compileRowValidator(schema(100), json)).toThrow(tooBig);
      });

      it('accepts a large schema whose references only add up', () => {
        const zip = { type: 'string', pattern: '^[0-9]{5}$' };
        const address = { type: 'object', properties: { zip: { $ref: '#/definitions/zip' }, city: { type: 'string' } }, required: ['zip'] };
        const schema = {
          definitions: { zip, address },
          type: 'object',
          properties: Object.fromEntries(Array.from({ length: 1_000 }, (_, i) => [`address${i}`, { $ref: '#/definitions/address' }])),
        };
        const validate = compileRowValidator(schema, json);
        expect(validate({ address0: { zip: '12345' }, address999: { zip: '54321', city: 'Lyon' } })).toBeUndefined();
        expect(validate({ address500: { zip: '123' } })).toBe('/address500/zip: must match pattern "^[0-9]{5}$"');
      });

      it('accepts a recursive schema for trees and checks rows against it', () => {
        const schema = {
          $ref: '#/$defs/node',
          $defs: {
            node: {
              type: 'object',
              properties: { name: { type: 'string' }, children: { type: 'array', items: { $ref: '#/$defs/node' } }, meta: { $ref: '#' } },
              required: ['name'],
            },
          },
        };
        const validate = compileRowValidator(schema, json);
        const leaf = (name: unknown) => ({ name });
        expect(validate({ name: 'root', children: [leaf('a'), { name: 'b', children: [leaf('c')] }], meta: leaf('m') })).toBeUndefined();
        expect(validate({ name: 'root', children: [leaf('a'), { name: 'b', children: [leaf(3)] }] })).toBe('/children/1/children/0/name: must be string');
        expect(validate({ name: 'root', children: [{ children: [] }] })).toBe('/children/0/name: is required');
      });

      describe('a recursion applied more than once to the same value', () => {
        const appliedTwice = new InvalidRowSchemaError(
          'a recursive $ref is applied more than once to the same value, which makes checking a row exponential',
        );
        /** A record `levels` deep along `x`: each level doubles the checks of a schema that recurses twice on it. */
        const deep = (levels: number): Record<string, unknown> => {
          let record: Record<string, unknown> = {};
          for (let level = 1; level < levels; level += 1) record = { x: record };
          return record;
        };

        it.each<[string, object]>([
          ['allOf', { properties: { x: { allOf: [{ $ref: '#' }, { $ref: '#' }] } } }],
          ['two $refs to a definition that recurses', { $defs: { A: { properties: { x: { $ref: '#' } } } }, anyOf: [{ $ref: '#/$defs/A' }, { $ref: '#/$defs/A' }] }],
          ['oneOf', { properties: { x: { oneOf: [{ $ref: '#' }, { type: 'string' }, { $ref: '#' }] } } }],
          ['if and then', { properties: { x: { if: { $ref: '#' }, then: { $ref: '#' } } } }],
          ['if and else', { properties: { x: { if: { $ref: '#' }, else: { $ref: '#' } } } }],
          ['a $ref beside not', { properties: { x: { $ref: '#', not: { $ref: '#' } } } }],
          ['dependencies', { properties: { x: { $ref: '#' } }, dependencies: { x: { properties: { x: { $ref: '#' } } } } }],
          ['a property and a pattern matching its name', { properties: { xy: { $ref: '#' } }, patternProperties: { '^x': { $ref: '#' } } }],
          ['items and contains', { properties: { list: { type: 'array', items: { $ref: '#' }, contains: { $ref: '#' } } } }],
          [
            'two recursion points, one reached from the other',
            { $defs: { A: { properties: { x: { allOf: [{ $ref: '#' }, { $ref: '#/$defs/A' }] } } } }, allOf: [{ $ref: '#/$defs/A' }] },
          ],
        ])('refuses one through %s', (_name, schema) => {
          expect(() => compileRowValidator(schema, json)).toThrow(appliedTwice);
        });

        // d0 applies itself to `x` and d1 to the same value, d1 likewise itself and d2...: a value i levels
        // deep is checked by d20 in C(i + 20, 20) ways, 10^21 for a record 64 deep.
        it('refuses a chain of recursions each reaching the next on the same value', () => {
          const definitions = Object.fromEntries(
            Array.from({ length: 21 }, (_, i) => [`d${i}`, { properties: { x: { $ref: `#/definitions/d${i}` } }, ...(i < 20 ? { allOf: [{ $ref: `#/definitions/d${i + 1}` }] } : {}) }]),
          );
          expect(() => compileRowValidator({ definitions, $ref: '#/definitions/d0' }, json)).toThrow(appliedTwice);
        });

        // Before, this compiled, and its check of a record 64 deep applied the schema 2^64 times: it
        // never returned. Only jest's timeout bounds this test.
        it('refuses the schema that made a 64-level record take forever', () => {
          const schema = { type: 'object', properties: { x: { allOf: [{ $ref: '#' }, { $ref: '#' }] } } };
          expect(() => compileRowValidator(schema, json)(deep(64))).toThrow(appliedTwice);
        });

        it.each<[string, object, Record<string, unknown>, Record<string, unknown>, string]>([
          [
            'a tree',
            { type: 'object', properties: { name: { type: 'string' }, children: { type: 'array', items: { $ref: '#' } } } },
            { name: 'a', children: [{ name: 'b', children: [{ name: 'c' }] }, { name: 'd' }] },
            { name: 'a', children: [{ name: 'b', children: [{ name: 1 }] }] },
            '/children/0/children/0/name: must be string',
          ],
          [
            'a linked list',
            { type: 'object', properties: { value: { type: 'integer' }, next: { $ref: '#' } }, required: ['value'] },
            { value: 1, next: { value: 2, next: { value: 3 } } },
            { value: 1, next: { value: 2, next: {} } },
            '/next/next/value: is required',
          ],
          [
            'alternatives recursing into different children',
            { type: 'object', anyOf: [{ properties: { a: { $ref: '#' } }, required: ['a'] }, { properties: { b: { $ref: '#' } }, required: ['b'] }, { maxProperties: 0 }] },
            { a: { b: { a: {} } } },
            { a: { b: 'text' } },
            // ajv reports the first alternative's complaint, at the level where none fit.
            '/a/a: is required',
          ],
          [
            'a property beside a pattern that does not match its name, and additionalProperties',
            { properties: { xy: { $ref: '#' } }, patternProperties: { '^z': { $ref: '#' } }, additionalProperties: { type: 'integer' } },
            { xy: { z1: { xy: {}, other: 1 } } },
            { xy: { z1: { other: 'no' } } },
            '/xy/z1/other: must be integer',
          ],
        ])('accepts %s and checks rows against it', (_name, schema, valid, invalid, reason) => {
          const validate = compileRowValidator(schema, json);
          expect(validate(valid)).toBeUndefined();
          expect(validate(invalid)).toBe(reason);
        });

        it('accepts a recursion that checks a record 64 deep once per level', () => {
          const validate = compileRowValidator({ type: 'object', properties: { x: { $ref: '#' } }, additionalProperties: false }, json);
          expect(validate(deep(64))).toBeUndefined();
          expect(validate({ x: { x: { y: 1 } } })).toBe('/x/x/y: is not a field of the schema');
        });
      });

      it('refuses a $ref to one of ajv\'s own meta-schemas, which it has not measured', () => {
        expect(() => compileRowValidator({ type: 'object', properties: { a: { $ref: 'http://json-schema.org/draft-07/schema#' } } }, json)).toThrow(
          new InvalidRowSchemaError(`$ref "http://json-schema.org/draft-07/schema#" does not point into the schema (references to ajv's meta-schemas are not supported)`),
        );
      });

      describe('uniqueItems', () => {
        const uniqueItemsError = new InvalidRowSchemaError(
          'uniqueItems needs "maxItems" of at most 1000 in the same schema, or "items" whose own "type" allows neither objects nor arrays (otherwise every pair of items is compared)',
        );
        const inRecord = (list: object) => ({ type: 'object', properties: { list } });

        it.each<[string, object]>([
          ['no items', { type: 'array', uniqueItems: true }],
          ['items of objects', { type: 'array', uniqueItems: true, items: { type: 'object' } }],
          ['items that may be arrays', { type: 'array', uniqueItems: true, items: { type: ['string', 'array'] } }],
          ['items without a type', { type: 'array', uniqueItems: true, items: { minLength: 1 } }],
          ['items typed only through a $ref', { type: 'array', uniqueItems: true, items: { $ref: '#/definitions/s' } }],
          ['a tuple of scalars', { type: 'array', uniqueItems: true, items: [{ type: 'string' }] }],
          [`maxItems of ${maxUniqueItemsCompared + 1}`, { type: 'array', uniqueItems: true, maxItems: maxUniqueItemsCompared + 1 }],
          ['maxItems in another schema', { type: 'array', uniqueItems: true, allOf: [{ maxItems: 10 }] }],
        ])('refuses uniqueItems with %s', (_name, list) => {
          expect(() => compileRowValidator({ ...inRecord(list), definitions: { s: { type: 'string' } } }, json)).toThrow(uniqueItemsError);
        });

        it('refuses it in a definition that a $ref reaches', () => {
          const schema = { definitions: { tags: { type: 'array', uniqueItems: true, items: { type: 'object' } } }, ...inRecord({ $ref: '#/definitions/tags' }) };
          expect(() => compileRowValidator(schema, json)).toThrow(uniqueItemsError);
        });

        it.each<[string, object]>([
          ['uniqueItems: false', { type: 'array', uniqueItems: false, items: { type: 'object' } }],
          ['items of scalar types', { type: 'array', uniqueItems: true, items: { type: ['string', 'integer', 'null'] } }],
          [`maxItems of ${maxUniqueItemsCompared}`, { type: 'array', uniqueItems: true, maxItems: maxUniqueItemsCompared }],
        ])('accepts %s', (_name, list) => {
          const validate = compileRowValidator(inRecord(list), json);
          expect(validate({ list: [] })).toBeUndefined();
        });

        it('still finds duplicate objects within maxItems', () => {
          const validate = compileRowValidator(inRecord({ type: 'array', uniqueItems: true, maxItems: 3, items: { type: 'object' } }), json);
          expect(validate({ list: [{ a: 1 }, { a: 2 }] })).toBeUndefined();
          expect(validate({ list: [{ a: 1 }, { a: 2 }, { a: 1 }] })).toBe('/list: must NOT have duplicate items (items ## 0 and 2 are identical)');
          expect(validate({ list: [{}, {}, {}, {}] })).toBe('/list: must NOT have more than 3 items');
        });

        // A pairwise comparison of 100,000 items is 5 billion steps; only the hash ends in jest's time.
        it('checks a long array of scalars for duplicates in one pass', () => {
          const validate = compileRowValidator(inRecord({ type: 'array', uniqueItems: true, items: { type: 'string' } }), json);
          const distinct = Array.from({ length: 100_000 }, (_, i) => `item${i}`);
          expect(validate({ list: distinct })).toBeUndefined();
          expect(validate({ list: [...distinct, 'item7'] })).toBe('/list: must NOT have duplicate items (items ## 100000 and 7 are identical)');
        });
      });
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
