import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  cpuProvider,
  defaultFactorProviders,
  detectMachineEnvironment,
  type FactorProvider,
  factorSource,
  hostnameProvider,
  macAddressesProvider,
  machineFactorSource,
  machineIdProvider,
  memoryProvider,
  osProvider,
} from '../../src/binding/index.js';
import { createContainerStore } from '../../src/store/index.js';
import { aMachine, aTempDirectory, removeDirectory, withChangedFactors } from '../support/fixtures.js';

let dir: string;
beforeEach(async () => {
  dir = await aTempDirectory('tessera-factors-');
});
afterEach(async () => {
  await removeDirectory(dir);
});

const put = async (path: string, content = ''): Promise<void> => {
  await mkdir(join(dir, path, '..'), { recursive: true });
  await writeFile(join(dir, path), content);
};

const aProvider = (
  name: string,
  read: () => Promise<string | null>,
  calls: string[] = [],
): FactorProvider => ({
  name,
  read: () => {
    calls.push(name);
    return read();
  },
});

describe('a factor source', () => {
  it('leaves out a factor whose provider reads nothing, reads blanks or throws', async () => {
    const source = factorSource({
      env: {},
      providers: [
        aProvider('os', async () => 'linux-x64'),
        aProvider('machine-id', async () => null),
        aProvider('hostname', async () => '   '),
        aProvider('cpu', async () => {
          throw new Error('no /proc here');
        }),
      ],
    });
    expect(await source.read()).toEqual({ os: 'linux-x64' });
  });

  it('lets the TESSERA_MACHINE_FACTORS file replace the listed factors, remove those set to null and add new ones', async () => {
    await put(
      'factors.json',
      JSON.stringify({ hostname: 'elsewhere', 'machine-id': null, 'rack-slot': 'B7' }),
    );
    const calls: string[] = [];
    const source = factorSource({
      env: { TESSERA_MACHINE_FACTORS: join(dir, 'factors.json') },
      providers: [
        aProvider('os', async () => 'linux-x64', calls),
        aProvider('hostname', async () => 'build-01', calls),
        aProvider('machine-id', async () => '4c4c4544', calls),
      ],
    });
    expect(await source.read()).toEqual({ os: 'linux-x64', hostname: 'elsewhere', 'rack-slot': 'B7' });
    expect(calls).toEqual(['os']);
  });

  it.each([
    ['a missing file', null],
    ['a file that is not JSON', '{"hostname":'],
    ['an array', '["hostname"]'],
    ['a number as value', '{"hostname": 7}'],
    ['an invalid factor name', '{"Host Name": "x"}'],
  ])('refuses %s as override with machine_factors_invalid', async (_case, content) => {
    if (content !== null) await put('factors.json', content);
    const source = factorSource({
      env: { TESSERA_MACHINE_FACTORS: join(dir, 'factors.json') },
      providers: [],
    });
    await expect(source.read()).rejects.toMatchObject({ code: 'machine_factors_invalid' });
  });
});

describe('a machine container under TESSERA_MACHINE_FACTORS', () => {
  it('opens or refuses as the override file says the machine changed', async () => {
    const overrideFile = join(dir, 'machine.json');
    const env = { TESSERA_MACHINE_FACTORS: overrideFile };
    await writeFile(overrideFile, JSON.stringify(aMachine()));
    const store = createContainerStore<{ counter: number }>({
      home: join(dir, 'home'),
      factors: machineFactorSource(env),
    });
    const { serial } = await store.create('machine', () => ({ counter: 1 }));

    await writeFile(overrideFile, JSON.stringify(withChangedFactors(aMachine(), 1)));
    expect((await store.read(serial)).state.counter).toBe(1);

    // The real providers still read the factors the file does not list; listing all six and changing three
    // simulates "another machine" regardless of the machine the test runs on.
    await writeFile(overrideFile, JSON.stringify(withChangedFactors(aMachine(), 3)));
    await expect(store.read(serial)).rejects.toMatchObject({
      code: 'binding_mismatch',
      details: { matched: 3 },
    });
  });
});

