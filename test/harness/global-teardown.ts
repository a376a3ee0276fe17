import { loadHarnessState } from './harness-state';

export default async function globalTeardown(): Promise<void> {
  const results = await Promise.allSettled((loadHarnessState().started ?? []).map((server) => server.stop()));
  const failure = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failure) throw failure.reason;
}
