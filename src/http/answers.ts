import type { HttpResponseInit } from '@azure/functions';

import type { Refusal } from '../service/outcomes';
import { failure } from './envelope';

/** A refusal or a fault of the service, as the contract's error envelope. */
export function refused(refusal: Refusal): HttpResponseInit {
  return failure(refusal.code, refusal.message);
}

export function isRefusal(value: object): value is Refusal {
  const kind = (value as { kind?: unknown }).kind;
  return kind === 'rejection' || kind === 'fault';
}
