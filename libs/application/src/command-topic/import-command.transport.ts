import { BaseRpcContext, Server, type CustomTransportStrategy } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import { positionKey, quoted, quoteMessage, type IncomingMessage, type MessageConsumer, type Messaging } from '@import-jobs/messaging';
import { type ImportJobTopics } from '../messages';
import type { Log } from '../shared/log';
import { InvalidRequestError } from '../request-import/request-import.errors';
import { isRefusal } from '../shared/refusal';
import { AttemptLedger, isMarkedRetriable, retry, withBoundedAttempts } from '@import-jobs/retry';
import type { ApiKeys } from '../access/api-keys';
import { tenantFor } from '../access/tenant-access';
import { authorizationHeader, importCommandCodec, quotedFields, type CommandRejected } from './command-messages';

/** What a command handler learns of the Kafka message beside its payload. */
export class ImportCommandContext extends BaseRpcContext<[IncomingMessage, string]> {
  get message(): IncomingMessage {
    return this.getArgByIndex(0);
  }

  get tenantId(): string {
    return this.getArgByIndex(1);
  }
}

export interface ImportCommandTransportOptions {
  readonly messaging: Messaging;
  readonly topics: ImportJobTopics;
  readonly groupId: string;
  readonly defaultTenant: string;
  readonly keys: ApiKeys;
  readonly log: Log;
}

/**
 * A Nest microservice transport for the command topic, built on the project's messaging port (so
 * kafkajs stays behind it). Handlers are bound with `@EventPattern('<Type>.v<version>')`. Nothing
 * a producer sends can stop the consumer: a message that does not decode, names no known command,
 * or is refused by its handler becomes a `CommandRejected` on the rejections topic. An error
 * marked retriable (the event store down) is thrown, so that the message is delivered again.
 */
export class ImportCommandTransport extends Server implements CustomTransportStrategy {
  private consumer: MessageConsumer | undefined;
  private readonly attempts = new AttemptLedger();

  constructor(private readonly options: ImportCommandTransportOptions) {
    super();
  }

  async listen(callback: (error?: unknown) => void): Promise<void> {
    try {
      this.keepConsuming(await this.join());
      callback();
    } catch (error) {
      callback(error);
    }
  }

  /** A topic created a moment ago may have no leader yet: that passes, so joining is retried, each time with a fresh consumer. */
  private async join(): Promise<MessageConsumer> {
    const { messaging, topics, groupId } = this.options;
    return retry(
      async () => {
        const consumer = messaging.createConsumer({ groupId, autoCommit: true });
        try {
          await consumer.run({ topics: [topics.commands], fromBeginning: true, eachMessage: (message) => this.dispatchAtMostAFewTimes(message) });
          return consumer;
        } catch (error) {
          await consumer.stop().catch(() => undefined);
          throw error;
        }
      },
      { attempts: 10, baseDelayMs: 500, isRetriable: isMarkedRetriable },
    );
  }

  /** A consumer that crashed for good is replaced, so that commands never stop being taken. */
  private keepConsuming(consumer: MessageConsumer): void {
    this.consumer = consumer;
    consumer.finished.catch(async (error: unknown) => {
      if (this.consumer !== consumer) return;
      this.options.log.error('The command consumer crashed; joining the group again', { error: String(error) });
      try {
        this.keepConsuming(await this.join());
      } catch (joinError) {
        this.options.log.error('The command consumer could not join the group again', { error: String(joinError) });
      }
    });
  }

  async close(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = undefined;
    await consumer?.stop();
  }

  on(): never {
    throw new Error('The import command transport emits no events to listen to');
  }

  unwrap<T>(): T {
    return this.consumer as T;
  }

  /**
   * A command that keeps meeting faults (the event store away longer than its attempts allow, or a
   * fault only this command causes) is rejected in the end, so that the partition moves on.
   */
  private dispatchAtMostAFewTimes(message: IncomingMessage): Promise<void> {
    return withBoundedAttempts(
      positionKey(message),
      { ledger: this.attempts },
      () => this.dispatch(message),
      (error, attempts) => {
        this.options.log.error('Command given up', { error: String(error), attempts, partition: message.partition, offset: message.offset });
        return this.reject(message, { code: 'COMMAND_FAILED', reason: `the service could not handle this command in ${attempts} attempts` });
      },
    );
  }

  private async dispatch(message: IncomingMessage): Promise<void> {
    const decoded = importCommandCodec.decode(message.value);
    if (!decoded.ok) return this.reject(message, { code: `MESSAGE_${decoded.reason.toUpperCase().replace(/-/g, '_')}`, reason: quoted(decoded.detail) });
    const { type, version } = decoded.message;
    const handler = this.getHandlerByPattern(`${type}.v${version}`);
    if (!handler) return this.reject(message, { code: 'MESSAGE_UNKNOWN_TYPE', reason: quoted(`no handler for ${type} version ${version}`) });
    try {
      const tenantId = tenantFor(this.options.keys, this.options.defaultTenant, message.headers[authorizationHeader]);
      await lastValueFrom(this.transformToObservable(await handler(decoded.message, new ImportCommandContext([message, tenantId]))), {
        defaultValue: undefined,
      });
    } catch (error) {
      if (isMarkedRetriable(error)) throw error;
      if (!isRefusal(error)) {
        // A bug must not turn one message into a poison pill that blocks the partition forever.
        this.options.log.error('Command handler failed', { error: String(error), partition: message.partition, offset: message.offset });
        return this.reject(message, { code: 'COMMAND_FAILED', reason: 'the service could not handle this command' });
      }
      const fields = error instanceof InvalidRequestError ? quotedFields(error.problems) : undefined;
      await this.reject(message, { code: error.code, reason: quoted(error.message), ...(fields && { fields }) });
    }
  }

  private async reject(message: IncomingMessage, why: Pick<CommandRejected, 'code' | 'reason' | 'fields'>): Promise<void> {
    const rejection: CommandRejected = {
      type: 'CommandRejected',
      version: 1,
      ...why,
      command: quoteMessage(message),
      rejectedAt: new Date().toISOString(),
    };
    this.options.log.warn('Command rejected', { code: why.code, reason: why.reason, partition: message.partition, offset: message.offset });
    await this.options.messaging.producer.send([
      { topic: this.options.topics.commandRejections, key: message.key, value: JSON.stringify(rejection) },
    ]);
  }
}
