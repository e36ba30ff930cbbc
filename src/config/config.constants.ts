import { Inject } from '@nestjs/common';

/** Injection token of the validated, frozen `Config`. */
export const VIXY_CONFIG = Symbol('VIXY_CONFIG');

/** Injects the validated, frozen `Config`. */
export const InjectConfig = (): ParameterDecorator => Inject(VIXY_CONFIG);
