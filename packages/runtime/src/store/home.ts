// Where a container store lives: TESSERA_HOME, else the OS convention for per-user application data.
// Pure path arithmetic — creating the directories (mode 0700) is the store's job.

import os from 'node:os';
import path from 'node:path';

export const STORE_HOME_ENV = 'TESSERA_HOME';

export interface StoreHomeOptions {
  env?: Readonly<Record<string, string | undefined>>;
  platform?: NodeJS.Platform;
  homedir?: string;
}

/**
 * Linux and other Unixes: `$XDG_DATA_HOME/tessera`, else `~/.local/share/tessera` (XDG Base Directory spec:
 * a relative XDG_DATA_HOME is invalid and ignored). macOS: `~/Library/Application Support/Tessera`.
 * Windows: `%LOCALAPPDATA%\Tessera` (per machine, not roaming — a machine container must not roam).
 */
export const resolveStoreHome = ({
  env = process.env,
  platform = process.platform,
  homedir,
}: StoreHomeOptions = {}): string => {
  const paths = platform === 'win32' ? path.win32 : path.posix;
  const override = env[STORE_HOME_ENV]?.trim();
  if (override) return paths.resolve(override);
  const home = homedir ?? os.homedir();
  switch (platform) {
    case 'darwin':
      return paths.join(home, 'Library', 'Application Support', 'Tessera');
    case 'win32': {
      const local = env['LOCALAPPDATA']?.trim();
      return paths.join(local || paths.join(home, 'AppData', 'Local'), 'Tessera');
    }
    default: {
      const xdg = env['XDG_DATA_HOME']?.trim();
      return paths.join(xdg && paths.isAbsolute(xdg) ? xdg : paths.join(home, '.local', 'share'), 'tessera');
    }
  }
};

export const containersDirectory = (home: string): string => path.join(home, 'containers');
