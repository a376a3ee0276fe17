import { KafkaJSConnectionError, KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded } from 'kafkajs';
import { MessagingError } from '../messaging-error';
import { fromKafkajsError, toKafkajsError } from './errors';

describe('kafkajs errors in the project terms', () => {
  it('keep the retriable flag kafkajs gave them', () => {
    expect(fromKafkajsError(new KafkaJSConnectionError('connection refused'), 'send')).toMatchObject({ retriable: true });
    expect(fromKafkajsError(new KafkaJSNonRetriableError('invalid topic'), 'send')).toMatchObject({ retriable: false });
  });

  it('count as retriable when kafkajs only ran out of retries', () => {
    const exhausted = new KafkaJSNumberOfRetriesExceeded(new KafkaJSConnectionError('connection refused'), { retryCount: 5, retryTime: 1000 });

    expect(fromKafkajsError(exhausted, 'send')).toMatchObject({ retriable: true });
  });

  it('are not retriable when they are not from kafkajs at all', () => {
    expect(fromKafkajsError(new TypeError('undefined is not a function'), 'send')).toMatchObject({ retriable: false });
  });

  it('say what failed and keep the original as the cause', () => {
    const original = new KafkaJSConnectionError('connection refused');
    const translated = fromKafkajsError(original, 'send 3 message(s)');

    expect(translated).toBeInstanceOf(MessagingError);
    expect(translated.message).toBe('Failed to send 3 message(s): connection refused');
    expect(translated.cause).toBe(original);
  });

  it('go back to kafkajs as kafkajs raised them, so that it can react to its own errors', () => {
    const original = new KafkaJSConnectionError('connection refused');
    const handlerError = new Error('a bad row');

    expect(toKafkajsError(fromKafkajsError(original, 'heartbeat'))).toBe(original);
    expect(toKafkajsError(handlerError)).toBe(handlerError);
  });
});
