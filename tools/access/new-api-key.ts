import { randomBytes } from 'node:crypto';
import { sha256Of } from '@import-jobs/application/access/api-keys';

/** Makes a new API key for a tenant: the key for the client, the hashed entry for configuration. */
const tenant = process.argv[2];
if (!tenant || !/^[A-Za-z0-9._-]{1,64}$/.test(tenant)) {
  console.error('Usage: npm run api-key -- <tenant>   (1-64 of A-Z a-z 0-9 . _ -)');
  process.exitCode = 2;
} else {
  const key = `ijk_${randomBytes(24).toString('base64url')}`;
  console.log(`key (give it to the client; it is not stored):  ${key}`);
  console.log(`entry (add it to API_KEYS or API_KEYS_FILE):     ${tenant}:${sha256Of(key).toString('hex')}`);
}
