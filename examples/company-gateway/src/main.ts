#!/usr/bin/env node
// The company's gateway: Vixy with archive routing and API keys per tenant.
//   GATEWAY_API_KEYS="tenant-a:<key>,tenant-b:<key>" node dist/main.js --config gateway.toml
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfigFile, startVixy } from 'vixy';
import { GatewayModule } from './gateway.module';
import { parseTenants } from './tenants';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { config: { type: 'string', default: './gateway.toml' } },
  });
  const configSource = { path: values.config ?? './gateway.toml', overrides: {} };
  const config = loadConfigFile(configSource.path, configSource.overrides);
  const tenants = parseTenants(process.env.GATEWAY_API_KEYS ?? '');
  if (tenants.size === 0) throw new Error('GATEWAY_API_KEYS: no tenant configured');
  const archiveNode = process.env.GATEWAY_ARCHIVE_NODE ?? 'archive-1';
  if (!config.el.backup.some((n) => n.name === archiveNode)) {
    throw new Error(`no [[el.backup]] node named ${archiveNode} in ${configSource.path}`);
  }
  await startVixy({
    config,
    configSource,
    logLevel: process.env.LOG_LEVEL,
    imports: [GatewayModule.forRoot({ archiveNode, tenants })],
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`company-gateway: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(err instanceof ConfigError ? 2 : 1);
});
