import type { RowFailure } from '@import-jobs/domain';
import { toFailureReportCsv } from './failure-report';
import { collect } from './testing/byte-chunks';

async function report(failures: RowFailure[]): Promise<string[]> {
  return collect(toFailureReportCsv(failures));
}

describe('toFailureReportCsv', () => {
  it('starts with the header, even with no failures', async () => {
    await expect(report([])).resolves.toEqual(['file,line,reason,raw\r\n']);
  });

  it.each<[string, RowFailure, string]>([
    ['plain cells', { file: 'in.csv', line: 7, reason: 'not valid UTF-8', raw: 'abc' }, 'in.csv,7,not valid UTF-8,abc\r\n'],
    ['no raw text', { file: 'in.csv', line: 7, reason: 'r' }, 'in.csv,7,r,\r\n'],
    ['commas and quotes', { file: 'a,b.csv', line: 2, reason: 'say "hi"', raw: '1,"x"' }, '"a,b.csv",2,"say ""hi""","1,""x"""\r\n'],
    ['line breaks', { file: 'f', line: 3, reason: 'r', raw: 'x\r\ny\nz' }, 'f,3,r,"x\r\ny\nz"\r\n'],
    ['a formula', { file: 'f', line: 1, reason: 'r', raw: '=HYPERLINK("http://evil")' }, 'f,1,r,"\'=HYPERLINK(""http://evil"")"\r\n'],
    ['a leading plus', { file: 'f', line: 1, reason: 'r', raw: '+1+2' }, "f,1,r,'+1+2\r\n"],
    ['a leading minus', { file: 'f', line: 1, reason: 'r', raw: '-2+3' }, "f,1,r,'-2+3\r\n"],
    ['a leading at sign', { file: '@SUM(A1)', line: 1, reason: 'r' }, "'@SUM(A1),1,r,\r\n"],
    ['a leading tab', { file: 'f', line: 1, reason: '\t=1', raw: '' }, "f,1,'\t=1,\r\n"],
    ['a leading CR', { file: 'f', line: 1, reason: 'r', raw: '\r=1' }, 'f,1,r,"\'\r=1"\r\n'],
    ['a formula sign later in the cell', { file: 'f', line: 1, reason: 'a=b', raw: 'x-1' }, 'f,1,a=b,x-1\r\n'],
  ])('writes %s', async (_name, failure, line) => {
    const [, written] = await report([failure]);
    expect(written).toBe(line);
  });

  it('streams from an async source', async () => {
    async function* failures(): AsyncGenerator<RowFailure> {
      yield { file: 'a', line: 1, reason: 'x' };
      yield { file: 'a', line: 2, reason: 'y' };
    }
    await expect(collect(toFailureReportCsv(failures()))).resolves.toEqual(['file,line,reason,raw\r\n', 'a,1,x,\r\n', 'a,2,y,\r\n']);
  });
});
