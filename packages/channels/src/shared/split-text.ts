/**
 * Splits `text` into chunks of at most `max` UTF-16 code units, in order. Prefers to break after
 * a newline, then after whitespace, in the second half of a chunk; never splits a surrogate pair.
 * Counting UTF-16 units is the strict reading of a platform's "characters": a chunk that fits in
 * UTF-16 units also fits in code points.
 */
export function splitText(text: string, max: number): string[] {
  if (max < 2) throw new RangeError('max must be at least 2');
  const chunks: string[] = [];
  let rest = text;
  while (rest.length > max) {
    const cut = breakPoint(rest, max);
    chunks.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  if (rest.length > 0) chunks.push(rest);
  // a whitespace-only message is rejected by most platforms ("text must be non-empty")
  return chunks.filter((chunk) => chunk.trim().length > 0);
}

function breakPoint(text: string, max: number): number {
  const window = text.slice(0, max);
  const floor = Math.floor(max / 2);
  const newline = window.lastIndexOf('\n');
  if (newline >= floor) return newline + 1;
  const space = Math.max(window.lastIndexOf(' '), window.lastIndexOf('\t'));
  if (space >= floor) return space + 1;
  const code = text.charCodeAt(max - 1);
  const highSurrogate = code >= 0xd800 && code <= 0xdbff;
  return highSurrogate ? max - 1 : max;
}
