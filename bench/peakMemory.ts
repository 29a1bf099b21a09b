import fs from 'node:fs';
import { round } from './load';

/**
 * The peak resident memory of another process over a stretch of time, from Linux's own account of it: VmHWM in
 * /proc/<pid>/status is the process's high-water mark, and writing 5 to /proc/<pid>/clear_refs sets it back to the
 * memory it holds now. So the peak of one part of the bench excludes the start-up before it, and no sample can
 * miss a short spike. Elsewhere than on Linux it reads nothing (null).
 */
export interface PeakMemory {
  /** Starts a new stretch: the peak from now on. */
  reset(): void;
  /** The highest resident memory since the last reset (or since the process started), in MB. */
  peakMb(): number | null;
}

export function peakMemoryOf(pid: number): PeakMemory {
  const status = `/proc/${pid}/status`;
  return {
    reset: () => {
      try {
        fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
      } catch {
        // Not Linux, or the kernel refuses: the peak then covers the process's whole life.
      }
    },
    peakMb: () => {
      try {
        const kb = /^VmHWM:\s+(\d+) kB$/m.exec(fs.readFileSync(status, 'utf8'))?.[1];
        return kb === undefined ? null : round(Number(kb) / 1024, 1);
      } catch {
        return null;
      }
    },
  };
}
