import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';

/** SHA-256 of a UTF-8 string, as lowercase hex. */
export function sha256Hex(text: string): string {
  return bytesToHex(sha256(utf8ToBytes(text)));
}

/**
 * A pure function's results, kept in a bounded map (cleared when full): hashing block and
 * value ids is on the hot path, and the same few texts are hashed over and over.
 */
export function boundedMemo<K, V>(fn: (key: K) => V, limit = 100_000): (key: K) => V {
  const cache = new Map<K, V>();
  return (key) => {
    let v = cache.get(key);
    if (v === undefined) {
      if (cache.size >= limit) cache.clear();
      v = fn(key);
      cache.set(key, v);
    }
    return v;
  };
}

/** SHA-256 hex of `text`, memoised, cut to `length` hex digits (64 = the whole digest). */
export function memoDigest(length = 64): (text: string) => string {
  return boundedMemo((text: string) => sha256Hex(text).slice(0, length));
}
