import { jsonMessageCodec, quoted, type JsonObject, type QuotedMessage } from '@import-jobs/messaging';

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
  /** The command as sent, bounded, without its credentials. */
  readonly command: QuotedMessage;
  readonly rejectedAt: string;
}

/** A command's API key, as HTTP sends it: `Bearer <key>` or `Token <key>`; it names the tenant. */
export const authorizationHeader = 'authorization';

const maxQuotedFields = 50;

/** The problems a rejection names, bounded like the command it quotes. */
export function quotedFields(fields: ReadonlyArray<{ readonly field: string; readonly message: string }>): CommandRejected['fields'] {
  return fields.slice(0, maxQuotedFields).map(({ field, message }) => ({ field: quoted(field), message: quoted(message) }));
}
