import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { StartRefusedError } from './start-refused.js';

/** Name of the lock file inside the data folder; it holds the pid of the process that owns the folder. */
export const LOCK_FILE = 'switchboard.lock';

export interface DataDirLock {
  readonly file: string;
  /** Removes the lock file if it is still ours. Idempotent. */
  release(): void;
}

/**
 * Takes the data folder for this process alone: two `npm start` on one folder would each open PGlite on the same
 * files and one's writes would be lost. The lock is a file created exclusively (`wx`) holding our pid; a lock
 * whose pid is no longer running (a crash, `kill -9`, a container restarted with the same pid) is stale and taken
 * over. It is removed on release and, failing that, when the process exits.
 */
export function acquireDataDirLock(dataDir: string): DataDirLock {
  const folder = path.resolve(dataDir);
  const file = path.join(folder, LOCK_FILE);
  const own = `${process.pid}\n`;
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      try {
        writeSync(fd, own);
      } finally {
        closeSync(fd);
      }
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 3) throw error;
    }
    const content = readLock(file);
    const holder = Number.parseInt(content ?? '', 10);
    if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isRunning(holder)) {
      throw new StartRefusedError(
        `the data folder ${folder} is in use by another Switchboard process (pid ${holder}): stop that one, or give this one another DATA_DIR`,
      );
    }
    // Stale: remove it only if it is still the one we read, so that two processes taking over the same stale lock
    // do not remove each other's fresh one.
    if (readLock(file) === content) unlinkQuietly(file);
  }

  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.off('exit', release);
    if (readLock(file) === own) unlinkQuietly(file);
  };
  process.on('exit', release);
  return { file, release };
}

function readLock(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function unlinkQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/** Signal 0 tests for existence; EPERM means it exists under another user. */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
