import {
  Controller,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  Post,
  UnprocessableEntityException,
  UseGuards,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { ConfigStore } from '../config';
import { NodeRegistry } from '../health/node-registry.service';
import { type Layer } from '../health/node-state';
import { AdminNodesDto, DrainResultDto, ReloadResultDto } from './admin.dto';
import { AdminGuard } from './admin.guard';
import { toAdminNode } from './admin.nodes';

@ApiTags('admin')
@ApiBearerAuth('admin')
@ApiUnauthorizedResponse({ description: 'missing or wrong bearer token' })
@UseGuards(AdminGuard)
@Controller('admin')
export class AdminController {
  constructor(
    private readonly registry: NodeRegistry,
    private readonly store: ConfigStore,
  ) {}

  @Get('nodes')
  @ApiOperation({ summary: 'Every EL and CL node with its full state (URLs redacted)' })
  @ApiOkResponse({ type: AdminNodesDto, description: 'every node with its full state' })
  nodes(): AdminNodesDto {
    return { el: this.registry.el().map(toAdminNode), cl: this.registry.cl().map(toAdminNode) };
  }

  /**
   * Takes the node(s) of that name out of rotation: new requests go elsewhere and
   * WebSocket sessions on it move to another node. Survives health checks until enabled.
   */
  @Post('nodes/:name/drain')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Take the node(s) of that name out of rotation until enabled',
    description:
      'New requests go elsewhere and WebSocket sessions on the node move to another one. ' +
      'Survives health checks. A name used by an EL and a CL node drains both.',
  })
  @ApiOkResponse({ type: DrainResultDto })
  @ApiNotFoundResponse({ description: 'no node of that name' })
  drain(@Param('name') name: string): DrainResultDto {
    return this.setDrained(name, true);
  }

  @Post('nodes/:name/enable')
  @HttpCode(200)
  @ApiOperation({ summary: 'Put drained node(s) of that name back in rotation' })
  @ApiOkResponse({ type: DrainResultDto })
  @ApiNotFoundResponse({ description: 'no node of that name' })
  enable(@Param('name') name: string): DrainResultDto {
    return this.setDrained(name, false);
  }

  /** Re-reads the config file, as SIGHUP does: applied when valid, refused (422) otherwise. */
  @Post('reload')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Re-read the config file, as SIGHUP does',
    description:
      'Applied when valid (the changes are listed); an invalid file changes nothing (422).',
  })
  @ApiOkResponse({ type: ReloadResultDto, description: 'the new config is applied' })
  @ApiUnprocessableEntityResponse({ description: 'the file is invalid; nothing changed' })
  reload(): ReloadResultDto {
    const result = this.store.reload();
    if (!result.ok) throw new UnprocessableEntityException(result.error);
    return { changes: [...result.changes], ignored: [...result.ignored] };
  }

  private setDrained(name: string, drained: boolean): DrainResultDto {
    const layers: Layer[] = ['el', 'cl'];
    const changed = layers.filter((layer) => this.registry.setDrained(layer, name, drained));
    if (changed.length === 0) throw new NotFoundException(`no node named "${name}"`);
    const nodes = [this.registry.getEl(name), this.registry.getCl(name)].filter(
      (n) => n !== undefined,
    );
    return { nodes: nodes.map(toAdminNode) };
  }
}
