// Container and VM awareness: tells whether the runtime runs inside an OS container or a virtual machine,
// because there the machine factors describe an image or a template rather than one computer (a machine id
// baked into an image is shared by all its containers; a cloned VM keeps its MACs unless regenerated).
// It is a diagnostic for the CLI and for support, not a binding factor: see docs/runtime-storage.md.

import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

export interface MachineEnvironment {
  /** `docker`, `podman`, `kubernetes`, `containerd`, `lxc`, `systemd-nspawn`, `wsl`, … or null on a plain host. */
  container: string | null;
  /** `kvm`, `qemu`, `vmware`, `virtualbox`, `hyper-v`, `xen`, `amazon-ec2`, `google-compute-engine`, `hypervisor` (unnamed) or null. */
  virtualMachine: string | null;
  /** What the verdict rests on, for a human reading a support report. */
  hints: string[];
}

export interface EnvironmentOptions {
  platform?: NodeJS.Platform;
  /** Filesystem root for /.dockerenv, /proc and /sys; tests point it at a fake tree. */
  root?: string;
  env?: Readonly<Record<string, string | undefined>>;
}

const readText = async (path: string): Promise<string | null> => {
  try {
    return await readFile(path, 'utf8');
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

const CGROUP_HINTS: ReadonlyArray<readonly [RegExp, string]> = [
  [/kubepods/, 'kubernetes'],
  [/docker/, 'docker'],
  [/libpod/, 'podman'],
  [/containerd|cri-containerd/, 'containerd'],
  [/\/lxc[/.]|lxc\.payload/, 'lxc'],
];

const VM_VENDORS: ReadonlyArray<readonly [RegExp, string]> = [
  [/amazon ec2/i, 'amazon-ec2'],
  [/google compute engine|^google$/im, 'google-compute-engine'],
  [/vmware/i, 'vmware'],
  [/virtualbox|innotek/i, 'virtualbox'],
  [/kvm/i, 'kvm'],
  [/qemu/i, 'qemu'],
  [/xen/i, 'xen'],
  [/virtual machine|hyper-v/i, 'hyper-v'],
  [/parallels/i, 'parallels'],
  [/openstack/i, 'openstack'],
];

/** Best effort on Linux; elsewhere it reports only what the environment variables reveal. Never throws. */
export const detectMachineEnvironment = async ({
  platform = process.platform,
  root = '/',
  env = process.env,
}: EnvironmentOptions = {}): Promise<MachineEnvironment> => {
  const hints: string[] = [];
  let container: string | null = null;
  let virtualMachine: string | null = null;
  const found = (kind: string, hint: string): void => {
    container ??= kind;
    hints.push(hint);
  };

  if (env['KUBERNETES_SERVICE_HOST']) found('kubernetes', 'KUBERNETES_SERVICE_HOST is set');
  const declared = env['container']?.trim();
  if (declared) found(declared, `container=${declared} is set (systemd convention)`);
  if (platform !== 'linux') return { container, virtualMachine, hints };

  if (await exists(join(root, '.dockerenv'))) found('docker', '/.dockerenv exists');
  if (await exists(join(root, 'run/.containerenv'))) found('podman', '/run/.containerenv exists');
  const cgroup = await readText(join(root, 'proc/1/cgroup'));
  for (const [pattern, kind] of CGROUP_HINTS) {
    if (cgroup !== null && pattern.test(cgroup)) {
      found(kind, `/proc/1/cgroup mentions ${kind}`);
      break;
    }
  }
  const version = await readText(join(root, 'proc/version'));
  if (version !== null && /microsoft/i.test(version))
    found('wsl', '/proc/version names a Microsoft kernel (WSL)');

  const dmi = [
    await readText(join(root, 'sys/class/dmi/id/sys_vendor')),
    await readText(join(root, 'sys/class/dmi/id/product_name')),
  ]
    .filter((text): text is string => text !== null)
    .join('\n');
  for (const [pattern, kind] of VM_VENDORS) {
    if (pattern.test(dmi)) {
      virtualMachine = kind;
      hints.push(`DMI vendor/product says ${kind}`);
      break;
    }
  }
  if (virtualMachine === null) {
    const cpuinfo = await readText(join(root, 'proc/cpuinfo'));
    if (cpuinfo !== null && /^flags\s*:.*\bhypervisor\b/m.test(cpuinfo)) {
      virtualMachine = 'hypervisor';
      hints.push('the CPU flags include "hypervisor"');
    }
  }
  return { container, virtualMachine, hints };
};
