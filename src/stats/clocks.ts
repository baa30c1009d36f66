/** The clocks every iteration is measured on (interfaces.md section 1). */
import { deviceNs, type Sample, wallNs } from '../line/types.js';

export const CLOCKS = ['device', 'wall', 'queue'] as const;
export type Clock = (typeof CLOCKS)[number];

/** Writes the sample's device, wall and queueing-delay values (ns) into `out`. */
export function clockValues(s: Sample, out: number[]): void {
  const device = deviceNs(s);
  const wall = wallNs(s);
  out[0] = device;
  out[1] = wall;
  out[2] = wall > device ? wall - device : 0;
}
