import { ValidateBy, type ValidationOptions } from 'class-validator';

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

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

export function parseListen(value: string): ListenAddress | null {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]*)):(\d{1,5})$/.exec(value);
  if (!match) return null;
  const port = Number(match[3]);
  if (port < 1 || port > 65535) return null;
  const host = match[1] ?? (match[2] || '0.0.0.0');
  return { host, port };
}
