'use strict';
// Development S3 endpoint (s3rver). It enforces request signatures, so the stack's configured keys replace
// s3rver's built-in S3RVER/S3RVER pair. Production points S3_ENDPOINT_URL at MinIO or S3 instead.
const S3rver = require('s3rver');
const Account = require('s3rver/lib/models/account');

const fs = require('fs');

// A secret from the file NAME_FILE names (compose secrets), else NAME itself.
function secret(name) {
  const file = process.env[`${name}_FILE`];
  return file ? fs.readFileSync(file, 'utf8').replace(/[\r\n]+$/, '') : process.env[name];
}

const accessKey = process.env.S3_ACCESS_KEY_ID;
const secretKey = secret('S3_SECRET_ACCESS_KEY');
if (!accessKey || !secretKey) {
  console.error('objectstore: S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY (or S3_SECRET_ACCESS_KEY_FILE) must be set');
  process.exit(1);
}
Account.DUMMY_ACCOUNT.revokeAccessKey('S3RVER');
Account.DUMMY_ACCOUNT.createKeyPair(accessKey, secretKey);

const server = new S3rver({
  address: '0.0.0.0',
  port: Number(process.env.S3_PORT || 9000),
  directory: process.env.S3_DATA_DIR || '/data',
  silent: process.env.S3_QUIET === '1',
  vhostBuckets: false,
});

server.run().then(({ address, port }) => console.log(`objectstore: listening on ${address}:${port}`));

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => server.close().then(() => process.exit(0)));
}
