// The built-in machine factor providers: OS machine id, hostname, network adapters, CPU, memory, OS.
// Linux is implemented properly (it reads /etc and /sys); macOS and Windows are best-effort through their
// standard tools. Every provider answers `null` rather than throwing — a missing factor is just absent.

import { execFile } from 'node:child_process';
import { readdir, readFile, stat } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { type FactorProvider, type FactorSource, factorSource } from './factors.js';

/** Factor names written into machine containers; stable once published (renaming one unbinds containers). */
export const FACTOR_NAMES = {
  machineId: 'machine-id',
  hostname: 'hostname',
  macAddresses: 'mac-addresses',
  cpu: 'cpu',
  memory: 'memory',
  os: 'os',
} as const;

/** Runs a system tool and returns its stdout, or null on any failure or after `timeoutMs`. */
export type CommandRunner = (command: string, args: readonly string[]) => Promise<string | null>;

export const runCommand: CommandRunner = (command, args) =>
  new Promise((resolve) => {
    try {
      execFile(command, [...args], { timeout: 3_000, windowsHide: true, encoding: 'utf8' }, (error, stdout) =>
        resolve(error ? null : stdout),
      );
    } catch {
      resolve(null);
    }
  });

const readText = async (path: string): Promise<string | null> => {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch {
    return null;
  }
};

const exists = async (path: string): Promise<boolean> => {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
};

/** Memoises a provider whose value cannot change while the process runs and is costly to read (a spawned tool). */
const once = (read: () => Promise<string | null>): (() => Promise<string | null>) => {
  let value: Promise<string | null> | undefined;
  return () => {
    value ??= read();
    return value;
  };
};

export interface PlatformOptions {
  platform?: NodeJS.Platform;
  /** Filesystem root for Linux paths (/etc, /sys, /proc); tests point it at a fake tree. */
  root?: string;
  run?: CommandRunner;
}

const LINUX_MACHINE_ID = /^[0-9a-f]{32}$/;

/**
 * The operating system's installation id: systemd's /etc/machine-id (or the D-Bus copy) on Linux,
 * IOPlatformUUID on macOS, MachineGuid on Windows. Note that a machine id baked into a container image or a
 * cloned VM template is shared by every copy — see docs/runtime-storage.md.
 */
export const machineIdProvider = ({
  platform = process.platform,
  root = '/',
  run = runCommand,
}: PlatformOptions = {}): FactorProvider => ({
  name: FACTOR_NAMES.machineId,
  read: once(async () => {
    switch (platform) {
      case 'linux': {
        for (const path of ['etc/machine-id', 'var/lib/dbus/machine-id']) {
          const id = (await readText(join(root, path)))?.toLowerCase();
          if (id !== undefined && LINUX_MACHINE_ID.test(id) && !/^0+$/.test(id)) return id;
        }
        return null;
      }
      case 'darwin': {
        const out = await run('ioreg', ['-rd1', '-c', 'IOPlatformExpertDevice']);
        return out?.match(/"IOPlatformUUID"\s*=\s*"([^"]+)"/)?.[1]?.toLowerCase() ?? null;
      }
      case 'win32': {
        const out = await run('reg', [
          'query',
          'HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Cryptography',
          '/v',
          'MachineGuid',
          '/reg:64',
        ]);
        return out?.match(/MachineGuid\s+REG_SZ\s+(\S+)/i)?.[1]?.toLowerCase() ?? null;
      }
      case 'freebsd':
        return (await readText(join(root, 'etc/hostid')))?.toLowerCase() ?? null;
      default:
        return null;
    }
  }),
});

export const hostnameProvider = (hostname: () => string = os.hostname): FactorProvider => ({
  name: FACTOR_NAMES.hostname,
  read: async () => {
    const name = hostname().trim().toLowerCase();
    return name === '' || name === 'localhost' ? null : name;
  },
});

// Interfaces that are software constructs rather than adapters: container and VM bridges, tunnels, VPNs,
// Apple's peer-to-peer links. Their addresses are created (often randomly) at run time.
const VIRTUAL_INTERFACE =
  /^(lo|docker|veth|br-|virbr|vnet|vmnet|vboxnet|tun|tap|utun|awdl|llw|bridge|cni|flannel|cali|weave|kube|cilium|wg|zt|tailscale|ifb|dummy|bond|team|macvtap|gif|stf|anpi|ap\d|vEthernet)/i;
