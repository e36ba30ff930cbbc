import { type DynamicModule, Module } from '@nestjs/common';
import { type Config } from '../config';
import { HealthModule } from '../health/health.module';
import { AdminController } from './admin.controller';
import { AdminGuard } from './admin.guard';

/** /admin, only when a token is configured: otherwise the whole prefix is 404. */
@Module({})
export class AdminModule {
  static forRoot(config: Config): DynamicModule {
    const enabled = config.admin.token !== undefined;
    return {
      module: AdminModule,
      imports: [HealthModule],
      controllers: enabled ? [AdminController] : [],
      providers: enabled ? [AdminGuard] : [],
    };
  }
}
