import { jsonMessageCodec, type IncomingMessage, type JsonObject } from '@import-jobs/messaging';

/**
 * Commands on the command topic. A `RequestImport` carries the same fields as the body of
 * `POST /v1/imports` beside its `type` and `version`; the handler checks them as it checks HTTP.
 */
export type RequestImportMessage = { readonly type: 'RequestImport'; readonly version: 1 } & JsonObject;
export type CancelImportMessage = { readonly type: 'CancelImport'; readonly version: 1; readonly jobId: string; readonly reason?: string };
export type ImportCommandMessage = RequestImportMessage | CancelImportMessage;

export const importCommandCodec = jsonMessageCodec<ImportCommandMessage>({
  'RequestImport.v1': () => true,
  'CancelImport.v1': ({ jobId, reason }) =>
    typeof jobId === 'string' && jobId !== '' && (reason === undefined || (typeof reason === 'string' && reason.length <= 1000)),
});

/** Why a command was refused, with the message itself, so that its producer can act on it. */
export interface CommandRejected {
  readonly type: 'CommandRejected';
  readonly version: 1;
  readonly code: string;
  readonly reason: string;
  readonly fields?: ReadonlyArray<{ readonly field: string; readonly message: string }>;
  readonly command: {
    readonly topic: string;
    readonly partition: number;
    readonly offset: string;
    readonly key: string | null;
    /** The value as sent: UTF-8 text when it is text, base64 otherwise. */
    readonly value: string | null;
    readonly valueEncoding: 'utf8' | 'base64';
    readonly headers: Readonly<Record<string, string>>;
  };
  readonly rejectedAt: string;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function describeCommand(message: IncomingMessage): CommandRejected['command'] {
  const { topic, partition, offset, key, headers } = message;
  if (message.value === null) return { topic, partition, offset, key, value: null, valueEncoding: 'utf8', headers };
  try {
    return { topic, partition, offset, key, value: utf8.decode(message.value), valueEncoding: 'utf8', headers };
  } catch {
    return { topic, partition, offset, key, value: message.value.toString('base64'), valueEncoding: 'base64', headers };
  }
}

/** A command's API key, as HTTP sends it: `Bearer <key>` or `Token <key>`; it names the tenant. */
export const authorizationHeader = 'authorization';
