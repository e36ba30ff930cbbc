import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Temporary directories made by the harness, removed when done or at process exit. */
const dirs = new Set<string>();
let hooked = false;

export function makeTempDir(prefix: string): string {
  if (!hooked) {
    hooked = true;
    process.on('exit', removeAllTempDirs);
  }
  const dir = mkdtempSync(join(tmpdir(), `vixy-${prefix}-`));
  dirs.add(dir);
  return dir;
}

export function removeTempDir(dir: string): void {
  dirs.delete(dir);
  rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
}

function removeAllTempDirs(): void {
  for (const dir of dirs) {
    try {
      removeTempDir(dir);
    } catch {
      // best effort at exit
    }
  }
}
