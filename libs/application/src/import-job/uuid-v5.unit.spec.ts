import { uuidV5 } from './uuid-v5';

describe('uuidV5', () => {
  it('matches the RFC 9562 example for the DNS namespace', () => {
    // RFC 9562 appendix A.4: UUIDv5 of "www.example.com" in the DNS namespace.
    expect(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });

  it('gives the same id for the same name and different ids for different names', () => {
    expect(uuidV5('job-1/terminal')).toBe(uuidV5('job-1/terminal'));
    expect(uuidV5('job-1/terminal')).not.toBe(uuidV5('job-2/terminal'));
  });
});
