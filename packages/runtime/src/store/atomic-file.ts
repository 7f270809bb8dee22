// Crash-safe file replacement: write a temporary file in the same directory, fsync it, rename it over the
// target, fsync the directory. A crash at any moment leaves the old file or the new one, never a mix; what it
// can leave behind is a temporary file, which readers ignore and the next writer removes.

import { randomBytes } from 'node:crypto';
import { open, readdir, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

const TEMP_SUFFIX = '.tmp';

/** `.<target name>.<pid>.<random>.tmp` — hidden, and never mistaken for a container file. */
const tempPathFor = (target: string): string =>
  join(
    dirname(target),
    `.${basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`,
  );

export const isTempFileName = (name: string): boolean => name.startsWith('.') && name.endsWith(TEMP_SUFFIX);

/** Makes a rename or unlink in `dir` durable. Windows cannot open a directory for fsync; NTFS journals the rename. */
export const fsyncDirectory = async (dir: string): Promise<void> => {
  if (process.platform === 'win32') return;
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
};

export interface AtomicWriteOptions {
  mode?: number;
  /** Runs after the new content is durable and just before it replaces the target; throwing aborts the write. */
  beforeCommit?: () => void;
}

export const writeFileAtomic = async (
  target: string,
  content: string,
  { mode = 0o600, beforeCommit }: AtomicWriteOptions = {},
): Promise<void> => {
  const temp = tempPathFor(target);
  let committed = false;
  try {
    const handle = await open(temp, 'wx', mode);
    try {
      await handle.chmod(mode); // the creation mode passes through the umask; this does not
      await handle.writeFile(content, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    beforeCommit?.();
    await rename(temp, target);
    committed = true;
  } finally {
    if (!committed) await unlink(temp).catch(() => undefined);
  }
  await fsyncDirectory(dirname(target));
};

/** Removes temporary files a killed writer left behind. Call only while holding the store lock. */
export const removeTempFiles = async (dir: string): Promise<number> => {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names.filter(isTempFileName)) {
    try {
      await unlink(join(dir, name));
      removed += 1;
    } catch {
      // already gone, or not ours to remove: readers ignore it either way
    }
  }
  return removed;
};
