import * as fc from 'fast-check';
import { type SseEvent, SseParser, SseTooLargeError } from './sse-parser';

function parse(chunks: readonly (string | Buffer)[], max?: number): SseEvent[] {
  const out: SseEvent[] = [];
  const parser = new SseParser((e) => out.push(e), max);
  for (const c of chunks) parser.push(typeof c === 'string' ? Buffer.from(c) : c);
  return out;
}

/** Cuts `bytes` at the given offsets (any byte, even inside a UTF-8 sequence or a CRLF). */
function cut(bytes: Buffer, offsets: readonly number[]): Buffer[] {
  const points = [...new Set(offsets.map((o) => o % (bytes.length + 1)))].sort((a, b) => a - b);
  const parts: Buffer[] = [];
  let from = 0;
  for (const p of points) {
    parts.push(bytes.subarray(from, p));
    from = p;
  }
  parts.push(bytes.subarray(from));
  return parts;
}

describe('SseParser', () => {
  it('reads events as a beacon node writes them', () => {
    const text =
      'event: block\ndata: {"slot":"1","block":"0xab"}\n\n' + 'event: head\ndata: {"slot":"1"}\n\n';
    expect(parse([text])).toEqual([
      { event: 'block', data: '{"slot":"1","block":"0xab"}', id: undefined },
      { event: 'head', data: '{"slot":"1"}', id: undefined },
    ]);
  });

  it('accepts LF, CR and CRLF line ends, a BOM, comments, ids, retry and unknown fields', () => {
    const text =
      '\uFEFF: hello\r\nretry: 1000\revent:a\r\nid: 7\ndata:x\r\ndata: y\n\r\n' +
      'nonsense\nevent: b\ndata\n\n';
    expect(parse([text])).toEqual([
      { event: 'a', data: 'x\ny', id: '7' },
      { event: 'b', data: '', id: undefined },
    ]);
  });

  it('dispatches nothing for an event without data, and names an unnamed event "message"', () => {
    expect(parse(['event: x\n\n', ': only a comment\n\n', 'data: d\n\n'])).toEqual([
      { event: 'message', data: 'd', id: undefined },
    ]);
  });

  it('drops an event the stream ended in the middle of', () => {
    expect(parse(['event: block\ndata: {"slot":"1"}\n\nevent: block\ndata: {"sl'])).toHaveLength(1);
    expect(parse(['data: complete line but no blank line\n'])).toHaveLength(0);
  });

  it('gives the same events however the bytes are split (CRLF and UTF-8 split too)', () => {
    const event = fc.record({
      name: fc.constantFrom('head', 'block', 'finalized_checkpoint', 'attestation'),
      data: fc.string({ unit: 'grapheme', maxLength: 40 }).map((s) => s.replace(/[\r\n]/g, '')),
      eol: fc.constantFrom('\n', '\r', '\r\n'),
      comment: fc.boolean(),
    });
    fc.assert(
      fc.property(
        fc.array(event, { maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        (events, offsets) => {
          const text = events
            .map(
              (e) =>
                `${e.comment ? `: keep${e.eol}` : ''}event: ${e.name}${e.eol}data: ${e.data}${e.eol}${e.eol}`,
            )
            .join('');
          const expected = events.map((e) => ({ event: e.name, data: e.data, id: undefined }));
          expect(parse(cut(Buffer.from(text), offsets))).toEqual(expected);
        },
      ),
    );
  });

  it('refuses an event past its limit, and a line without end past it', () => {
    expect(() => parse([`data: ${'x'.repeat(100)}\n`], 64)).toThrow(SseTooLargeError);
    expect(() => parse(['data: ' + 'x'.repeat(50), 'x'.repeat(50)], 64)).toThrow(SseTooLargeError);
    expect(parse([`data: ${'x'.repeat(50)}\n\n`, `data: ${'y'.repeat(50)}\n\n`], 64)).toHaveLength(
      2,
    );
  });
});