describe('the built-in factor providers', () => {
  it('read the Linux machine id from /etc/machine-id, else from the D-Bus copy, and ignore placeholders', async () => {
    const root = dir;
    expect(await machineIdProvider({ platform: 'linux', root }).read()).toBeNull();
    await put('var/lib/dbus/machine-id', '0123456789ABCDEF0123456789abcdef\n');
    expect(await machineIdProvider({ platform: 'linux', root }).read()).toBe(
      '0123456789abcdef0123456789abcdef',
    );
    await put('etc/machine-id', 'uninitialized\n');
    expect(await machineIdProvider({ platform: 'linux', root }).read()).toBe(
      '0123456789abcdef0123456789abcdef',
    );
    await put('etc/machine-id', 'fedcba9876543210fedcba9876543210\n');
    expect(await machineIdProvider({ platform: 'linux', root }).read()).toBe(
      'fedcba9876543210fedcba9876543210',
    );
  });

  it('read IOPlatformUUID on macOS and MachineGuid on Windows, and nothing when the tool fails', async () => {
    const ioreg =
      '  "IOPlatformSerialNumber" = "C02XYZ"\n  "IOPlatformUUID" = "564D7A2C-1B3E-4F5A-9C8D-0E1F2A3B4C5D"\n';
    expect(await machineIdProvider({ platform: 'darwin', run: async () => ioreg }).read()).toBe(
      '564d7a2c-1b3e-4f5a-9c8d-0e1f2a3b4c5d',
    );
    const reg =
      '\r\nHKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Cryptography\r\n    MachineGuid    REG_SZ    6f1c2d3e-4a5b-6c7d-8e9f-0a1b2c3d4e5f\r\n';
    expect(await machineIdProvider({ platform: 'win32', run: async () => reg }).read()).toBe(
      '6f1c2d3e-4a5b-6c7d-8e9f-0a1b2c3d4e5f',
    );
    expect(await machineIdProvider({ platform: 'darwin', run: async () => null }).read()).toBeNull();
    expect(await machineIdProvider({ platform: 'aix', root: dir }).read()).toBeNull();
  });

  it('list the sorted MACs of hardware adapters, leaving out virtual, random and randomised Wi-Fi addresses', async () => {
    const adapter = async (
      name: string,
      mac: string,
      options: { device?: boolean; assign?: string; wireless?: boolean },
    ) => {
      await put(`sys/class/net/${name}/address`, `${mac}\n`);
      await put(`sys/class/net/${name}/addr_assign_type`, `${options.assign ?? '0'}\n`);
      if (options.device ?? true) await mkdir(join(dir, `sys/class/net/${name}/device`), { recursive: true });
      if (options.wireless) await mkdir(join(dir, `sys/class/net/${name}/wireless`), { recursive: true });
    };
    await adapter('enp3s0', 'A4:BB:6D:55:10:0E', {});
    await adapter('eth1', '02:fc:00:00:00:01', {}); // a cloud VM's virtio NIC: locally administered but stable
    await adapter('wlp2s0', '3c:7c:3f:1d:22:08', { wireless: true });
    await adapter('wlan1', 'da:a1:19:00:00:01', { wireless: true }); // a randomised Wi-Fi address
    await adapter('usb0', '00:11:22:33:44:55', { assign: '1' }); // a random address, new each boot
    await adapter('br0', '00:11:22:33:44:66', { device: false }); // a bridge has no bus device
    await adapter('docker0', '02:42:ac:11:00:01', { device: true });
    await adapter('veth12ab', '5e:00:00:00:00:01', { device: false });
    await adapter('lo', '00:00:00:00:00:00', { device: false });
    expect(await macAddressesProvider({ platform: 'linux', root: dir }).read()).toBe(
      '02:fc:00:00:00:01,3c:7c:3f:1d:22:08,a4:bb:6d:55:10:0e',
    );
  });

  it('describe CPU model and count, memory in whole GiB, and OS platform and architecture', async () => {
    const cpu = {
      model: 'Intel(R)  Xeon(R) Gold 6338 CPU @ 2.00GHz ',
      speed: 2000,
      times: { user: 0, nice: 0, sys: 0, idle: 0, irq: 0 },
    };
    expect(await cpuProvider(() => [cpu, cpu]).read()).toBe('Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz x2');
    expect(await cpuProvider(() => []).read()).toBeNull();
    expect(await memoryProvider(() => 31.6 * 1024 ** 3).read()).toBe('32 GiB');
    expect(await memoryProvider(() => 0).read()).toBeNull();
    expect(await osProvider('linux', 'arm64').read()).toBe('linux-arm64');
    expect(await hostnameProvider(() => 'Build-01.example.com').read()).toBe('build-01.example.com');
    expect(await hostnameProvider(() => 'localhost').read()).toBeNull();
  });

  it('read this machine without throwing, finding at least OS, CPU, memory and hostname', async () => {
    const source = factorSource({ providers: defaultFactorProviders(), env: {} });
    const factors = await source.read();
    expect(Object.keys(factors)).toEqual(expect.arrayContaining(['os', 'cpu', 'memory']));
    expect(Object.keys(factors).length).toBeGreaterThanOrEqual(3);
  });
});

