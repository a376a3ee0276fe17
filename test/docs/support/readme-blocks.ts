import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A fenced block of README.md: ```` ```bash example=upload-then-import ````. */
export interface ReadmeBlock {
  /** The `example=` name of its info string; undefined when the block has none. */
  readonly name: string | undefined;
  readonly language: string;
  readonly text: string;
  /** Its first line in README.md, 1-based, for messages. */
  readonly line: number;
  /** The last inline code span of the paragraph just before it (a request the block answers). */
  readonly precedingCode: string | undefined;
}

export const readmePath = join(__dirname, '../../../README.md');

export function readmeBlocks(markdown = readFileSync(readmePath, 'utf8')): ReadmeBlock[] {
  const lines = markdown.split('\n');
  const blocks: ReadmeBlock[] = [];
  for (let index = 0; index < lines.length; index++) {
    const fence = /^```(\S*)(.*)$/.exec(lines[index]!);
    if (!fence) continue;
    const end = lines.findIndex((line, at) => at > index && line.startsWith('```'));
    if (end < 0) throw new Error(`README.md:${index + 1}: a fenced block that never closes`);
    const paragraph = lines.slice(0, index).join('\n').split(/\n\s*\n/).at(-1) ?? '';
    blocks.push({
      name: /(?:^|\s)example=(\S+)/.exec(fence[2]!)?.[1],
      language: fence[1]!,
      text: lines.slice(index + 1, end).join('\n'),
      line: index + 1,
      precedingCode: [...paragraph.matchAll(/`([^`]+)`/g)].at(-1)?.[1],
    });
    index = end;
  }
  return blocks;
}

/** One command of a shell example, with the answers shown after it (`# 201 {...}`), each a run of it. */
export interface ShellStep {
  readonly command: string;
  readonly answers: ReadonlyArray<{ readonly status: number; readonly body: string | undefined }>;
  /** The comment ending its line: what it prints, in words. */
  readonly note: string | undefined;
}

/**
 * A `bash` example as steps: a command (lines continued by `\`), its inline comment, then the
 * comment lines that show answers. A comment line that is not an answer (`# a second one while it
 * runs:`) is prose; an answer after the first one means the same command run again.
 */
export function shellSteps(text: string): ShellStep[] {
  const steps: Array<{ command: string; answers: Array<{ status: number; body: string | undefined }>; note: string | undefined }> = [];
  let continued = '';
  for (const line of text.split('\n')) {
    const comment = /^\s*#\s?(.*)$/.exec(line);
    if (comment && continued === '') {
      const answer = /^(\d{3})(?:\s+(.+))?$/.exec(comment[1]!.trim());
      if (answer) {
        const step = steps.at(-1);
        if (step === undefined) throw new Error(`an answer before any command: ${line}`);
        step.answers.push({ status: Number(answer[1]), body: answer[2] });
      }
      continue;
    }
    if (line.trim() === '') continue;
    const [code, note] = splitInlineComment(line);
    if (code.endsWith('\\')) {
      continued += `${code.slice(0, -1).trim()} `;
      continue;
    }
    const command = `${continued}${code.trim()}`;
    continued = '';
    const answer = note === undefined ? undefined : /^(\d{3})(?:\s+(.+))?$/.exec(note);
    steps.push({ command, answers: answer ? [{ status: Number(answer[1]), body: answer[2] }] : [], note: answer ? undefined : note });
  }
  return steps;
}

/** `cmd -x 'a # b'   # note` → ['cmd -x \'a # b\'', 'note']: a `#` after blanks, outside quotes. */
function splitInlineComment(line: string): [string, string | undefined] {
  let quote: string | undefined;
  for (let at = 0; at < line.length; at++) {
    const char = line[at]!;
    if (quote) {
      if (char === quote) quote = undefined;
    } else if (char === "'" || char === '"') {
      quote = char;
    } else if (char === '#' && at > 0 && /\s/.test(line[at - 1]!)) {
      return [line.slice(0, at).trimEnd(), line.slice(at + 1).trim()];
    }
  }
  return [line.trimEnd(), undefined];
}
