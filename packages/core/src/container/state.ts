// A container's protocol state: per firm item its FUC, the firm keys it trusts, lock and honey-pot marks and
// the signed licenses it holds, plus the container's trusted-time high-water marks. Plain JSON so the runtime
// can store it (encrypted and bound, for machine containers) and Central can hold cloud containers.

import { z } from 'zod';
import {
  type ContainerType,
  containerTypeSchema,
  type FirmItemSnapshot,
  type LicenseSummary,
} from '../documents/context.js';
import { envelopeSchema } from '../documents/envelope.js';
import { serialSchema, ticketLicenseIdSchema } from '../documents/license.js';
import { firmCodeSchema, instantSchema, productCodeSchema } from '../license/model.js';

export const containerLicenseSchema = z
  .object({
    /** the license exactly as the firm key signed it */
    license: envelopeSchema,
    ticketLicenseId: ticketLicenseIdSchema,
    generation: z.number().int().min(1),
    productCode: productCodeSchema,
    digest: z.string(),
    /** units left; starts at the license's unit counter and only goes down here */
    unitsRemaining: z.number().int().min(0).nullable(),
    /** first use, which starts a usage period */
    usageStartedAt: instantSchema.nullable(),
    /** the one field the customer may write */
    userData: z.string().max(256).nullable(),
  })
  .strict();

export type ContainerLicense = z.infer<typeof containerLicenseSchema>;

export const firmItemStateSchema = z
  .object({
    firmCode: firmCodeSchema,
    fuc: z.number().int().min(0),
    /** public keys allowed to program this item: the key pinned at creation and its signed successors */
    trustedKeys: z.array(z.string()).min(1),
    /** the signed key rotations that link the pinned key to its successors (the SDK re-checks them) */
    keyChain: z.array(envelopeSchema),
    locked: z.boolean(),
    lockReason: z.string().nullable(),
    honeypot: z.string().nullable(),
    licenses: z.array(containerLicenseSchema),
  })
  .strict();

export type FirmItemState = z.infer<typeof firmItemStateSchema>;

export const containerStateSchema = z
  .object({
    v: z.literal(1),
    serial: serialSchema,
    type: containerTypeSchema,
    time: z
      .object({
        /** latest Central time seen in an applied update (signed) */
        signed: instantSchema.nullable(),
        /** latest local time observed; a signed time may pull it back when the local clock ran ahead */
        local: instantSchema.nullable(),
      })
      .strict(),
    firmItems: z.array(firmItemStateSchema),
  })
  .strict();

export type ContainerState = z.infer<typeof containerStateSchema>;

export const newContainerState = (serial: string, type: ContainerType): ContainerState => ({
  v: 1,
  serial,
  type,
  time: { signed: null, local: null },
  firmItems: [],
});

export const summaryOf = (license: ContainerLicense): LicenseSummary => ({
  ticketLicenseId: license.ticketLicenseId,
  generation: license.generation,
  productCode: license.productCode,
  digest: license.digest,
});

export const snapshotOf = (item: FirmItemState): FirmItemSnapshot => ({
  firmCode: item.firmCode,
  fuc: item.fuc,
  locked: item.locked,
  honeypot: item.honeypot !== null,
  licenses: item.licenses.map(summaryOf).sort((a, b) => (a.ticketLicenseId < b.ticketLicenseId ? -1 : 1)),
});
