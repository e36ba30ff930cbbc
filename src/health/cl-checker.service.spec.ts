import { EventEmitter2 } from '@nestjs/event-emitter';
import {
  beacon,
  type BeaconAnswers,
  hang,
  healthConfig,
  type LocalServer,
  refusedPort,
  startServer,
} from '../../test/health-fixtures';
import { ConfigStore } from '../config';
import { ClChecker } from './cl-checker.service';
import { poolDispatcherFactory } from './health.constants';
import { type ClCheckResult } from './node-state';

/** The hang test waits this long; answering checks get a generous budget (busy CI). */
const TIMEOUT_MS = 300;
const ANSWER_TIMEOUT_MS = 5000;

describe('ClChecker against a local beacon node', () => {
  let server: LocalServer;
  let checker: ClChecker | undefined;

  beforeEach(async () => {
    server = await startServer(beacon({}));
  });

  afterEach(async () => {
    await checker?.onModuleDestroy();
    checker = undefined;
    await server.close();
  });

  async function check(answers: BeaconAnswers, suffix = '', prefix = ''): Promise<ClCheckResult> {
    server.handler = beacon(answers, prefix);
    const config = healthConfig(
      { primary: ['http://127.0.0.1:1'], cl: [`${server.url}${suffix}`] },
      { health_check_timeout_ms: ANSWER_TIMEOUT_MS },
    );
    checker = new ClChecker(
      new ConfigStore(config, null, new EventEmitter2()),
      poolDispatcherFactory,
    );
    return checker.check('cl-1');
  }

  it('is ok with health 200, synced, and reads the head slot', async () => {
    expect(await check({ slot: '4567' })).toEqual({
      healthOk: true,
      slot: 4567,
      reason: null,
      latencyMs: expect.any(Number),
    });
    expect(server.requests.map((r) => r.path).sort()).toEqual([
      '/eth/v1/beacon/headers/head',
      '/eth/v1/node/health',
      '/eth/v1/node/syncing',
    ]);
  });

  it('is not ok on health 206 (syncing), and still reports the slot', async () => {
    expect(await check({ health: 206, slot: '12' })).toMatchObject({
      healthOk: false,
      slot: 12,
      reason: 'syncing (HTTP 206)',
    });
  });

  it('is not ok on health 503', async () => {
    expect(await check({ health: 503 })).toMatchObject({ healthOk: false, reason: 'HTTP 503' });
  });

  it('is not ok while syncing even when health says 200, with the distance', async () => {
    const result = await check({
      syncing: { is_syncing: true, is_optimistic: false, sync_distance: '42' },
      slot: '58',
    });
    expect(result).toMatchObject({ healthOk: false, slot: 58, reason: 'syncing (distance 42)' });
  });

  it('prefers the syncing distance to the bare 206', async () => {
    const result = await check({ health: 206, syncing: { is_syncing: true, sync_distance: '7' } });
    expect(result.reason).toBe('syncing (distance 7)');
  });

  it('is not ok while optimistic', async () => {
    const result = await check({ syncing: { is_syncing: false, is_optimistic: true } });
    expect(result).toMatchObject({
      healthOk: false,
      reason: 'optimistic (execution payload not verified)',
    });
  });

  it('accepts a node/syncing answer without is_optimistic (older beacon APIs)', async () => {
    expect(await check({ syncing: { is_syncing: false } })).toMatchObject({ healthOk: true });
  });

  it('is not ok when node/syncing fails or is malformed', async () => {
    expect(await check({ syncing: 500 })).toMatchObject({
      healthOk: false,
      reason: 'node/syncing: HTTP 500',
    });
    await checker?.onModuleDestroy();
    expect(await check({ syncing: { is_syncing: 'no' } })).toMatchObject({
      healthOk: false,
      reason: 'invalid is_syncing "no"',
    });
  });

  it.each([
    ['a number', 100, 'invalid head slot 100'],
    ['hex', '0x64', 'invalid head slot "0x64"'],
    ['a leading zero', '0100', 'invalid head slot "0100"'],
    ['a negative', '-1', 'invalid head slot "-1"'],
    ['an absurd value', '18446744073709551615', 'invalid head slot "18446744073709551615"'],
    ['no slot', undefined, 'invalid head slot missing'],
  ])('reports no slot for %s', async (_what, slot, reason) => {
    expect(await check({ slot })).toEqual({
      healthOk: true,
      slot: null,
      reason,
      latencyMs: expect.any(Number),
    });
  });

  it('reports no slot when the head header fails', async () => {
    expect(await check({ headStatus: 404 })).toMatchObject({
      slot: null,
      reason: 'head header: HTTP 404',
    });
  });

  it('keeps a path prefix and query of the node URL', async () => {
    const result = await check({ slot: '9' }, '/beacon/?token=abc', '/beacon');
    expect(result).toMatchObject({ healthOk: true, slot: 9, reason: null });
    expect(server.requests.map((r) => r.path)).toContain('/beacon/eth/v1/node/health?token=abc');
  });

  it('gives up on a node that never answers, after the timeout', async () => {
    server.handler = hang;
    const config = healthConfig(
      { primary: ['http://127.0.0.1:1'], cl: [server.url] },
      { health_check_timeout_ms: TIMEOUT_MS },
    );
    checker = new ClChecker(
      new ConfigStore(config, null, new EventEmitter2()),
      poolDispatcherFactory,
    );
    expect(await checker.check('cl-1')).toMatchObject({
      healthOk: false,
      slot: null,
      reason: `timeout after ${TIMEOUT_MS} ms`,
    });
  });

  it('reports a refused connection', async () => {
    const port = await refusedPort();
    const config = healthConfig({
      primary: ['http://127.0.0.1:1'],
      cl: [`http://127.0.0.1:${port}`],
    });
    checker = new ClChecker(
      new ConfigStore(config, null, new EventEmitter2()),
      poolDispatcherFactory,
    );
    expect(await checker.check('cl-1')).toMatchObject({
      healthOk: false,
      slot: null,
      reason: 'connection refused',
    });
  });
});
