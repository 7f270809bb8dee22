// `tessera license list|check`

import type { Command } from 'commander';
import { LicenseError } from '../../sdk/license-error.js';
import { LicenseSession } from '../../sdk/session.js';
import type { CommandContext } from '../context.js';
import { readInput } from '../io.js';
import { parseUint32 } from '../parse.js';
import type { Run } from '../program.js';

export const registerLicenseCommands = (program: Command, run: Run): void => {
  const license = program.command('license').description('list and check licenses');

  license
    .command('list')
    .description(
      'list the licenses in the containers (as stored; `license check` verifies against the vendor key)',
    )
    .option('--serial <serial>', 'only this container')
    .action(
      run(async (ctx: CommandContext, options: { serial?: string }) => {
        const rows = await ctx.containers().licenses(options.serial);
        ctx.output.result(rows, () =>
          rows.length === 0
            ? 'no licenses'
            : rows
                .map(
                  (r) =>
                    `${r.serial}  firm ${r.firmCode}  product ${r.productCode}  ${r.ticketLicenseId} (gen ${r.generation})` +
                    `  features 0x${r.featureMap.toString(16)}` +
                    (r.unitsRemaining !== null ? `  units ${r.unitsRemaining}` : '') +
                    (r.expiresAt ? `  expires ${r.expiresAt}` : '') +
                    (r.firmItemLocked ? '  LOCKED' : ''),
                )
                .join('\n'),
        );
      }),
    );

  license
    .command('check')
    .description('exit 0 when a license for the product is usable now, else print why not')
    .requiredOption('--firm-code <n>', 'firm code', parseUint32('--firm-code'))
    .requiredOption('--product-code <n>', 'product code', parseUint32('--product-code'))
    .requiredOption('--public-key <file>', 'the vendor’s public key file (.pub)')
    .option('--feature <mask>', 'feature bits that must all be licensed', parseUint32('--feature'))
    .option('--serial <serial>', 'only this container')
    .action(
      run(
        async (
          ctx: CommandContext,
          options: {
            firmCode: number;
            productCode: number;
            publicKey: string;
            feature?: number;
            serial?: string;
          },
        ) => {
          const session = await LicenseSession.open({
            firmCode: options.firmCode,
            publicKey: await readInput(options.publicKey),
            ...(ctx.options.home !== undefined ? { home: ctx.options.home } : {}),
            ...(options.serial !== undefined ? { serial: options.serial } : {}),
          });
          const checks = session.check({
            productCode: options.productCode,
            ...(options.feature !== undefined ? { features: options.feature } : {}),
          });
          const usable = checks.find((c) => c.verdict.usable);
          if (!usable) {
            const first = checks[0];
            throw first && !first.verdict.usable
              ? new LicenseError(first.verdict.reasons, {
                  serial: first.entitlement.serial,
                  productCode: options.productCode,
                })
              : new LicenseError(['license_not_found'], {
                  productCode: options.productCode,
                  // Say why a license the user expects may be missing: its container does not open here.
                  unavailable: session.unavailable,
                });
          }
          const { entitlement, verdict } = usable;
          ctx.output.result(
            {
              usable: true,
              serial: entitlement.serial,
              ticketLicenseId: entitlement.ticketLicenseId,
              generation: entitlement.generation,
              productCode: entitlement.productCode,
              expiresAt: verdict.expiresAt,
              unitsRemaining: verdict.unitsRemaining,
            },
            `usable: product ${entitlement.productCode} in ${entitlement.serial} (${entitlement.ticketLicenseId}, generation ${entitlement.generation})` +
              (verdict.expiresAt ? `, expires ${verdict.expiresAt}` : '') +
              (verdict.unitsRemaining !== null ? `, ${verdict.unitsRemaining} units left` : ''),
          );
        },
      ),
    );
};
