/**
 * Interning of short ASCII/UTF-8 labels read from byte buffers. Streams repeat the same
 * few workload and phase names on every line, so a hit costs a byte comparison and no
 * allocation; a miss decodes the bytes once.
 */
export class NameCache {
  private readonly bytes: Uint8Array[] = [];
  private readonly strings: string[] = [];
  private next = 0;

  constructor(private readonly capacity = 8) {}

  /** The string for `buf[start, end)`, decoded as UTF-8 on a miss. */
  get(buf: Uint8Array, start: number, end: number): string {
    const len = end - start;
    const n = this.bytes.length;
    for (let i = 0; i < n; i++) {
      const b = this.bytes[i] as Uint8Array;
      if (b.length !== len) continue;
      let j = 0;
      while (j < len && b[j] === buf[start + j]) j++;
      if (j === len) return this.strings[i] as string;
    }
    const copy = buf.slice(start, end);
    const str = Buffer.from(copy.buffer, copy.byteOffset, copy.byteLength).toString('utf8');
    if (n < this.capacity) {
      this.bytes.push(copy);
      this.strings.push(str);
    } else {
      this.bytes[this.next] = copy;
      this.strings[this.next] = str;
      this.next = (this.next + 1) % this.capacity;
    }
    return str;
  }
}
