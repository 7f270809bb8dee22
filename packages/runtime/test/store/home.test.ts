import { describe, expect, it } from 'vitest';
import { resolveStoreHome } from '../../src/store/index.js';

describe('the store location', () => {
  it('uses $XDG_DATA_HOME/tessera on Linux, else ~/.local/share/tessera', () => {
    expect(
      resolveStoreHome({ platform: 'linux', homedir: '/home/ada', env: { XDG_DATA_HOME: '/data/ada' } }),
    ).toBe('/data/ada/tessera');
    expect(resolveStoreHome({ platform: 'linux', homedir: '/home/ada', env: {} })).toBe(
      '/home/ada/.local/share/tessera',
    );
  });

  it('ignores a relative XDG_DATA_HOME, as the XDG spec requires', () => {
    expect(
      resolveStoreHome({ platform: 'linux', homedir: '/home/ada', env: { XDG_DATA_HOME: 'data' } }),
    ).toBe('/home/ada/.local/share/tessera');
  });

  it('uses ~/Library/Application Support/Tessera on macOS', () => {
    expect(
      resolveStoreHome({ platform: 'darwin', homedir: '/Users/ada', env: { XDG_DATA_HOME: '/x' } }),
    ).toBe('/Users/ada/Library/Application Support/Tessera');
  });

  it('uses %LOCALAPPDATA%\\Tessera on Windows, else the profile’s AppData\\Local', () => {
    expect(
      resolveStoreHome({
        platform: 'win32',
        homedir: 'C:\\Users\\ada',
        env: { LOCALAPPDATA: 'C:\\Users\\ada\\AppData\\Local' },
      }),
    ).toBe('C:\\Users\\ada\\AppData\\Local\\Tessera');
    expect(resolveStoreHome({ platform: 'win32', homedir: 'C:\\Users\\ada', env: {} })).toBe(
      'C:\\Users\\ada\\AppData\\Local\\Tessera',
    );
  });

  it('lets TESSERA_HOME override the convention on every platform', () => {
    for (const platform of ['linux', 'darwin'] as const) {
      expect(
        resolveStoreHome({ platform, homedir: '/home/ada', env: { TESSERA_HOME: '/srv/tessera' } }),
      ).toBe('/srv/tessera');
    }
    expect(
      resolveStoreHome({ platform: 'win32', homedir: 'C:\\Users\\ada', env: { TESSERA_HOME: 'D:\\lic' } }),
    ).toBe('D:\\lic');
  });
});
