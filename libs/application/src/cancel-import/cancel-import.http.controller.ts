import { Controller, Delete, HttpCode, Inject, Param } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { ServiceConfig } from '../config/service-config';
import { SERVICE_CONFIG } from '../di-tokens';
import { CancelImportCommand } from './cancel-import.handler';

@Controller('v1/imports')
export class CancelImportHttpController {
  constructor(
    private readonly commandBus: CommandBus,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
  ) {}

  /** 204 when the cancel is accepted, 404 for an unknown job, 409 for one already finished. */
  @Delete(':jobId')
  @HttpCode(204)
  async cancel(@Param('jobId') jobId: string): Promise<void> {
    await this.commandBus.execute(new CancelImportCommand(this.config.defaultTenant, jobId));
  }
}
