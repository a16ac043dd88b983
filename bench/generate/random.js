'use strict';

/**
 * A small seeded PRNG (mulberry32) with the helpers the generator needs. The same seed gives the
 * same catalog on every machine, so results of different runs describe the same data.
 */
function createRandom(seed) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min, max) => min + Math.floor(next() * (max - min + 1));
  const pick = items => items[Math.floor(next() * items.length)];
  const chance = p => next() < p;
  /** Picks a key of `weights` ({ key: weight }) in proportion to its weight. */
  const weighted = weights => {
    const entries = Object.entries(weights);
    const total = entries.reduce((sum, [, w]) => sum + w, 0);
    let roll = next() * total;
    for (const [key, weight] of entries) {
      roll -= weight;
      if (roll < 0) return key;
    }
    return entries[entries.length - 1][0];
  };
  const chars = (length, alphabet) => {
    let out = '';
    for (let i = 0; i < length; i++)
      out += alphabet[Math.floor(next() * alphabet.length)];
    return out;
  };
  /** k distinct items of `items` (k is capped at its length). */
  const sample = (items, k) => {
    const copy = [...items];
    const out = [];
    for (let i = 0; i < Math.min(k, copy.length); i++) {
      const j = i + Math.floor(next() * (copy.length - i));
      [copy[i], copy[j]] = [copy[j], copy[i]];
      out.push(copy[i]);
    }
    return out;
  };
  return { next, int, pick, chance, weighted, chars, sample };
}

const ALPHABETS = {
  upperDigits: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789',
  alnum: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789',
  lowerDigits: 'abcdefghijklmnopqrstuvwxyz0123456789',
  hex: '0123456789abcdef',
  base64: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/',
};

module.exports = { createRandom, ALPHABETS };
