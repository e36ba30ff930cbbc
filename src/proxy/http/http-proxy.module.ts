import { Module } from '@nestjs/common';
import { ChainModule } from '../ws/chain.module';
import { HealthModule } from '../../health/health.module';
import { EventsModule } from '../events/events.module';
import { FailoverModule } from '../failover/failover.module';
import { CacheModule } from '../cache/cache.module';
import { ClProxy } from './cl-proxy.service';
import { ElFinality } from './el-finality.service';
import { ElHttpHandler } from './el-http.handler';
import { ElProxy } from './el-proxy.service';
import { HttpProxyRoutes } from './http-proxy.routes';

/** POST /el and ANY /cl/* (GET /cl/eth/v1/events served by EventsModule). */
@Module({
  imports: [HealthModule, FailoverModule, EventsModule, CacheModule, ChainModule],
  providers: [ElProxy, ElHttpHandler, ClProxy, HttpProxyRoutes, ElFinality],
  exports: [ElProxy, ClProxy],
})
export class HttpProxyModule {}
