// Table interfaces of the licensing schema (migration 0002): catalog, orders and tickets, ticket licenses,
// the container registry with its issued steps, the event outbox and webhooks. Same conventions as
// schema.ts: UUIDv7 text ids, ISO-8601 UTC text times, integer booleans, JSON as text.

export type ContainerTypeName = 'machine' | 'portable' | 'cloud';
export type ContainerStatus = 'ok' | 'manipulation_detected' | 'blacklisted' | 'recycled';
export type LicenseState =
  | 'available'
  | 'collected'
  | 'confirmed'
  | 'returning'
  | 'returned'
  | 'withdrawn'
  | 'revoked'
  | 'replaced';
export type ReactivationBehaviour = 'withdraw' | 'blacklist';
export type StepChannel = 'online' | 'file' | 'portal' | 'push' | 'auto';
export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface SettingTable {
  key: string;
  /** JSON */
  value: string;
  updated_at: string;
}

export interface FirmCodeTable {
  id: string;
  firm_code: number;
  name: string;
  created_at: string;
  updated_at: string;
}

export interface FirmKeyTable {
  id: string;
  firm_code_id: string;
  key_id: string;
  public_key: string;
  private_key_sealed: string;
  /** JSON envelope of the firm_key_rotation the previous key signed; null for the first key */
  rotation: string | null;
  previous_key_id: string | null;
  status: 'active' | 'retired';
  created_at: string;
  retired_at: string | null;
}

export interface ProductTable {
  id: string;
  sku: string;
  name: string;
  description: string;
  firm_code_id: string;
  product_code: number;
  /** JSON ContainerTypeName[] */
  container_types: string;
  /** JSON LicenseTemplate */
  default_options: string;
  /** JSON string[] of option names an order may set */
  order_options: string;
  /** JSON ModuleItem[] */
  modules: string;
  deactivation_allowed: number | null;
  reactivations_allowed: number | null;
  reactivation_min_wait_seconds: number | null;
  reactivation_behaviour: ReactivationBehaviour | null;
  keep_ticket_complete: number;
  archived_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface ContainerTable {
  id: string;
  serial: string;
  type: ContainerTypeName;
  public_key: string | null;
  status: ContainerStatus;
  status_reason: string | null;
  status_changed_at: string | null;
  group_id: string | null;
  created_at: string;
  last_contact_at: string | null;
}

export interface ContainerFirmItemTable {
  container_id: string;
  firm_code: number;
  epoch: number;
  baseline_fuc: number;
  /** JSON FirmItemSnapshot */
  baseline_snapshot: string;
  issued_fuc: number;
  confirmed_fuc: number;
  pinned_key_id: string | null;
  reported_fuc: number | null;
  /** JSON FirmItemSnapshot */
  reported_snapshot: string | null;
  reported_at: string | null;
}

export interface ContainerStepTable {
  id: string;
  container_id: string;
  firm_code: number;
  epoch: number;
  from_fuc: number;
  to_fuc: number;
  update_id: string;
  /** JSON Operation[] */
  operations: string;
  /** JSON StepEffect[] */
  effects: string;
  /** JSON FirmItemSnapshot */
  snapshot_after: string;
  channel: StepChannel;
  issued_at: string;
  confirmed_at: string | null;
}

export interface OrderTable {
  id: string;
  customer_group_id: string;
  external_order_id: string | null;
  /** JSON object */
  data: string;
  container_id: string | null;
  created_by: string | null;
  created_at: string;
}

export interface IdempotencyKeyTable {
  scope: string;
  key: string;
  request_hash: string;
  status: number;
  /** JSON response body */
  response: string;
  created_at: string;
}

export interface TicketTable {
  id: string;
  code: string;
  order_id: string;
  group_id: string;
  user_id: string | null;
  visible_to_members: number;
  created_at: string;
}

export interface LicenseTable {
  id: string;
  ticket_id: string | null;
  order_id: string;
  product_id: string;
  firm_code: number;
  product_code: number;
  /** JSON LicenseTemplate */
  options: string;
  /** JSON ModuleItem[] */
  modules: string;
  generation: number;
  state: LicenseState;
  container_id: string | null;
  pre_assigned_container_id: string | null;
  replaces_license_id: string | null;
  replaced_by_license_id: string | null;
  resolved_expiration_time: string | null;
  reactivation_count: number;
  last_reactivated_at: string | null;
  activated_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface EventTable {
  id: string;
  type: string;
  subject_type: string;
  subject_id: string | null;
  group_path: string | null;
  /** JSON */
  data: string;
  occurred_at: string;
}

export interface WebhookSubscriptionTable {
  id: string;
  url: string;
  description: string;
  secret_sealed: string;
  /** The secret before the last rotation, still signing until previous_secret_expires_at (migration 0004). */
  previous_secret_sealed: string | null;
  previous_secret_expires_at: string | null;
  /** JSON string[] */
  events: string;
  active: number;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

export interface WebhookDeliveryTable {
  id: string;
  subscription_id: string;
  event_id: string;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: string | null;
  last_attempt_at: string | null;
  last_status: number | null;
  last_error: string | null;
  delivered_at: string | null;
  created_at: string;
}

export interface ContextNonceTable {
  container_id: string;
  nonce: string;
  received_at: string;
}

export interface LicensingTables {
  context_nonces: ContextNonceTable;
  settings: SettingTable;
  firm_codes: FirmCodeTable;
  firm_keys: FirmKeyTable;
  products: ProductTable;
  containers: ContainerTable;
  container_firm_items: ContainerFirmItemTable;
  container_steps: ContainerStepTable;
  orders: OrderTable;
  idempotency_keys: IdempotencyKeyTable;
  tickets: TicketTable;
  licenses: LicenseTable;
  events: EventTable;
  webhook_subscriptions: WebhookSubscriptionTable;
  webhook_deliveries: WebhookDeliveryTable;
}
