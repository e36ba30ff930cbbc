import { createHash, timingSafeEqual } from 'node:crypto';
import {
  type CanActivate,
  type ExecutionContext,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { type FastifyReply, type FastifyRequest } from 'fastify';
import { InjectConfig, type Config } from '../config';

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/** `Authorization: Bearer <[admin].token>`, compared in constant time. */
@Injectable()
export class AdminGuard implements CanActivate {
  private readonly expected: Buffer | null;

  constructor(@InjectConfig() config: Config) {
    this.expected = config.admin.token === undefined ? null : digest(config.admin.token);
  }

  canActivate(context: ExecutionContext): boolean {
    const http = context.switchToHttp();
    const header = http.getRequest<FastifyRequest>().headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    // Hashing both sides gives equal lengths, so the comparison time says nothing of the token.
    if (this.expected !== null && match && timingSafeEqual(digest(match[1]), this.expected)) {
      return true;
    }
    http.getResponse<FastifyReply>().header('www-authenticate', 'Bearer realm="vixy-admin"');
    throw new UnauthorizedException('a valid bearer token is required');
  }
}
