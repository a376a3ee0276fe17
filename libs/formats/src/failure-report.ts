import type { RowFailure } from '@import-jobs/domain';

const reportHeader = ['file', 'line', 'reason', 'raw'];

/**
 * The failure report, as RFC 4180 CSV lines (CR LF), header first, one line per rejected row,
 * streaming so a report of millions of rows never sits in memory.
 *
 * The report is opened in spreadsheets and its cells come from the imported files, so a cell that
 * a spreadsheet would run as a formula (starting with = + - @, a tab or a CR) is prefixed with `'`.
 */
export async function* toFailureReportCsv(failures: AsyncIterable<RowFailure> | Iterable<RowFailure>): AsyncGenerator<string> {
  yield csvLine(reportHeader);
  for await (const failure of failures) yield csvLine([failure.file, String(failure.line), failure.reason, failure.raw ?? '']);
}

function csvLine(cells: readonly string[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}

function csvCell(value: string): string {
  const inert = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(inert) ? `"${inert.replaceAll('"', '""')}"` : inert;
}
