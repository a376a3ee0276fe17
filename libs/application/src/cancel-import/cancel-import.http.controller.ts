import { Controller, Delete, HttpCode, Param } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { Tenant } from '../access/tenant.guard';
import { CancelImportCommand } from './cancel-import.handler';

@Controller('v1/imports')
export class CancelImportHttpController {
  constructor(private readonly commandBus: CommandBus) {}

  /** 204 when the cancel is accepted, 404 for an unknown job, 409 for one already finished. */
  @Delete(':jobId')
  @HttpCode(204)
  async cancel(@Tenant() tenantId: string, @Param('jobId') jobId: string): Promise<void> {
    await this.commandBus.execute(new CancelImportCommand(tenantId, jobId));
  }
}
