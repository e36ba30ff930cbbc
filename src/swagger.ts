import { type INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { type Config } from './config';
import { VIXY_VERSION } from './version';

type PathItem = OpenAPIObject['paths'][string];

/**
 * Swagger UI at GET /docs and the OpenAPI document at GET /docs-json (off with
 * `[admin] docs = false`). The operations API comes from the controllers; the proxied
 * routes (POST /el, GET /el/ws, ANY /cl/*) and /metrics are not Nest controllers and
 * are described here by hand.
 */
export function setupSwagger(app: INestApplication, config: Config): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Vixy')
      .setVersion(VIXY_VERSION)
      .setDescription(
        'Vixy, the Ethereum node proxy: the proxied routes (POST /el, GET /el/ws, ANY /cl/*) ' +
          'forward the JSON-RPC and beacon APIs of healthy nodes; the operations API gives ' +
          'node status, health probes, metrics and node administration.',
      )
      .addTag('proxy', 'JSON-RPC and beacon API of healthy nodes')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: '[admin] token' }, 'admin')
      .build(),
  );
  Object.assign(document.paths, proxiedRoutes());
  if (config.metrics.enabled && config.metrics.port === undefined) {
    document.paths['/metrics'] = metricsRoute();
  }
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}

const JSON_ERROR = { description: '', content: { 'application/json': {} } };

function answer(description: string) {
  return { ...JSON_ERROR, description };
}

/** POST /el, GET /el/ws and ANY /cl/{path}. */
export function proxiedRoutes(): Record<string, PathItem> {
  const rpcSchema = {
    oneOf: [
      { type: 'object', example: { jsonrpc: '2.0', id: 1, method: 'eth_blockNumber', params: [] } },
      { type: 'array', items: { type: 'object' }, description: 'a batch' },
    ],
  };
  const clParam = {
    name: 'path',
    in: 'path' as const,
    required: true,
    description: 'the beacon API path below /cl, e.g. eth/v1/beacon/headers/head (slashes kept)',
    schema: { type: 'string' },
  };
  const clResponses = {
    default: { description: "the node's answer: status, headers and body as it sent them" },
    '404': answer('no [[cl]] node configured (a Vixy serving only the execution layer)'),
    '413': answer('body over [proxy].max_body_bytes'),
    '429': answer('every node over its request budget; Retry-After'),
    '502': answer('no node reachable, or an unusable answer'),
    '503': answer('no healthy CL node; shutting down'),
    '504': answer('no answer within [global].proxy_timeout_ms'),
  };
  const clOperation = (summary: string) => ({
    tags: ['proxy'],
    summary,
    parameters: [clParam],
    responses: clResponses,
  });
  return {
    '/el': {
      post: {
        tags: ['proxy'],
        summary: 'JSON-RPC (single call or batch) to a healthy execution-layer node',
        description:
          'The body goes to the node chosen by the EL routing strategy, with retries on ' +
          'another node after a connection failure, a timeout, a 5xx or a 429. Errors Vixy ' +
          'answers itself are JSON-RPC error objects carrying the request id.',
        requestBody: { required: true, content: { 'application/json': { schema: rpcSchema } } },
        responses: {
          '200': answer("the node's JSON-RPC answer (or array of answers), byte for byte"),
          '400': answer('-32700 not JSON; -32600 not a JSON-RPC request, empty or too large batch'),
          '403': answer('-32601 method denied by [proxy].deny_methods'),
          '404': answer('no [[el.primary]] node configured (a Vixy serving only the beacon API)'),
          '413': answer('body over [proxy].max_body_bytes'),
          '429': answer('-32005 every node over its request budget; Retry-After'),
          '502': answer(
            '-32603 no node reachable, or an unusable answer; -32602 answer over max_response_bytes; -32002 not re-sent',
          ),
          '503': answer('-32603 no healthy EL node; shutting down'),
          '504': answer('-32603 no answer within [global].proxy_timeout_ms; -32002 not re-sent'),
        },
      },
    },
    '/el/ws': {
      get: {
        tags: ['proxy'],
        summary: 'WebSocket JSON-RPC session (subscriptions survive node changes)',
        description:
          'Upgrade to a WebSocket, then send JSON-RPC text frames: calls, batches, ' +
          'eth_subscribe / eth_unsubscribe. The session moves to another node when its node ' +
          'fails, keeping subscription ids. Closes with 1001 at shutdown, 1013 when no node ' +
          'is available in time or there are too many sessions.',
        responses: {
          '101': { description: 'switching protocols: the session is open' },
          '404': answer('no [[el.primary]] node configured'),
        },
      },
    },
    '/cl/{path}': {
      get: clOperation('Beacon API GET to a healthy consensus-layer node (streamed, SSE too)'),
      post: clOperation('Beacon API POST to a healthy consensus-layer node (body streamed)'),
      head: clOperation('Beacon API HEAD to a healthy consensus-layer node'),
    },
  };
}

function metricsRoute(): PathItem {
  return {
    get: {
      tags: ['metrics'],
      summary: 'Prometheus metrics (text exposition format)',
      responses: { '200': { description: 'every vixy_* metric and the Node process metrics' } },
    },
  };
}
