import type { ImportJobStatus } from '@import-jobs/client';

/** What each exit of `import-jobs` means, for scripts: one code per outcome they act on differently. */
export const exitCodes = {
  success: 0,
  refused: 1,
  usage: 2,
  jobFailed: 3,
  jobCancelled: 4,
  unreachable: 5,
  unauthorized: 6,
} as const;

export type ExitCode = (typeof exitCodes)[keyof typeof exitCodes];

const meanings: ReadonlyArray<readonly [ExitCode, string]> = [
  [exitCodes.success, 'success (for watch and start --watch: every job Completed)'],
  [exitCodes.refused, 'the API refused the request (its error is printed), or another error'],
  [exitCodes.usage, 'a usage error: unknown option, missing argument, unreadable file, format not told by the name'],
  [exitCodes.jobFailed, 'the job ended Failed'],
  [exitCodes.jobCancelled, 'the job ended Cancelled'],
  [exitCodes.unreachable, 'the API could not be reached, or the progress stream stayed lost after its reconnections'],
  [exitCodes.unauthorized, 'the API key is missing or wrong (401)'],
];

export const exitCodesHelp = `\nExit codes:\n${meanings.map(([code, meaning]) => `  ${code}  ${meaning}`).join('\n')}\n`;

/** The exit code a finished job's status stands for. */
export function exitCodeOfJob(status: ImportJobStatus): ExitCode {
  if (status === 'Completed') return exitCodes.success;
  return status === 'Cancelled' ? exitCodes.jobCancelled : exitCodes.jobFailed;
}
