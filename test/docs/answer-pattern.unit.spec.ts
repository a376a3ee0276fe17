import { mismatches, parseAnswer, substituted, type Bindings } from './support/answer-pattern';
import { shellSteps } from './support/readme-blocks';

describe("README's answers read as patterns", () => {
  const matching = (shown: string, actual: unknown, bindings: Bindings = new Map()) => mismatches(parseAnswer(shown), actual, bindings);

  it('hold an object to exactly the fields shown, or to at least them when it ends with …', () => {
    expect(matching('{"a":1,"b":"x"}', { a: 1, b: 'x' })).toEqual([]);
    expect(matching('{"a":1}', { a: 1, b: 'x' })).toEqual(['(answer).b: in the answer, not in README']);
    expect(matching('{"a":1,…}', { a: 1, b: 'x' })).toEqual([]);
    expect(matching('{"a":1,"c":2,…}', { a: 1 })).toEqual(['(answer).c: in README, not in the answer']);
    expect(matching('{"a":{…}}', { a: { deep: [1] } })).toEqual([]);
    expect(matching('{"a":2}', { a: 1 })).toEqual(['(answer).a: README shows 2, the answer has 1']);
  });

  it('hold an array to the items shown, or to starting with them when it ends with …', () => {
    expect(matching('[1,2]', [1, 2])).toEqual([]);
    expect(matching('[1,2]', [1, 2, 3])).toEqual(['(answer): README shows 2 items, the answer has 3']);
    expect(matching('[1,…]', [1, 2, 3])).toEqual([]);
    expect(matching('[2,…]', [1, 2])).toEqual(['(answer)[0]: README shows 2, the answer has 1']);
  });

  it('take any text for …, any date for a date, and bind an elided id to the one answered', () => {
    const bindings: Bindings = new Map();
    expect(matching('{"at":"2026-11-24T19:00:00.000Z","note":"…","url":"/v1/uploads/3b0c…/content"}', { at: '2027-01-01T00:00:00Z', note: 'anything', url: '/v1/uploads/u-42/content' }, bindings)).toEqual([]);
    expect(bindings.get('3b0c…')).toBe('u-42');
    expect(matching('{"id":"3b0c…"}', { id: 'u-43' }, bindings)).toEqual(['(answer).id: 3b0c… stood for u-42 before, here for u-43']);
    expect(matching('{"at":"2026-11-24T19:00:00.000Z"}', { at: 'soon' })).toEqual(['(answer).at: README shows a date, the answer has "soon"']);
    expect(matching('{"message":"job 51aa… runs"}', { message: 'job j-1 stopped' })).toHaveLength(1);
  });

  it('put into a later command what each placeholder stood for, and refuse one nothing bound', () => {
    const bindings: Bindings = new Map([['8d1e…', 'j-1'], ['<key>', 'k']]);

    expect(substituted("curl localhost:3000/v1/imports/8d1e…/events -H 'Authorization: Bearer <key>'", bindings)).toBe("curl localhost:3000/v1/imports/j-1/events -H 'Authorization: Bearer k'");
    expect(() => substituted('curl localhost:3000/v1/imports/51aa…', bindings)).toThrow(/51aa…/);
  });
});

describe("README's shell examples read as steps", () => {
  it('join continued lines, and run a command once for each answer shown after it', () => {
    const steps = shellSteps(
      [
        "curl -s -X POST localhost:3000/v1/imports -H 'a: b' \\",
        '  -F file=@x.csv',
        '# 202 {"id":"51aa…"}',
        '# a second one while it runs:',
        '# 409 {"code":"DESTINATION_IN_USE",…}',
        "curl -s -X DELETE localhost:3000/v1/imports/51aa… -H 'x: #1'     # 204",
        'npm run cli -- list   # prints the jobs',
      ].join('\n'),
    );

    expect(steps).toEqual([
      {
        command: "curl -s -X POST localhost:3000/v1/imports -H 'a: b' -F file=@x.csv",
        answers: [
          { status: 202, body: '{"id":"51aa…"}' },
          { status: 409, body: '{"code":"DESTINATION_IN_USE",…}' },
        ],
        note: undefined,
      },
      { command: "curl -s -X DELETE localhost:3000/v1/imports/51aa… -H 'x: #1'", answers: [{ status: 204, body: undefined }], note: undefined },
      { command: 'npm run cli -- list', answers: [], note: 'prints the jobs' },
    ]);
  });
});
