import { ValidateBy, type ValidationOptions } from 'class-validator';
import { parseListen } from './listen-address';

export { type ListenAddress, parseListen } from './listen-address';

/** Accepts a URL string whose scheme is one of `schemes` (e.g. `['http:', 'https:']`). */
export function IsUrlWithScheme(
  schemes: readonly string[],
  message: string,
  options?: ValidationOptions,
): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isUrlWithScheme',
      validator: {
        validate(value: unknown): boolean {
          if (typeof value !== 'string') return false;
          try {
            const url = new URL(value);
            return schemes.includes(url.protocol) && url.hostname !== '';
          } catch {
            return false;
          }
        },
        defaultMessage: () => message,
      },
    },
    options,
  );
}

/** Accepts `host:port`, `[v6]:port` or `:port` with a port in 1..65535. */
export function IsListenAddress(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isListenAddress',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && parseListen(value) !== null,
        defaultMessage: () => 'must be "host:port" with a port from 1 to 65535',
      },
    },
    options,
  );
}
