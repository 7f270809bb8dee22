// @tessera/runtime — the SDK a vendor's software embeds (see docs/sdk.md).

export { LocalContainers } from './local/containers.js';
export { isLicenseError, LicenseError, type LicenseRefusal } from './sdk/license-error.js';
export {
  type AccessRequest,
  LicenseHandle,
  type LicenseInfo,
  LicenseSession,
  type OpenOptions,
  open,
} from './sdk/session.js';
