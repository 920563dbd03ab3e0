// The avatar pipeline: an uploaded picture in, our own 256×256 WebP out. What is stored and
// served is never the upload's bytes, so nothing a person puts in a file (a script, EXIF and GPS
// data, a polyglot, a crafted chunk for some other decoder) reaches anyone who looks at it.
// docs/security.md "Avatars" says why each step is here.
import { AVATAR_SIZE } from '@messenger/protocol';
import { createHash } from 'node:crypto';
import sharp, { type Metadata } from 'sharp';
import { AppError, errors } from '../errors.js';

/**
 * Input pixels decoded at most: 6000×4000, a camera photo. A PNG of a few KB can declare 100,000
 * squared pixels (a decompression bomb); this is checked against the header before any decoding,
 * and libvips enforces it again while it decodes.
 */
export const MAX_AVATAR_INPUT_PIXELS = 24_000_000;
/** A decode that takes longer than this is abandoned (libvips checks it as it goes). */
const DECODE_TIMEOUT_SECONDS = 10;
/**
 * Pictures decoded at once in this process; the rest wait. Each decode can hold ~100 MB of
 * pixels at the limit above and keeps a core busy, so a burst of uploads queues instead of
 * exhausting memory or starving message delivery.
 */
const MAX_CONCURRENT_DECODES = 2;
/** Uploads waiting for a decode at most (each holds its body, up to 2 MiB); more are told to retry. */
const MAX_WAITING_DECODES = 32;

type Format = 'png' | 'jpeg' | 'webp' | 'gif';

// libvips picks a loader by sniffing the bytes, and it has loaders for SVG (librsvg), PDF, TIFF,
// HEIF, JPEG 2000 and more, each a parser of untrusted input. sharp runs in this process for
// avatars alone, so every loader but the four we accept is switched off for the whole process:
// an SVG is refused by libvips itself, whatever checks above it might miss.
sharp.block({ operation: ['VipsForeignLoad'] });
sharp.unblock({ operation: ['VipsForeignLoadPngBuffer', 'VipsForeignLoadJpegBuffer', 'VipsForeignLoadWebpBuffer', 'VipsForeignLoadNsgifBuffer'] });
// libvips caches operations and their pixels for reuse; no picture is ever processed twice here,
// so the cache would only hold people's pictures in memory after the request.
sharp.cache(false);

/** The format by its signature (magic bytes), whatever the Content-Type claimed. */
export function sniffImageFormat(bytes: Uint8Array): Format | undefined {
  const ascii = (start: number, end: number) => Buffer.from(bytes.subarray(start, end)).toString('latin1');
  if (bytes.length >= 8 && ascii(0, 8) === '\x89PNG\r\n\x1a\n') return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (bytes.length >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'webp';
  if (bytes.length >= 6 && (ascii(0, 6) === 'GIF87a' || ascii(0, 6) === 'GIF89a')) return 'gif';
  return undefined;
}

const unsupported = () =>
  new AppError('unsupported_image', 'The picture must be a PNG, JPEG, WebP or GIF file (judged by its contents; SVG is never accepted).');
const undecodable = () => new AppError('invalid_image', 'The picture could not be read: the file is damaged or not what it claims to be.');

/**
 * Runs work at most `concurrency` at a time, the rest in arrival order; past `maxWaiting` waiting,
 * refuses at once with 503 service_unavailable (and Retry-After) instead of queueing without end.
 */
export function createSlots(concurrency: number, maxWaiting: number) {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async function withSlot<T>(work: () => Promise<T>): Promise<T> {
    if (running >= concurrency) {
      if (waiting.length >= maxWaiting) throw errors.serviceUnavailable('Too many pictures are being processed right now; retry in a few seconds.');
      await new Promise<void>((resolve) => waiting.push(resolve));
    } else running++;
    try {
      return await work();
    } finally {
      // The slot passes straight to the next waiter, so `running` counts it throughout.
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}

const withDecodeSlot = createSlots(MAX_CONCURRENT_DECODES, MAX_WAITING_DECODES);

export interface AvatarImage {
  /** image/webp bytes, AVATAR_SIZE square, with no metadata. */
  image: Buffer;
  /** 16 hex digits of the SHA-256 of `image`: its version and ETag. */
  hash: string;
}

/**
 * Decodes `input` (PNG, JPEG, WebP or GIF by its bytes; the first frame of an animation), turns
 * it upright by its EXIF orientation, crops the middle square, scales it to AVATAR_SIZE and
 * encodes a WebP without metadata: EXIF, GPS, XMP and ICC profiles are all dropped (pixels are
 * converted to sRGB first). Throws unsupported_image or invalid_image (AppError).
 */
export async function toAvatar(input: Buffer): Promise<AvatarImage> {
  const format = sniffImageFormat(input);
  if (!format) throw unsupported();
  return withDecodeSlot(async () => {
    const options = { limitInputPixels: MAX_AVATAR_INPUT_PIXELS, failOn: 'error' as const };
    let metadata: Metadata;
    try {
      // The header only: no pixels are decoded yet, so the size is read without the limit, to
      // refuse an oversized picture with its size rather than a generic "could not be read".
      metadata = await sharp(input, { ...options, limitInputPixels: false }).metadata();
    } catch {
      throw undecodable();
    }
    // libvips sniffed the same bytes; a disagreement means a file built to look like two things.
    if (metadata.format !== format) throw unsupported();
    const { width = 0, height = 0 } = metadata;
    if (width * height > MAX_AVATAR_INPUT_PIXELS) {
      throw new AppError('invalid_image', `The picture is ${width}×${height} pixels; at most ${MAX_AVATAR_INPUT_PIXELS / 1_000_000} million pixels are accepted.`);
    }
    let image: Buffer;
    try {
      image = await sharp(input, options)
        .timeout({ seconds: DECODE_TIMEOUT_SECONDS })
        .autoOrient()
        .resize(AVATAR_SIZE, AVATAR_SIZE, { fit: 'cover', position: 'centre' })
        .webp({ quality: 82 })
        .toBuffer();
    } catch {
      throw undecodable();
    }
    return { image, hash: createHash('sha256').update(image).digest('hex').slice(0, 16) };
  });
}