describe('container and VM awareness', () => {
  it('recognises Docker, Podman and Kubernetes from their marks', async () => {
    await put('.dockerenv');
    expect(await detectMachineEnvironment({ platform: 'linux', root: dir, env: {} })).toMatchObject({
      container: 'docker',
    });
    await removeDirectory(dir);
    await put('run/.containerenv');
    expect(await detectMachineEnvironment({ platform: 'linux', root: dir, env: {} })).toMatchObject({
      container: 'podman',
    });
    await removeDirectory(dir);
    await put('proc/1/cgroup', '0::/kubepods.slice/kubepods-burstable.slice/cri-containerd-abc.scope\n');
    expect(await detectMachineEnvironment({ platform: 'linux', root: dir, env: {} })).toMatchObject({
      container: 'kubernetes',
    });
  });

  it('recognises a virtual machine from DMI, else from the hypervisor CPU flag, and a plain host as neither', async () => {
    await put('proc/1/cgroup', '0::/init.scope\n');
    await put('proc/cpuinfo', 'processor\t: 0\nflags\t\t: fpu vme sse2\n');
    expect(await detectMachineEnvironment({ platform: 'linux', root: dir, env: {} })).toEqual({
      container: null,
      virtualMachine: null,
      hints: [],
    });
    await put('proc/cpuinfo', 'processor\t: 0\nflags\t\t: fpu vme sse2 hypervisor\n');
    expect(await detectMachineEnvironment({ platform: 'linux', root: dir, env: {} })).toMatchObject({
      virtualMachine: 'hypervisor',
    });
    await put('sys/class/dmi/id/sys_vendor', 'QEMU\n');
    await put('sys/class/dmi/id/product_name', 'Standard PC (Q35 + ICH9, 2009)\n');
    expect(await detectMachineEnvironment({ platform: 'linux', root: dir, env: {} })).toMatchObject({
      virtualMachine: 'qemu',
    });
  });

  it('relies on environment variables only off Linux', async () => {
    expect(await detectMachineEnvironment({ platform: 'darwin', root: dir, env: {} })).toEqual({
      container: null,
      virtualMachine: null,
      hints: [],
    });
    expect(
      await detectMachineEnvironment({
        platform: 'win32',
        root: dir,
        env: { KUBERNETES_SERVICE_HOST: '10.0.0.1' },
      }),
    ).toMatchObject({ container: 'kubernetes' });
  });
});
