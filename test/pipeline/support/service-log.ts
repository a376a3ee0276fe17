import { Logger, type LoggerService } from '@nestjs/common';

/**
 * Everything the apps of one test file log, kept instead of printed: a run of several apps would
 * bury jest's report under Kafka's rebalance chatter. Waits that time out quote the last warnings
 * and errors; PIPELINE_TEST_LOG=1 prints every line as it comes.
 */
export class ServiceLog implements LoggerService {
  readonly lines: string[] = [];
  /** The service's structured log entries, as pino wrote them. */
  readonly entries: Array<Record<string, unknown>> = [];

  /** Routes Nest's static logger, which every `new Logger(context)` of the service delegates to, here. */
  static capture(): ServiceLog {
    const log = new ServiceLog();
    Logger.overrideLogger(log);
    return log;
  }

  log(message: unknown, ...context: unknown[]): void {
    this.add('log', message, context);
  }

  warn(message: unknown, ...context: unknown[]): void {
    this.add('warn', message, context);
  }

  error(message: unknown, ...context: unknown[]): void {
    this.add('error', message, context);
  }

  debug(message: unknown, ...context: unknown[]): void {
    this.add('debug', message, context);
  }

  verbose(message: unknown, ...context: unknown[]): void {
    this.add('verbose', message, context);
  }

  /** pino's destination: the service's JSON lines, kept in the same form as Nest's. */
  write(json: string): void {
    const entry = JSON.parse(json) as Record<string, unknown>;
    this.entries.push(entry);
    const { level, msg, time: _time, pid: _pid, hostname: _hostname, ...fields } = entry;
    const name = Number(level) >= 50 ? 'error' : Number(level) >= 40 ? 'warn' : Number(level) >= 30 ? 'log' : 'debug';
    this.add(name, msg, Object.keys(fields).length > 0 ? [fields] : []);
  }

  /** The last warnings and errors, to explain a wait that timed out. */
  recentProblems(count = 15): string {
    const problems = this.lines.filter((line) => line.startsWith('warn') || line.startsWith('error')).slice(-count);
    return problems.length === 0 ? '(the service logged no warning or error)' : problems.join('\n');
  }

  private add(level: string, message: unknown, context: unknown[]): void {
    const text = message instanceof Error ? (message.stack ?? message.message) : String(message);
    const line = `${level} ${text}${context.length > 0 ? ` ${JSON.stringify(context)}` : ''}`;
    this.lines.push(line);
    if (process.env.PIPELINE_TEST_LOG) console.log(line);
  }
}
