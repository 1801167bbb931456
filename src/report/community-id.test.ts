import { test } from 'node:test';
import assert from 'node:assert/strict';
import { communityId } from './community-id.js';

// Reference values from the Community ID specification's test vectors (baseline pcaps).
test('Community ID v1 matches the specification examples', () => {
  assert.equal(communityId('128.232.110.120', '66.35.250.204', 6, 34855, 80), '1:LQU9qZlK+B5F3KDmev6m5PMibrg=');
  // either direction hashes alike
  assert.equal(communityId('66.35.250.204', '128.232.110.120', 6, 80, 34855), '1:LQU9qZlK+B5F3KDmev6m5PMibrg=');
  assert.equal(communityId('192.168.1.52', '8.8.8.8', 17, 54585, 53), '1:d/FP5EW3wiY1vCndhwleRRKHowQ=');
});

test('IPv6 addresses are hashed as 16 bytes', () => {
  const id = communityId('fe80::200:86ff:fe05:80da', 'fe80::260:97ff:fe07:69ea', 58, 135, 136);
  assert.match(id!, /^1:[A-Za-z0-9+/]{27}=$/);
  assert.equal(communityId('not-an-ip', '1.2.3.4', 6, 1, 2), null);
});
