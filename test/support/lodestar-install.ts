/** `ts-node test/support/lodestar-install.ts`: installs Lodestar for the CL tests if needed. */
import { ensureLodestarInstalled } from './lodestar-package';

ensureLodestarInstalled().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
