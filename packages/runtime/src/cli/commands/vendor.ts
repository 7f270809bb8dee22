// `tessera vendor keygen|issue`: the development signer (no Central needed).

import type { Command } from 'commander';
import { generateFirmKeyFiles, issueDevelopmentUpdate } from '../../vendor/dev-signer.js';
import type { CommandContext } from '../context.js';
import { readInput, writeOutput } from '../io.js';
import { parseInstant, parseNonNegativeInt, parsePositiveInt, parseUint32 } from '../parse.js';
import type { Run } from '../program.js';

export const registerVendorCommands = (program: Command, run: Run): void => {
  const vendor = program
    .command('vendor')
    .description('development signer: firm keys and updates without Central');

  vendor
    .command('keygen')
    .description('create a firm key (KEYFILE, mode 0600) and its public key (KEYFILE.pub)')
    .requiredOption('--firm-code <n>', 'firm code', parsePositiveInt('--firm-code', 0xffff_ffff))
    .requiredOption('-o, --output <keyfile>', 'where to write the private key')
    .action(
      run(async (ctx: CommandContext, options: { firmCode: number; output: string }) => {
        const files = generateFirmKeyFiles(options.firmCode);
        await writeOutput(options.output, files.privateKeyFile, 0o600);
        await writeOutput(`${options.output}.pub`, files.publicKeyFile);
        ctx.output.result(
          { firmCode: options.firmCode, keyFile: options.output, publicKeyFile: `${options.output}.pub` },
          `wrote firm key for ${options.firmCode} to ${options.output} and its public key to ${options.output}.pub`,
        );
      }),
    );

  vendor
    .command('issue')
    .description('issue an update that adds a license to the container of a context file')
    .requiredOption('--key <keyfile>', 'firm key file from `vendor keygen`')
    .requiredOption('--context <file>', 'the container’s context file')
    .requiredOption('--product-code <n>', 'product code', parseUint32('--product-code'))
    .option('--expires <date>', 'expiration time (2027-01-31 or an ISO instant)', parseInstant('--expires'))
    .option('--activates <date>', 'activation time (valid from)', parseInstant('--activates'))
    .option(
      '--usage-period <days>',
      'usage period in days from first use',
      parsePositiveInt('--usage-period', 36_600),
    )
    .option('--units <n>', 'unit counter', parseNonNegativeInt('--units'))
    .option('--features <mask>', 'feature map', parseUint32('--features'))
    .option('--quantity <n>', 'license quantity (network seats)', parsePositiveInt('--quantity', 1_000_000))
    .option('--text <text>', 'license text')
    .option('--ticket-license-id <id>', 'ticket license id (default: random)')
    .option('--generation <n>', 'generation', parsePositiveInt('--generation', 1_000_000))
    .requiredOption('-o, --output <file>', 'where to write the update')
    .action(
      run(
        async (
          ctx: CommandContext,
          options: {
            key: string;
            context: string;
            productCode: number;
            expires?: string;
            activates?: string;
            usagePeriod?: number;
            units?: number;
            features?: number;
            quantity?: number;
            text?: string;
            ticketLicenseId?: string;
            generation?: number;
            output: string;
          },
        ) => {
          const issued = issueDevelopmentUpdate({
            keyFile: await readInput(options.key),
            context: await readInput(options.context),
            productCode: options.productCode,
            options: {
              ...(options.expires !== undefined ? { expirationTime: options.expires } : {}),
              ...(options.activates !== undefined ? { activationTime: options.activates } : {}),
              ...(options.usagePeriod !== undefined
                ? { usagePeriodSeconds: options.usagePeriod * 86_400 }
                : {}),
              ...(options.units !== undefined ? { unitCounter: options.units } : {}),
              ...(options.features !== undefined ? { featureMap: options.features } : {}),
              ...(options.quantity !== undefined ? { licenseQuantity: options.quantity } : {}),
              ...(options.text !== undefined ? { text: options.text } : {}),
            },
            ...(options.ticketLicenseId !== undefined ? { ticketLicenseId: options.ticketLicenseId } : {}),
            ...(options.generation !== undefined ? { generation: options.generation } : {}),
            clock: ctx.clock,
          });
          await writeOutput(options.output, issued.update);
          ctx.output.result(
            { serial: issued.serial, ticketLicenseId: issued.ticketLicenseId, file: options.output },
            `wrote update for ${issued.serial} (license ${issued.ticketLicenseId}) to ${options.output}`,
          );
        },
      ),
    );
};
