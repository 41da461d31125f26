'use strict';
// Healthy when the S3 endpoint answers HTTP at all (an unsigned request gets 403, which still proves it serves).
require('http')
  .get({ host: '127.0.0.1', port: Number(process.env.S3_PORT || 9000), path: '/', timeout: 8000 }, res => process.exit(res.statusCode < 500 ? 0 : 1))
  .on('error', () => process.exit(1))
  .on('timeout', () => process.exit(1));
