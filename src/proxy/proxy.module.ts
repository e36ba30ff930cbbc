import { Module } from '@nestjs/common';
import { CacheModule } from './cache/cache.module';
import { HttpProxyModule } from './http/http-proxy.module';
import { RoutingModule } from './routing/routing.module';
import { WsProxyModule } from './ws/ws-proxy.module';

@Module({
  imports: [RoutingModule, CacheModule, HttpProxyModule, WsProxyModule],
})
export class ProxyModule {}
