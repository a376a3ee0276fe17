import { runInNewContext } from 'node:vm';
import { EventStoreUnavailableError } from '../errors';
import { translatePostgresError, uniqueViolationKey } from './postgresql-errors';

describe('PostgreSQL error translation', () => {
  it.each([
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })],
    ['a connection exception', Object.assign(new Error('connection failure'), { code: '08006' })],
    ['a server shutting down', Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' })],
    ['a dropped socket', new Error('Connection terminated unexpectedly')],
    ['an error from another realm, as socket errors are under jest', runInNewContext("Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })")],
  ])('reports %s as retriable unavailability', (_, error) => {
    const translated = translatePostgresError(error);

    expect(translated).toBeInstanceOf(EventStoreUnavailableError);
    expect(translated).toMatchObject({ retriable: true, cause: error });
  });

  it('passes other errors through untouched', () => {
    const syntax = Object.assign(new Error('syntax error'), { code: '42601' });

    expect(translatePostgresError(syntax)).toBe(syntax);
  });

  it('names the clashing key of a unique violation of the given constraint only', () => {
    const violation = Object.assign(new Error('duplicate key'), {
      code: '23505',
      constraint: 'events_event_id_key',
      detail: 'Key (event_id)=(6f1c2b7e-3a4d-4e5f-8a9b-0c1d2e3f4a5b) already exists.',
    });

    expect(uniqueViolationKey(violation, 'events_event_id_key')).toBe('6f1c2b7e-3a4d-4e5f-8a9b-0c1d2e3f4a5b');
    expect(uniqueViolationKey(violation, 'another_key')).toBeUndefined();
  });
});
