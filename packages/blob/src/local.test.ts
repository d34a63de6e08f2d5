import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PermanentError } from '@switchboard/errors';
import { createLocalBlobStore } from './local.ts';

let dir: string;
beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'blobs-')); });
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('createLocalBlobStore', () => {
  it('stores bytes under their sha256 and returns them with their metadata', async () => {
    const store = createLocalBlobStore({ dir, maxBytes: 1024 });
    const bytes = Buffer.from('hello, ciële');
    const sha = createHash('sha256').update(bytes).digest('hex');
    const stored = await store.put(bytes, { contentType: 'text/plain', fileName: 'ciële.txt' });
    expect(stored).toEqual({ key: sha, size: bytes.length, sha256: sha });
    expect((await stat(join(dir, sha.slice(0, 2), sha.slice(2, 4), sha))).size).toBe(bytes.length);
    expect(await store.get(sha)).toEqual({ bytes, contentType: 'text/plain', fileName: 'ciële.txt' });
  });

  it('dedupes identical bytes and leaves no temp files behind', async () => {
    const store = createLocalBlobStore({ dir, maxBytes: 1024 });
    const a = await store.put(Buffer.from('same'), { contentType: 'text/plain' });
    const b = await store.put(Buffer.from('same'), { contentType: 'text/plain' });
    expect(a.key).toBe(b.key);
    const files = await readdir(join(dir, a.key.slice(0, 2), a.key.slice(2, 4)));
    expect(files.sort()).toEqual([a.key, `${a.key}.json`]);
  });

  it('refuses a blob over the limit with a permanent error', async () => {
    const store = createLocalBlobStore({ dir, maxBytes: 4 });
    const put = store.put(Buffer.from('12345'), { contentType: 'text/plain' });
    await expect(put).rejects.toBeInstanceOf(PermanentError);
    await expect(store.put(Buffer.from('12345'), { contentType: 'text/plain' })).rejects.toMatchObject({ code: 'attachment_too_large' });
  });

  it('returns undefined for unknown and malformed keys', async () => {
    const store = createLocalBlobStore({ dir, maxBytes: 4 });
    expect(await store.get('0'.repeat(64))).toBeUndefined();
    expect(await store.get('../../etc/passwd')).toBeUndefined();
  });
});
