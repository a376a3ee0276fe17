import { Controller } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { CancelImportMessage } from '../command-topic/command-messages';
import type { ImportCommandContext } from '../command-topic/import-command.transport';
import { CancelImportCommand } from './cancel-import.handler';

@Controller()
export class CancelImportKafkaController {
  constructor(private readonly commandBus: CommandBus) {}

  @EventPattern('CancelImport.v1')
  async cancel(@Payload() message: CancelImportMessage, @Ctx() context: ImportCommandContext): Promise<void> {
    await this.commandBus.execute(new CancelImportCommand(context.tenantId, message.jobId, message.reason));
  }
}
