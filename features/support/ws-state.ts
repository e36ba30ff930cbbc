import { After } from '@cucumber/cucumber';
import { type VixyWorld } from './world';
import { type WsClient } from './ws-client';

// The WebSocket clients of one scenario, shared by the steps of websocket.feature and
// subscriptions.feature; closed after every scenario.

export interface WsState {
  client?: WsClient;
  crowd: WsClient[];
  /** Notifications counted from here ("each receive a notification"). */
  mark: number;
  sender?: { timer: NodeJS.Timeout; ids: string[] };
  /** What each EL node answered around a call or a run of calls, by what was sent. */
  answered: Map<string, Map<string, number>>;
  /** The network's height (same-chain fleets) when each eth_subscribe was sent and answered. */
  subscribedAt: Map<number, { sent: number; answered: number }>;
}

const states = new WeakMap<VixyWorld, WsState>();

export function wsState(world: VixyWorld): WsState {
  let state = states.get(world);
  if (!state) {
    state = { crowd: [], mark: 0, answered: new Map(), subscribedAt: new Map() };
    states.set(world, state);
  }
  return state;
}

export function wsClient(world: VixyWorld): WsClient {
  const c = wsState(world).client;
  if (!c) throw new Error('no WebSocket client in this scenario');
  return c;
}

export function wsUrl(world: VixyWorld, path: string): string {
  return world.requireVixy().url(path).replace(/^http/, 'ws');
}

After(function (this: VixyWorld) {
  const state = states.get(this);
  if (!state) return;
  if (state.sender) clearInterval(state.sender.timer);
  for (const c of [state.client, ...state.crowd]) c?.ws.terminate();
  states.delete(this);
});
