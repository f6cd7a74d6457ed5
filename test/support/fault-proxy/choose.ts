import type { FaultConfig } from './config';
import type { ErrorStatus } from './oss-error';

export type Fault =
  | { kind: 'none' }
  | { kind: 'error'; status: ErrorStatus }
  | { kind: 'stall'; ms: number | null }
  | { kind: 'drop'; fraction: number };

/**
 * The fate of one matching request. When several rates are set, an error wins over a stall and a
 * stall over a drop. Every call takes the same four draws whatever the rates, so changing one rate
 * mid-test does not reshuffle which later requests the other faults hit.
 */
export function chooseFault(config: Readonly<FaultConfig>, random: () => number): Fault {
  const error = random();
  const stall = random();
  const drop = random();
  const fraction = random();
  if (error < config.errorRate) return { kind: 'error', status: config.errorStatus };
  if (stall < config.stallRate) return { kind: 'stall', ms: config.stallMs };
  if (drop < config.dropMidBodyRate) return { kind: 'drop', fraction };
  return { kind: 'none' };
}
