import { createDenyMatcher, parsePayload, type WireCall } from '../jsonrpc/jsonrpc.payload';
import { alreadyKnownAnswer, answersOf, rewriteAlreadyKnown, upstreamBody } from './el-calls';

const LEGACY =
  '0xf86d80843b9aca008252089470997970c51812dc3a010c7d01b50e0d17dc79c8880de0b6b3a7640000808201e0a091f54a3d258c8d2269e5785bfb76fd75517d5012be11d65d374e190ed51fe593a05ddf083c66fce387c054b3012717886527122fb3afbaad41817ce98ed6ab8c1e';
const LEGACY_HASH = '0xf50ceba6326a906f8af2ed789a0d1552bc24fb0526ee1d5da7b958ee124084d1';

const limits = { maxBatchSize: 0, isDenied: createDenyMatcher([]) };

function calls(text: string): WireCall[] {
  const payload = parsePayload(Buffer.from(text), limits);
  if (payload.kind === 'single') return [payload.call];
  if (payload.kind === 'batch') return [...payload.calls];
  throw new Error(payload.kind);
}

describe('upstreamBody', () => {
  it('sends one call as an object and several as a batch, with proxy ids and nothing else changed', () => {
    const one = calls('{"jsonrpc":"2.0","id":"\\u0041","method":"eth_chainId","params":[]}');
    expect(upstreamBody(one).toString()).toBe(
      '{"jsonrpc":"2.0","id":0,"method":"eth_chainId","params":[]}',
    );
    const many = calls(
      '[{"id":1.0,"method":"a"}, {"method":"note"},{"method":"b","id":9007199254740993}]',
    );
    expect(upstreamBody(many).toString()).toBe(
      '[{"id":0,"method":"a"},{"method":"note"},{"method":"b","id":2}]',
    );
  });
});

describe('answersOf', () => {
  it('maps batch answers back by proxy id, in any order, with the client ids as written', () => {
    const sent = calls(
      '[{"id":1.0,"method":"a"},{"method":"note"},{"id":9007199254740993,"method":"b"}]',
    );
    const answer = Buffer.from(
      '[{"jsonrpc":"2.0","id":2,"result":{"big":123456789012345678901234567890}},{"jsonrpc":"2.0","id":0,"result":"0x1"}]',
    );
    expect(answersOf(answer, sent).map((a) => a?.toString())).toEqual([
      '{"jsonrpc":"2.0","id":1.0,"result":"0x1"}',
      undefined,
      '{"jsonrpc":"2.0","id":9007199254740993,"result":{"big":123456789012345678901234567890}}',
    ]);
  });

  it('gives every call of a batch the one error object a node answered the whole batch with', () => {
    const sent = calls('[{"id":"x","method":"a"},{"id":7,"method":"b"}]');
    const answer = Buffer.from(
      '{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"batch not supported"}}',
    );
    expect(answersOf(answer, sent).map((a) => a?.toString())).toEqual([
      '{"jsonrpc":"2.0","id":"x","error":{"code":-32600,"message":"batch not supported"}}',
      '{"jsonrpc":"2.0","id":7,"error":{"code":-32600,"message":"batch not supported"}}',
    ]);
  });

  it('leaves unanswered, unknown and garbage answers out', () => {
    const sent = calls('[{"id":1,"method":"a"},{"id":2,"method":"b"}]');
    expect(answersOf(Buffer.from('[{"id":5,"result":1},{"id":1,"result":2}]'), sent)).toEqual([
      undefined,
      Buffer.from('{"id":2,"result":2}'),
    ]);
    expect(answersOf(Buffer.from('<html>'), sent)).toEqual([undefined, undefined]);
  });
});

describe('already known', () => {
  const send = calls(
    `{"jsonrpc":"2.0","id":"s1","method":"eth_sendRawTransaction","params":["${LEGACY}"]}`,
  )[0];
  const known = Buffer.from(
    '{"jsonrpc":"2.0","id":"s1","error":{"code":-32000,"message":"already known"}}',
  );

  it('turns an already-known error into the hash, with the id as written', () => {
    expect(alreadyKnownAnswer(known, send)).toBe(
      `{"jsonrpc":"2.0","id":"s1","result":"${LEGACY_HASH}"}`,
    );
    expect(alreadyKnownAnswer(Buffer.from('{"id":"s1","result":"0x1"}'), send)).toBeUndefined();
  });

  it('rewrites only the matching elements of a passed-through batch', () => {
    const batch = calls(
      `[{"jsonrpc":"2.0","id":1,"method":"eth_sendRawTransaction","params":["${LEGACY}"]},{"jsonrpc":"2.0","id":2,"method":"eth_chainId"}]`,
    );
    const body = Buffer.from(
      '[{"jsonrpc":"2.0","id":2,"error":{"code":-32000,"message":"already known"}},{"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"already known"}}]',
    );
    expect(rewriteAlreadyKnown(body, batch, true)?.toString()).toBe(
      `[{"jsonrpc":"2.0","id":2,"error":{"code":-32000,"message":"already known"}},{"jsonrpc":"2.0","id":1,"result":"${LEGACY_HASH}"}]`,
    );
    expect(rewriteAlreadyKnown(Buffer.from('not json'), batch, true)).toBeUndefined();
  });
});
