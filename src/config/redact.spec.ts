import { redactUrl } from './redact';

describe('redactUrl', () => {
  it.each([
    ['http://localhost:8545', 'http://localhost:8545'],
    ['ws://127.0.0.1:8546', 'ws://127.0.0.1:8546'],
    ['http://127.0.0.1:5052/eth', 'http://127.0.0.1:5052/eth'],
    ['https://user:pass@node.example/rpc', 'https://***@node.example/rpc'],
    ['https://example.invalid/v2/KEY', 'https://example.invalid/v2/***'],
    [
      'https://mainnet.infura.io/v3/0123456789abcdef0123456789abcdef',
      'https://mainnet.infura.io/v3/***',
    ],
    ['wss://eth.example/ws/abcdefghijklmnopqrstuvwxyz', 'wss://eth.example/ws/***'],
    ['https://x.quiknode.pro/a1b2c3d4e5f6a7b8c9/', 'https://x.quiknode.pro/***/'],
    ['http://h:1/?apikey=abc&network=main', 'http://h:1/?apikey=***&network=***'],
    ['redis://127.0.0.1:6379', 'redis://127.0.0.1:6379'],
    ['redis://:hunter2@redis.internal:6379/2', 'redis://***@redis.internal:6379/2'],
    ['rediss://vixy:hunter2@redis.example:6380', 'rediss://***@redis.example:6380'],
    ['redis://redis.internal?password=hunter2', 'redis://redis.internal?password=***'],
  ])('%s -> %s', (input, expected) => {
    expect(redactUrl(input)).toBe(expected);
  });

  it('does not echo an unparseable value', () => {
    expect(redactUrl('not a url with secret')).toBe('<invalid url>');
  });
});
