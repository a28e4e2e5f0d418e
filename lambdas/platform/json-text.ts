/**
 * JSON text without its insignificant whitespace (RFC 8259 §2: space, tab, LF, CR between
 * tokens), every token kept byte for byte: strings with their escapes, numbers as spelled, keys in
 * their order. The input must be valid JSON (parse it first); this only drops whitespace.
 */
export function minifiedJson(text: string): string {
  let out = '';
  let start = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: the next character is escaped, whatever it is
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) {
      out += text.slice(start, i);
      start = i + 1;
    }
  }
  return out + text.slice(start);
}
