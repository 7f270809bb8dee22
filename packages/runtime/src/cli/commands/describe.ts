// Human sentences for what an update changed.

import type { UpdateResult } from '@tessera/core';

export const describeChanges = (result: UpdateResult): string => {
  const lines = [
    `applied update ${result.updateId} to ${result.serial}, firm code ${result.firmCode}: FUC ${result.fromFuc} → ${result.toFuc}` +
      (result.stepsSkipped > 0 ? ` (${result.stepsSkipped} step(s) already applied, skipped)` : ''),
  ];
  for (const change of result.changes) {
    switch (change.op) {
      case 'add_license':
        lines.push(
          `  + license ${change.ticketLicenseId} (product ${change.productCode}, generation ${change.generation})`,
        );
        break;
      case 'replace_license':
        lines.push(
          `  ~ license ${change.replaced} replaced by ${change.ticketLicenseId} (product ${change.productCode}, generation ${change.generation})`,
        );
        break;
      case 'remove_license':
        lines.push(`  - license ${change.ticketLicenseId}`);
        break;
      case 'lock_firm_item':
        lines.push(`  ! firm item locked by the vendor: ${change.reason}`);
        break;
      case 'write_honeypot':
        lines.push('  ! honey-pot marker written');
        break;
    }
  }
  return lines.join('\n');
};
