import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { createSlots, sniffImageFormat } from './avatar-image.js';

describe('sniffImageFormat', () => {
  it.each([
    ['png', [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0]],
    ['jpeg', [0xff, 0xd8, 0xff, 0xe0]],
    ['webp', [...Buffer.from('RIFF'), 1, 2, 3, 4, ...Buffer.from('WEBPVP8 ')]],
    ['gif', [...Buffer.from('GIF89a'), 0]],
    ['gif', [...Buffer.from('GIF87a'), 0]],
  ])('knows %s by its signature', (format, bytes) => {
    expect(sniffImageFormat(Uint8Array.from(bytes))).toBe(format);
  });

  it.each([
    ['svg', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>')],
    ['svg with an XML declaration', Buffer.from('<?xml version="1.0"?><svg/>')],
    ['a RIFF that is not WebP', Buffer.from('RIFF\x00\x00\x00\x00WAVEfmt ', 'latin1')],
    ['a truncated PNG signature', Buffer.from([0x89, 0x50, 0x4e, 0x47])],
    ['nothing', Buffer.alloc(0)],
  ])('knows nothing in %s', (_what, bytes) => {
    expect(sniffImageFormat(bytes)).toBeUndefined();
  });
});

describe('createSlots', () => {
  it('runs at most `concurrency` at once, the rest in order, and refuses past `maxWaiting`', async () => {
    const withSlot = createSlots(2, 1);
    const releases: (() => void)[] = [];
    const started: number[] = [];
    const job = (n: number) =>
      withSlot(
        () =>
          new Promise<number>((resolve) => {
            started.push(n);
            releases.push(() => resolve(n));
          }),
      );
    const first = job(1);
    const second = job(2);
    const third = job(3);
    const refused = job(4).catch((error: unknown) => error);
    expect(await refused).toBeInstanceOf(AppError);
    expect(((await refused) as AppError).code).toBe('service_unavailable');
    await Promise.resolve();
    expect(started).toEqual([1, 2]);
    releases[0]?.();
    expect(await first).toBe(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual([1, 2, 3]);
    releases[1]?.();
    releases[2]?.();
    expect(await Promise.all([second, third])).toEqual([2, 3]);
    // Every slot is free again: two run at once without waiting.
    const more = [job(5), job(6)];
    await Promise.resolve();
    expect(started.slice(3)).toEqual([5, 6]);
    releases[3]?.();
    releases[4]?.();
    expect(await Promise.all(more)).toEqual([5, 6]);
  });
});
