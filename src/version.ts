import { readFileSync } from 'node:fs';
import { join } from 'node:path';

interface PackageJson {
  readonly name: string;
  readonly version: string;
}

/** package.json of Vixy: one directory above this file, in src/ and in dist/ alike. */
function readPackage(): PackageJson {
  return JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as PackageJson;
}

/** The version of Vixy (package.json), e.g. `0.1.0`. */
export const VIXY_VERSION: string = readPackage().version;
