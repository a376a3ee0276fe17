import { keyOf, type RecordKey } from './record-key';

describe('keyOf', () => {
  it.each<[string, Record<string, unknown>, string | undefined, RecordKey]>([
    ['no key field: no key', { id: 'a' }, undefined, { ok: true, key: null }],
    ['a string', { id: 'a-1' }, 'id', { ok: true, key: 'a-1' }],
    ['a number', { id: 42 }, 'id', { ok: true, key: '42' }],
    ['a missing field', { name: 'x' }, 'id', { ok: false, reason: '/id: key field is missing' }],
    ['a null', { id: null }, 'id', { ok: false, reason: '/id: key field is missing' }],
    ['an empty string', { id: '' }, 'id', { ok: false, reason: '/id: key field is missing' }],
    ['an object', { id: { a: 1 } }, 'id', { ok: false, reason: '/id: key field must be a string or a number, found an object' }],
    ['an array', { id: [1] }, 'id', { ok: false, reason: '/id: key field must be a string or a number, found an array' }],
    ['a boolean', { id: true }, 'id', { ok: false, reason: '/id: key field must be a string or a number, found a boolean' }],
    ['NaN', { id: Number.NaN }, 'id', { ok: false, reason: '/id: key field must be a string or a number, found a number' }],
    ['an inherited property is no field', {}, 'constructor', { ok: false, reason: '/constructor: key field is missing' }],
    ['a lone surrogate, which would become U+FFFD', { id: 'a\ud800' }, 'id', { ok: false, reason: '/id: key field holds a lone surrogate, which UTF-8 cannot carry' }],
    ['a surrogate pair, which is a character', { id: '😀' }, 'id', { ok: true, key: '😀' }],
    ['an own "__proto__" field', JSON.parse('{"__proto__":"p"}') as Record<string, unknown>, '__proto__', { ok: true, key: 'p' }],
  ])('%s', (_name, record, keyField, expected) => {
    expect(keyOf(record, keyField)).toEqual(expected);
  });
});
