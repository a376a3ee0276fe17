import { Writable } from 'node:stream';
import { bar, byteSize, ProgressLine } from './progress-line';

class Recorded extends Writable {
  text = '';

  constructor(readonly isTTY: boolean) {
    super();
  }

  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.text += chunk.toString('utf8');
    done();
  }
}

describe('ProgressLine', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('writes a line per change elsewhere than on a terminal, at most one per interval, and always the last', () => {
    const out = new Recorded(false);
    const line = new ProgressLine(out, 1000);

    line.update('a');
    line.update('b');
    line.update('c');
    jest.advanceTimersByTime(1000);
    line.update('c');
    line.update('d');
    line.finish();

    expect(out.text).toBe('a\nc\nd\n');
  });

  it('redraws in place on a terminal, and puts a note and the end on lines of their own', () => {
    const out = new Recorded(true);
    const line = new ProgressLine(out, 1000);

    line.update('first');
    line.note('reconnecting');
    jest.advanceTimersByTime(100);
    line.update('second');
    jest.advanceTimersByTime(100);
    line.update('third');
    line.finish();

    expect(out.text).toBe('\rfirst\u001b[K\nreconnecting\n\rsecond\u001b[K\rthird\u001b[K\n');
  });
});

describe('the drawing of progress', () => {
  it('fills a bar by the share done, a total of nothing full', () => {
    expect([bar(0, 10, 10), bar(5, 10, 10), bar(10, 10, 10), bar(0, 0, 4)]).toEqual(['[----------]', '[#####-----]', '[##########]', '[####]']);
  });

  it('names sizes in binary units', () => {
    expect([0, 1023, 1024, 1536, 5 * 1024 ** 2, 1024 ** 3].map(byteSize)).toEqual(['0 B', '1023 B', '1.0 KiB', '1.5 KiB', '5.0 MiB', '1.0 GiB']);
  });
});