const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;
const ZERO_MAC = '00:00:00:00:00:00';
// Bit 1 of the first octet marks a locally administered address — what Wi-Fi MAC randomisation produces.
const isLocallyAdministered = (mac: string): boolean => (Number.parseInt(mac.slice(0, 2), 16) & 0x02) !== 0;

const linuxAdapters = async (root: string): Promise<string[] | null> => {
  const base = join(root, 'sys/class/net');
  let names: string[];
  try {
    names = await readdir(base);
  } catch {
    return null;
  }
  const macs: string[] = [];
  for (const name of names) {
    if (VIRTUAL_INTERFACE.test(name)) continue;
    const dir = join(base, name);
    // Only interfaces backed by a bus device (PCI, virtio, USB, …) have a `device` link; bridges, veths and
    // tunnels do not — this is how Linux itself tells hardware from software interfaces.
    if (!(await exists(join(dir, 'device')))) continue;
    const mac = (await readText(join(dir, 'address')))?.toLowerCase();
    if (mac === undefined || !MAC.test(mac) || mac === ZERO_MAC) continue;
    // addr_assign_type 1 = random address (NET_ADDR_RANDOM), which changes on every boot.
    if ((await readText(join(dir, 'addr_assign_type'))) === '1') continue;
    const wireless = (await exists(join(dir, 'wireless'))) || (await exists(join(dir, 'phy80211')));
    if (wireless && isLocallyAdministered(mac)) continue;
    macs.push(mac);
  }
  return macs;
};

const nodeAdapters = (): string[] => {
  const macs: string[] = [];
  for (const [name, addresses] of Object.entries(os.networkInterfaces())) {
    if (VIRTUAL_INTERFACE.test(name)) continue;
    for (const address of addresses ?? []) {
      const mac = address.mac.toLowerCase();
      if (!address.internal && MAC.test(mac) && mac !== ZERO_MAC) macs.push(mac);
    }
  }
  return macs;
};

/** The sorted, de-duplicated MAC addresses of the machine's physical network adapters. */
export const macAddressesProvider = ({
  platform = process.platform,
  root = '/',
}: PlatformOptions = {}): FactorProvider => ({
  name: FACTOR_NAMES.macAddresses,
  read: async () => {
    // os.networkInterfaces() lists only adapters that have an IP address right now (Wi-Fi off → gone), so on
    // Linux read /sys, which lists every adapter whether it is up or not.
    const macs = (platform === 'linux' ? await linuxAdapters(root) : null) ?? nodeAdapters();
    const unique = [...new Set(macs)].sort();
    return unique.length === 0 ? null : unique.join(',');
  },
});

export const cpuProvider = (cpus: () => os.CpuInfo[] = os.cpus): FactorProvider => ({
  name: FACTOR_NAMES.cpu,
  read: async () => {
    const list = cpus();
    const model = list[0]?.model.replace(/\s+/g, ' ').trim();
    return model === undefined || model === '' ? null : `${model} x${list.length}`;
  },
});

const GIB = 1024 ** 3;

/** Total memory rounded to whole GiB, so the few MiB the firmware or kernel reserve differently per boot do not count. */
export const memoryProvider = (totalmem: () => number = os.totalmem): FactorProvider => ({
  name: FACTOR_NAMES.memory,
  read: async () => {
    const gib = Math.round(totalmem() / GIB);
    return gib > 0 ? `${gib} GiB` : null;
  },
});

export const osProvider = (
  platform: string = process.platform,
  arch: string = process.arch,
): FactorProvider => ({
  name: FACTOR_NAMES.os,
  read: async () => `${platform}-${arch}`,
});

/** The providers a machine container is bound to by default. */
export const defaultFactorProviders = (options: PlatformOptions = {}): FactorProvider[] => [
  machineIdProvider(options),
  hostnameProvider(),
  macAddressesProvider(options),
  cpuProvider(),
  memoryProvider(),
  osProvider(options.platform),
];

/** This machine's factors, with the TESSERA_MACHINE_FACTORS override applied. */
export const machineFactorSource = (
  env: Readonly<Record<string, string | undefined>> = process.env,
): FactorSource => factorSource({ providers: defaultFactorProviders(), env });
