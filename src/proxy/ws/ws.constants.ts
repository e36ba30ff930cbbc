import { Inject } from '@nestjs/common';

/** The route of EL WebSocket sessions (`/el/ws/` is accepted too). */
export const EL_WS_PATH = '/el/ws';

/** Token of the `Clock` of WebSocket sessions (tests swap it). */
export const WS_CLOCK = Symbol('WS_CLOCK');

export const InjectWsClock = (): ParameterDecorator => Inject(WS_CLOCK);
