import { StringDecoder } from "node:string_decoder";

/** Longest line kept, in characters: the rest of an over-long line is dropped, not buffered. */
export const MAX_LINE_LENGTH = 4096;

// Big chunks are cut into pieces this size. A line kept from a piece (by the ring of recent
// lines) keeps the whole piece alive; small pieces keep that cheap, and keep V8 from growing
// its young generation for survivors on a long log.
const PIECE = 16 * 1024;

/** Counts from one pass over a stream. */
export type LineStats = { lines: number; bytes: number; cutLines: number };

/** Receives chunks of a log and calls back once per line; `end` flushes the last line. */
export type LineSplitter = {
  write: (chunk: string | Uint8Array) => void;
  end: () => LineStats;
};

/**
 * Splits a log into lines in bounded memory: invalid UTF-8 becomes U+FFFD, `\n`, `\r\n`
 * and a lone `\r` (progress bars, Travis fold markers) all end a line, and a line longer
 * than {@link MAX_LINE_LENGTH} is cut however long it runs without a newline. `onLine`
 * receives each line once; `cut` says it was truncated.
 */
export function createLineSplitter(onLine: (line: string, cut: boolean) => void): LineSplitter {
  const decoder = new StringDecoder("utf8");
  const stats: LineStats = { lines: 0, bytes: 0, cutLines: 0 };
  let carry = "";
  let overlong = false; // dropping the rest of a line that already reached the cap
  let afterCr = false; // the previous piece ended on `\r`, so a leading `\n` is its `\r\n`

  const emit = (line: string, cut: boolean) => {
    stats.lines++;
    if (cut) stats.cutLines++;
    onLine(line, cut);
  };

  const feed = (text: string) => {
    if (text === "") return;
    let start = afterCr && text.charCodeAt(0) === 10 ? 1 : 0;
    afterCr = false;
    let lf = text.indexOf("\n", start);
    let cr = text.indexOf("\r", start);
    while (lf >= 0 || cr >= 0) {
      const end = cr < 0 || (lf >= 0 && lf < cr) ? lf : cr;
      if (overlong) overlong = false;
      else {
        const line = carry === "" ? text.slice(start, end) : carry + text.slice(start, end);
        carry = "";
        if (line.length > MAX_LINE_LENGTH) emit(line.slice(0, MAX_LINE_LENGTH), true);
        else emit(line, false);
      }
      start = end + 1;
      if (end === cr) {
        if (start === text.length) afterCr = true;
        else if (text.charCodeAt(start) === 10) start++; // `\r\n` is one break, not two
        cr = text.indexOf("\r", start);
      }
      if (lf >= 0 && lf < start) lf = text.indexOf("\n", start);
    }
    if (overlong || start >= text.length) return;
    carry += text.slice(start);
    if (carry.length > MAX_LINE_LENGTH) {
      emit(carry.slice(0, MAX_LINE_LENGTH), true);
      carry = "";
      overlong = true;
    }
  };

  return {
    write(chunk) {
      if (typeof chunk === "string") {
        feed(decoder.end()); // bytes of an unfinished character before this text
        stats.bytes += Buffer.byteLength(chunk);
        for (let i = 0; i < chunk.length; i += PIECE) feed(chunk.slice(i, i + PIECE));
      } else {
        stats.bytes += chunk.byteLength;
        for (let i = 0; i < chunk.byteLength; i += PIECE) {
          feed(decoder.write(chunk.subarray(i, i + PIECE)));
        }
      }
    },
    end() {
      feed(decoder.end());
      if (carry !== "" && !overlong) emit(carry, false);
      carry = "";
      return { ...stats };
    },
  };
}

/** Reads a byte or text stream line by line with {@link createLineSplitter}. */
export async function forEachLine(
  input: AsyncIterable<string | Uint8Array>,
  onLine: (line: string, cut: boolean) => void,
): Promise<LineStats> {
  const splitter = createLineSplitter(onLine);
  for await (const chunk of input) splitter.write(chunk);
  return splitter.end();
}
