import { existsSync } from 'node:fs';

/** The anvil binary of @foundry-rs/anvil for this platform, spawned directly (never npx). */

const PLATFORMS: Partial<Record<NodeJS.Platform, string>> = {
  linux: 'linux',
  darwin: 'darwin',
  win32: 'win32',
};
const ARCHES: Partial<Record<NodeJS.Architecture, string>> = { x64: 'amd64', arm64: 'arm64' };

export function anvilPackageName(
  platform: NodeJS.Platform = process.platform,
  arch: NodeJS.Architecture = process.arch,
): string {
  const os = PLATFORMS[platform];
  const cpu = ARCHES[arch];
  if (os === undefined || cpu === undefined) {
    throw new Error(`anvil: no @foundry-rs/anvil binary package for ${platform}-${arch}`);
  }
  return `@foundry-rs/anvil-${os}-${cpu}`;
}

let cached: string | undefined;

export function anvilBinary(): string {
  if (cached !== undefined) return cached;
  const pkg = anvilPackageName();
  const file = `${pkg}/bin/anvil${process.platform === 'win32' ? '.exe' : ''}`;
  let path: string;
  try {
    path = require.resolve(file);
  } catch (err) {
    throw new Error(
      `anvil: cannot find ${file}; run \`npm ci\` (the optional dependency of @foundry-rs/anvil for this platform is missing)`,
      { cause: err },
    );
  }
  if (!existsSync(path)) throw new Error(`anvil: ${path} does not exist`);
  cached = path;
  return path;
}
