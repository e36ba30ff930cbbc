import { Module } from '@nestjs/common';
import { HealthModule } from '../../health/health.module';
import { UpstreamModule } from '../upstream/upstream.module';
import { BeaconNodes } from './beacon-nodes';
import { EventStreamsService } from './event-streams.service';
import { EVENTS_CLOCK, systemEventsClock } from './events.constants';

/** GET /cl/eth/v1/events: beacon event streams that survive node changes. */
@Module({
  imports: [HealthModule, UpstreamModule],
  providers: [
    { provide: EVENTS_CLOCK, useValue: systemEventsClock },
    BeaconNodes,
    EventStreamsService,
  ],
  exports: [EventStreamsService],
})
export class EventsModule {}
