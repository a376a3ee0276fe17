import { Controller } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { RequestImportMessage } from '../command-topic/command-messages';
import type { ImportCommandContext } from '../command-topic/import-command.transport';
import { RequestImportCommand } from './request-import.handler';
import { parsedImportRequest } from './request-import.input';

@Controller()
export class RequestImportKafkaController {
  constructor(private readonly commandBus: CommandBus) {}

  /** The message is the HTTP body plus its envelope, which the body check must not see. */
  @EventPattern('RequestImport.v1')
  async requestImport(@Payload() message: RequestImportMessage, @Ctx() context: ImportCommandContext): Promise<void> {
    const { type: _type, version: _version, ...body } = message;
    await this.commandBus.execute(new RequestImportCommand(context.tenantId, parsedImportRequest(body)));
  }
}
