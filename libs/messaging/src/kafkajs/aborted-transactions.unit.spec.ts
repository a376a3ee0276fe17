// kafkajs's own read_committed filter, as patches/kafkajs+2.2.4.patch leaves it (npm ci applies it).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const filterAbortedMessages = require('kafkajs/src/consumer/filterAbortedMessages') as (batch: {
  messages: FetchedMessage[];
  abortedTransactions: { producerId: string; firstOffset: string }[];
}) => FetchedMessage[];

interface FetchedMessage {
  offset: string;
  key: Buffer | null;
  batchContext: { producerId: string; inTransaction: boolean };
}

const abortMarkerKey = Buffer.from([0, 0, 0, 0]);

function record(offset: number, producerId: string): FetchedMessage {
  return { offset: String(offset), key: Buffer.from(`k${offset}`), batchContext: { producerId, inTransaction: true } };
}

function abortMarker(offset: number, producerId: string): FetchedMessage {
  return { offset: String(offset), key: abortMarkerKey, batchContext: { producerId, inTransaction: true } };
}

describe("kafkajs's read_committed filter of aborted transactions", () => {
  it('drops the records of a transaction left open long, which the broker lists after shorter ones that began later', () => {
    // Producer 7 (a killed worker) began at 10 and was aborted only at 40, when the next holder of
    // its transactional id registered; producer 8 began at 20 and was aborted first, at 30. The
    // broker lists aborted transactions in the order of their abort: 8 before 7. Unpatched, kafkajs
    // took them in that order and handed out 7's records at 10 and 11 as committed.
    const messages = [record(10, '7'), record(11, '7'), record(12, '9'), record(20, '8'), record(21, '9'), abortMarker(30, '8'), record(31, '9'), abortMarker(40, '7'), record(41, '7')];
    const abortedTransactions = [
      { producerId: '8', firstOffset: '20' },
      { producerId: '7', firstOffset: '10' },
    ];

    const kept = filterAbortedMessages({ messages, abortedTransactions }).map(({ offset }) => offset);

    expect(kept).toEqual(['12', '21', '30', '31', '40', '41']);
  });

  it('drops the records of every aborted transaction that began before the first message fetched', () => {
    // The fetch starts inside both: producer 8's record comes first, though 7's transaction began first.
    const messages = [record(50, '8'), record(51, '7'), record(52, '9'), abortMarker(53, '7'), abortMarker(54, '8')];
    const abortedTransactions = [
      { producerId: '7', firstOffset: '10' },
      { producerId: '8', firstOffset: '20' },
    ];

    expect(filterAbortedMessages({ messages, abortedTransactions }).map(({ offset }) => offset)).toEqual(['52', '53', '54']);
  });
});
