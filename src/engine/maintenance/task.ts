import type { Logger } from 'pino';
import type { ProviderRegistry } from '../../providers/registry.js';
import type { Runtime } from '../../runtime.js';
import type { EventRecorder } from '../event-recorder.js';

// A maintenance task: periodic work that one engine across all processes does, the leader
// (leadership.ts). One task per file in this folder.

export interface MaintenanceContext {
  rt: Runtime;
  log: Logger;
  providers: ProviderRegistry;
  /** The leader engine's recording path. */
  recorder: EventRecorder;
  /** Lease owners alive in this process: never taken for lost, whatever their lease says. */
  liveOwners(): string[];
  /** Capacity was freed or work made due: wake the dispatchers. */
  onFreed(): void;
}

export interface MaintenanceTask {
  name: string;
  /** How often it runs while this engine leads. */
  everyMs(rt: Runtime): number;
  /** Runs once as soon as this engine becomes the leader (then every period). */
  runsAtStart: boolean;
  /** `firstInProcess`: the first pass of any leader in this process on this database. */
  run(ctx: MaintenanceContext, pass: { firstInProcess: boolean }): Promise<void>;
}
