import { Controller, Delete, HttpCode, Param } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { Tenant } from '../access/tenant.guard';
import { CancelImportCommand } from './cancel-import.handler';
import { ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../openapi/schemas';

@ApiTags('imports')
@ApiErrors(401, 429, 500)
@Controller('v1/imports')
export class CancelImportHttpController {
  constructor(private readonly commandBus: CommandBus) {}

  /** 204 when the cancel is accepted, 404 for an unknown job, 409 for one already finished. */
  @Delete(':jobId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Cancel a job: it stops taking pieces and ends Cancelled once those in flight settle' })
  @ApiNoContentResponse({ description: 'The cancel is accepted (also for a job already cancelling or cancelled)' })
  @ApiErrors(404, 409)
  async cancel(@Tenant() tenantId: string, @Param('jobId') jobId: string): Promise<void> {
    await this.commandBus.execute(new CancelImportCommand(tenantId, jobId));
  }
}
