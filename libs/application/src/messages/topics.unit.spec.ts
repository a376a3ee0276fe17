import { MessagingError } from '@import-jobs/messaging';
import { importJobTopics } from './topics';

describe('the topic names', () => {
  it('live under "import-jobs" by default', () => {
    expect(importJobTopics()).toEqual({
      commands: 'import-jobs.commands',
      commandRejections: 'import-jobs.commands.rejected',
      pieces: 'import-jobs.pieces',
      pieceResults: 'import-jobs.piece-results',
      jobEvents: 'import-jobs.job-events',
      deadLetters: 'import-jobs.dead-letters',
      pieceProgress: 'import-jobs.piece-progress',
    });
  });

  it('live under the prefix a deployment chooses', () => {
    expect(importJobTopics('staging_2.imports')).toMatchObject({ commands: 'staging_2.imports.commands', pieces: 'staging_2.imports.pieces' });
  });

  it.each([[''], ['with space'], ['slash/ed'], ['x'.repeat(240)]])('refuse the prefix %j, which Kafka would refuse', (prefix) => {
    expect(() => importJobTopics(prefix)).toThrow(MessagingError);
  });
});
