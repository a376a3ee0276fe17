import { createParamDecorator, Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import type { ServiceConfig } from '../config/service-config';
import { API_KEYS, SERVICE_CONFIG } from '../di-tokens';
import type { ApiKeys } from './api-keys';
import { publicRouteKey } from './public.decorator';
import { tenantFor } from './tenant-access';

type TenantRequest = FastifyRequest & { tenantId?: string };

/**
 * Every HTTP request names its tenant by its API key; the command topic checks its messages' keys
 * in its transport, so the guard lets that context through.
 */
@Injectable()
export class TenantGuard implements CanActivate {
  constructor(
    @Inject(API_KEYS) private readonly keys: ApiKeys,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    private readonly reflector: Reflector,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    if (this.reflector.getAllAndOverride<boolean>(publicRouteKey, [context.getHandler(), context.getClass()])) return true;
    const request = context.switchToHttp().getRequest<TenantRequest>();
    request.tenantId = tenantFor(this.keys, this.config.defaultTenant, request.headers.authorization);
    return true;
  }
}

/** The tenant the request acts for, as TenantGuard found it. */
export const Tenant = createParamDecorator((_: unknown, context: ExecutionContext): string => {
  const tenantId = context.switchToHttp().getRequest<TenantRequest>().tenantId;
  if (tenantId === undefined) throw new Error('TenantGuard did not run before this handler');
  return tenantId;
});
