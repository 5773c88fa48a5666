import { StringDecoder } from 'node:string_decoder';

/** Called once per line with its fields (`null` for `\N`); the array is reused for the next line. */
export type CopyLineHandler = (fields: (string | null)[]) => void;

const ESCAPES: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\' };
const ESCAPE = /\\(?:([0-7]{1,3})|x([0-9a-fA-F]{1,2})|(.))/gs;

/** A field of COPY's text format with its backslash escapes undone. */
export function unescapeCopy(s: string): string {
  if (s.indexOf('\\') === -1) return s; // UUIDs, numbers, timestamps, most text: no copy
  return s.replace(ESCAPE, (_m, oct: string | undefined, hex: string | undefined, ch: string) =>
    oct !== undefined ? String.fromCharCode(parseInt(oct, 8)) : hex !== undefined ? String.fromCharCode(parseInt(hex, 16)) : (ESCAPES[ch] ?? ch),
  );
}

/**
 * Splits the output of a `COPY … TO STDOUT` (text format) into lines and fields as chunks arrive,
 * without holding more than one chunk: chunks may end anywhere, even inside a UTF-8 character.
 * One array of fields is reused for every line, so a line costs no allocation beyond its values.
 */
export class CopyTextReader {
  private readonly decoder = new StringDecoder('utf8');
  private rest = '';
  private readonly fields: (string | null)[];

  constructor(
    readonly width: number,
    private readonly onLine: CopyLineHandler,
  ) {
    this.fields = new Array<string | null>(width).fill(null);
  }

  push(chunk: Buffer): void {
    const text = this.rest + this.decoder.write(chunk);
    let start = 0;
    for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
      this.line(text, start, end);
      start = end + 1;
    }
    this.rest = text.slice(start);
  }

  /** Checks that the stream ended at the end of a line. */
  end(): void {
    const tail = this.rest + this.decoder.end();
    if (tail.length > 0) throw new Error(`COPY output ended inside a line (${tail.length} characters left)`);
  }

  private line(text: string, start: number, end: number): void {
    const f = this.fields;
    const last = this.width - 1;
    let from = start;
    for (let i = 0; i < last; i++) {
      const to = text.indexOf('\t', from);
      if (to === -1 || to > end) throw new Error(`COPY output has a line with fewer than ${this.width} fields`);
      f[i] = field(text.slice(from, to));
      from = to + 1;
    }
    const raw = text.slice(from, end);
    if (raw.indexOf('\t') !== -1) throw new Error(`COPY output has a line with more than ${this.width} fields`);
    f[last] = field(raw);
    this.onLine(f);
  }
}

function field(raw: string): string | null {
  return raw === '\\N' ? null : unescapeCopy(raw);
}
