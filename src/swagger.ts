import { type INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

/** Swagger UI at GET /docs and the OpenAPI document at GET /docs-json. */
export function setupSwagger(app: INestApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Vixy')
      .setDescription(
        'Operations API of the Vixy Ethereum node proxy: node status, health probes and node ' +
          'administration. The proxied routes (POST /el, GET /el/ws, ANY /cl/*) forward the ' +
          'JSON-RPC and beacon APIs of the nodes and are not described here.',
      )
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: '[admin] token' }, 'admin')
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}
