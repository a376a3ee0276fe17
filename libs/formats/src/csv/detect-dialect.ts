import { isUtf8 } from 'node:buffer';
import { defaultCsvOptions, settleCsvDialect, type CsvDialect, type CsvEncoding, type CsvOptions } from '@import-jobs/domain';

/** How much of a file's start is enough to tell its encoding and delimiter: the first lines of any real export. */
export const dialectSampleBytes = 64 * 1024;

const candidateDelimiters = [',', ';', '\t', '|'] as const;
const linesWeighed = 20;

/**
 * A file's encoding from its first bytes: a byte order mark says it; else UTF-16 shows as a NUL
 * beside most ASCII characters; else valid UTF-8 is UTF-8 (ASCII included). Bytes that are not
 * UTF-8 are read as windows-1252, which decodes every byte (the Latin-1 of most spreadsheet
 * exports), but only when nothing in them is UTF-8's: a UTF-8 file with one corrupt byte keeps its
 * other characters (and fails that row) rather than turning every one into mojibake, and a file
 * with a NUL is no text at all (it fails as not UTF-8).
 */
export function detectEncoding(sample: Uint8Array): CsvEncoding {
  if (sample[0] === 0xef && sample[1] === 0xbb && sample[2] === 0xbf) return 'utf-8';
  if (sample[0] === 0xff && sample[1] === 0xfe) return 'utf-16le';
  if (sample[0] === 0xfe && sample[1] === 0xff) return 'utf-16be';
  const pairs = Math.floor(Math.min(sample.length, 4096) / 2);
  let nulAtOdd = 0;
  let nulAtEven = 0;
  for (let index = 0; index < pairs * 2; index += 2) {
    if (sample[index] === 0 && sample[index + 1] !== 0) nulAtEven++;
    if (sample[index + 1] === 0 && sample[index] !== 0) nulAtOdd++;
  }
  if (pairs > 0 && nulAtOdd > pairs / 2) return 'utf-16le';
  if (pairs > 0 && nulAtEven > pairs / 2) return 'utf-16be';
  const start = withoutCutCharacter(sample);
  if (isUtf8(start) || start.includes(0) || holdsUtf8Sequence(start)) return 'utf-8';
  return 'windows-1252';
}

/** Whether any lead byte is followed by the continuation bytes UTF-8 gives it: Latin-1 text almost never pairs them so. */
function holdsUtf8Sequence(bytes: Uint8Array): boolean {
  for (let index = 0; index < bytes.length; index++) {
    const lead = bytes[index]!;
    const length = lead >= 0xc2 && lead <= 0xdf ? 2 : lead >= 0xe0 && lead <= 0xef ? 3 : lead >= 0xf0 && lead <= 0xf4 ? 4 : 0;
    if (length === 0 || index + length > bytes.length) continue;
    if (isUtf8(bytes.subarray(index, index + length))) return true;
  }
  return false;
}

/** A sample cut mid-character at its end is still UTF-8: drop a last sequence left incomplete. */
function withoutCutCharacter(sample: Uint8Array): Uint8Array {
  for (let back = 1; back <= Math.min(3, sample.length); back++) {
    const byte = sample[sample.length - back]!;
    if (byte < 0x80) return sample;
    if (byte >= 0xc0) {
      const length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : 2;
      return length > back ? sample.subarray(0, sample.length - back) : sample;
    }
  }
  return sample;
}

/**
 * The delimiter of a CSV text's first lines: the candidate (`,` `;` tab `|`) that splits them
 * into the same number of fields, more than one, on the most lines; ties go to the one giving
 * more fields, then to the order above. Quoted text is not counted, so a `;` inside a quoted
 * field of a comma file does not vote. A file of one column has no delimiter to find: comma.
 */
export function detectDelimiter(text: string, quote: string | null): string {
  const lines = firstLines(text, quote);
  let best: { delimiter: string; lines: number; fields: number } = { delimiter: ',', lines: 0, fields: 1 };
  for (const delimiter of candidateDelimiters) {
    const counts = lines.map((line) => fieldCount(line, delimiter, quote));
    const mostCommon = modeOf(counts.filter((count) => count > 1));
    if (mostCommon === undefined) continue;
    const agreeing = counts.filter((count) => count === mostCommon.value).length;
    if (agreeing > best.lines || (agreeing === best.lines && mostCommon.value > best.fields)) best = { delimiter, lines: agreeing, fields: mostCommon.value };
  }
  return best.delimiter;
}

/** The first lines, each whole: a line end inside quotes does not end one. */
function firstLines(text: string, quote: string | null): string[] {
  const lines: string[] = [];
  let start = 0;
  let quoted = false;
  for (let index = 0; index < text.length && lines.length < linesWeighed; index++) {
    const character = text[index];
    if (character === quote) quoted = !quoted;
    else if (!quoted && (character === '\n' || character === '\r')) {
      if (index > start) lines.push(text.slice(start, index));
      start = index + 1;
    }
  }
  // The last line counts only when the sample ended with it, not cut inside it.
  return lines.length === 0 && start < text.length ? [text.slice(start)] : lines;
}

function fieldCount(line: string, delimiter: string, quote: string | null): number {
  let count = 1;
  let quoted = false;
  for (const character of line) {
    if (character === quote) quoted = !quoted;
    else if (!quoted && character === delimiter) count++;
  }
  return count;
}

function modeOf(values: number[]): { value: number; times: number } | undefined {
  const times = new Map<number, number>();
  for (const value of values) times.set(value, (times.get(value) ?? 0) + 1);
  let best: { value: number; times: number } | undefined;
  for (const [value, count] of times) if (!best || count > best.times || (count === best.times && value > best.value)) best = { value, times: count };
  return best;
}

/**
 * A file's dialect from the caller's options and the file's first bytes (`sample`, up to
 * `dialectSampleBytes`, decompressed), every `'auto'` settled; and what its first record is.
 */
export function settleFileDialect(options: CsvOptions, sample: Uint8Array): CsvFileDialect {
  const given = { ...defaultCsvOptions, ...options };
  const encoding = given.encoding === 'auto' ? detectEncoding(sample) : given.encoding;
  const delimiter = given.delimiter === 'auto' ? detectDelimiter(sampleText(sample, encoding), given.quote) : given.delimiter;
  const dialect = settleCsvDialect(options, { delimiter, encoding });
  const header = given.header === true ? 'first-record' : given.header === false ? 'numbered' : 'given';
  return { dialect, header, ...(Array.isArray(given.header) && { columns: given.header }) };
}

export interface CsvFileDialect {
  readonly dialect: CsvDialect;
  /** The file's first record is its header; or data, under numbered columns or the caller's names (`columns`). */
  readonly header: 'first-record' | 'numbered' | 'given';
  readonly columns?: readonly string[];
}

function sampleText(sample: Uint8Array, encoding: CsvEncoding): string {
  return new TextDecoder(encoding === 'windows-1252' ? 'latin1' : encoding).decode(sample);
}
