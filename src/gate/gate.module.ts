import { Global, Module } from '@nestjs/common';
import { RequestGate } from './request-gate.service';

/** The front door of /el, /el/ws and /cl/*: absent layers and the company's request hook. */
@Global()
@Module({ providers: [RequestGate], exports: [RequestGate] })
export class GateModule {}
