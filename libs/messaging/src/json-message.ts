/**
 * The envelope of every JSON message that leaves the service: the message's type, and the version of
 * that type's shape. The version is there from the first message on, so that a consumer can tell a
 * shape it knows from one it does not and upcast old ones, instead of guessing from the fields.
 */
export interface VersionedJsonMessage {
  readonly type: string;
  readonly version: number;
}

export type JsonObject = { readonly [field: string]: unknown };

/**
 * One shape check per type and version of `Message`, keyed like `'PieceCompleted.v1'`. The codec has
 * already checked `type` and `version` when a check runs; the check looks at the other fields.
 * Being a mapped type, it makes the compiler insist on a check for every member of the union.
 */
export type ShapeChecks<Message extends VersionedJsonMessage> = {
  readonly [Member in Message as `${Member['type']}.v${Member['version']}`]: (candidate: JsonObject) => boolean;
};

export type DecodeFailureReason =
  | 'empty'
  | 'not-json'
  | 'not-an-object'
  | 'missing-type'
  | 'unknown-type'
  | 'missing-version'
  | 'unknown-version'
  | 'invalid-shape';

/** Decoding never throws: whatever arrives on a topic, the consumer gets a value it can act on. */
export type DecodeResult<Message> =
  | { readonly ok: true; readonly message: Message }
  | { readonly ok: false; readonly reason: DecodeFailureReason; readonly detail: string };

export interface JsonMessageCodec<Message extends VersionedJsonMessage> {
  encode(message: Message): string;
  decode(value: Buffer | string | null): DecodeResult<Message>;
}

// Fatal, because Buffer#toString would silently turn invalid UTF-8 into U+FFFD and let a corrupt
// message pass as a valid one. It also drops a leading byte order mark, which JSON.parse rejects.
const utf8 = new TextDecoder('utf-8', { fatal: true });
const byteOrderMark = '\uFEFF';

export function jsonMessageCodec<Message extends VersionedJsonMessage>(shapeChecks: ShapeChecks<Message>): JsonMessageCodec<Message> {
  const checks = new Map<string, (candidate: JsonObject) => boolean>(Object.entries(shapeChecks));
  const versionsByType = new Map<string, number[]>();
  for (const key of checks.keys()) {
    const separator = key.lastIndexOf('.v');
    const type = key.slice(0, separator);
    versionsByType.set(type, [...(versionsByType.get(type) ?? []), Number(key.slice(separator + 2))]);
  }

  const decode = (value: Buffer | string | null): DecodeResult<Message> => {
    if (value === null) return failure('empty', 'the message has no value');
    const text = typeof value === 'string' ? withoutByteOrderMark(value) : decodeUtf8(value);
    if (text === undefined) return failure('not-json', 'the value is not valid UTF-8');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text, withoutProtoKeys);
    } catch (error) {
      return failure('not-json', (error as Error).message);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      return failure('not-an-object', `the value is ${describeJsonValue(parsed)}, not an object`);
    }
    const candidate = parsed as JsonObject;
    const { type, version } = candidate;
    if (typeof type !== 'string' || type === '') return failure('missing-type', 'the object has no "type" string');
    const knownVersions = versionsByType.get(type);
    if (!knownVersions) return failure('unknown-type', `no message of type ${JSON.stringify(type)} is known here`);
    if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1) {
      return failure('missing-version', `${type} has no "version" that is a positive integer`);
    }
    const hasShape = checks.get(`${type}.v${version}`);
    if (!hasShape) return failure('unknown-version', `${type} version ${version} is not known here (known: ${knownVersions.join(', ')})`);
    if (!hasShape(candidate)) return failure('invalid-shape', `the fields do not match ${type} version ${version}`);
    return { ok: true, message: candidate as unknown as Message };
  };

  return { encode: (message) => JSON.stringify(message), decode };
}

function failure(reason: DecodeFailureReason, detail: string): DecodeResult<never> {
  return { ok: false, reason, detail };
}

function describeJsonValue(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}

function decodeUtf8(bytes: Buffer): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

function withoutByteOrderMark(text: string): string {
  return text.startsWith(byteOrderMark) ? text.slice(1) : text;
}

// A parsed "__proto__" is a harmless own property until someone spreads or assigns the message into
// another object; dropping it here keeps that mistake from ever being possible downstream.
function withoutProtoKeys(key: string, value: unknown): unknown {
  return key === '__proto__' ? undefined : value;
}
