import { MessagingError } from '../messaging-error';
import { fromKafkajsError } from './errors';

interface Connectable {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
}

/**
 * A kafkajs client connected on first use, so that building the messaging object needs no broker.
 * A failed connection is forgotten and tried again by the next call.
 */
export class LazyConnection<Client extends Connectable> {
  private connected: Promise<Client> | undefined;
  private closed = false;

  constructor(
    private readonly what: string,
    private readonly create: () => Client,
  ) {}

  get(): Promise<Client> {
    if (this.closed) return Promise.reject(new MessagingError(`The ${this.what} is closed`, false));
    this.connected ??= this.connect();
    return this.connected;
  }

  async close(): Promise<void> {
    this.closed = true;
    const connected = this.connected;
    this.connected = undefined;
    const client = await connected?.catch(() => undefined);
    await client?.disconnect();
  }

  private async connect(): Promise<Client> {
    const client = this.create();
    try {
      await client.connect();
      return client;
    } catch (error) {
      this.connected = undefined;
      await client.disconnect().catch(() => undefined);
      throw fromKafkajsError(error, `connect the ${this.what}`);
    }
  }
}
