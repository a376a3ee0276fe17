import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { openApiSchemas } from './schemas';

export const openApiPath = 'docs';

/**
 * The API's OpenAPI 3.1 document, from the controllers' routes and decorators plus the shared
 * schemas. Every `/v1` route needs an API key (the tenant guard); health, metrics and the
 * documentation itself do not.
 */
export function openApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setOpenAPIVersion('3.1.0')
    .setTitle('import-jobs')
    .setDescription(
      'Bulk import jobs: CSV or newline-delimited JSON from S3 objects, S3 prefixes or uploads, planned into pieces, imported through Kafka, ' +
        "with every job's status in the vocabularies of Amazon Pinpoint, Userpilot, Amazon Q in Connect and lakeFS.",
    )
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'An API key; Userpilot\'s "Token <key>" works too' }, 'apiKey')
    .build();
  const document = SwaggerModule.createDocument(app, config, { operationIdFactory: (controller, method) => `${controller.replace(/HttpController$|Controller$/, '')}_${method}` });
  document.components = { ...document.components, schemas: { ...document.components?.schemas, ...openApiSchemas } };
  for (const [path, item] of Object.entries(document.paths)) {
    if (!path.startsWith('/v1/')) continue;
    for (const operation of Object.values(item)) {
      if (typeof operation === 'object' && operation !== null && 'responses' in operation) operation.security = [{ apiKey: [] }];
    }
  }
  return document;
}

/** `/docs` (Swagger UI) and `/docs/openapi.json`, built on the first request. */
export function serveOpenApi(app: INestApplication): void {
  SwaggerModule.setup(openApiPath, app, () => openApiDocument(app), { jsonDocumentUrl: `${openApiPath}/openapi.json`, raw: ['json'] });
}
