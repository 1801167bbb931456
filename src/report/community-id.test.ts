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

test('cached address bytes give the same id on every call, in any order of calls', () => {
  // the addresses' bytes are cached and the hash input is assembled in one shared buffer: an IPv6
  // pair hashed between two IPv4 calls must not leave bytes behind that change the IPv4 id
  const v4 = (): string | null => communityId('192.168.1.52', '8.8.8.8', 17, 54585, 53);
  assert.equal(v4(), '1:d/FP5EW3wiY1vCndhwleRRKHowQ=');
  const v6 = communityId('fe80::200:86ff:fe05:80da', 'fe80::260:97ff:fe07:69ea', 58, 135, 136);
  assert.equal(v4(), '1:d/FP5EW3wiY1vCndhwleRRKHowQ=');
  assert.equal(communityId('fe80::200:86ff:fe05:80da', 'fe80::260:97ff:fe07:69ea', 58, 135, 136), v6);
  // an IPv4 and an IPv6 address never make a flow
  assert.equal(communityId('192.168.1.52', 'fe80::1', 6, 1, 2), null);
  // a protocol without ports hashes no port bytes, whatever ports are given
  assert.equal(communityId('10.0.0.1', '10.0.0.2', 47, 1, 2), communityId('10.0.0.1', '10.0.0.2', 47, 3, 4));
});
