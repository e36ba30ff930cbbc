import { Module } from '@nestjs/common';
import { HttpProxyModule } from './http/http-proxy.module';
import { RoutingModule } from './routing/routing.module';
import { WsProxyModule } from './ws/ws-proxy.module';

@Module({
  imports: [RoutingModule, HttpProxyModule, WsProxyModule],
})
export class ProxyModule {}
