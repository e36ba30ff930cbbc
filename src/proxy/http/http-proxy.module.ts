import { Module } from '@nestjs/common';
import { HealthModule } from '../../health/health.module';
import { EventsModule } from '../events/events.module';
import { RoutingModule } from '../routing/routing.module';
import { UpstreamModule } from '../upstream/upstream.module';
import { ClProxy } from './cl-proxy.service';
import { ElHttpHandler } from './el-http.handler';
import { ElProxy } from './el-proxy.service';
import { HttpProxyRoutes } from './http-proxy.routes';

/** POST /el and ANY /cl/* (GET /cl/eth/v1/events served by EventsModule). */
@Module({
  imports: [HealthModule, RoutingModule, UpstreamModule, EventsModule],
  providers: [ElProxy, ElHttpHandler, ClProxy, HttpProxyRoutes],
  exports: [ElProxy, ClProxy],
})
export class HttpProxyModule {}
