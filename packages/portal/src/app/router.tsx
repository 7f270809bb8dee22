// Every page and who may open it. Pages load lazily, so the first screen (sign-in) ships only the shell.

import { type ComponentType, lazy, type ReactNode } from 'react';
import { BrowserRouter, Navigate, Route, Routes } from 'react-router';
import { EmptyState } from '../components/states.js';
import { SignInPage } from '../features/auth/sign-in-page.js';
import { allows, type Permission } from './roles.js';
import { RequireSession, useSession } from './session.js';
import { Shell } from './shell.js';

/** React.lazy for a named export. */
const page = <K extends string>(load: () => Promise<Record<K, ComponentType>>, name: K) =>
  lazy(async () => ({ default: (await load())[name] }));

const SetPasswordPage = page(() => import('../features/auth/set-password-page.js'), 'SetPasswordPage');
const FirmCodesPage = page(() => import('../features/firm-codes/firm-codes-page.js'), 'FirmCodesPage');
const ProductsPage = page(() => import('../features/products/products-page.js'), 'ProductsPage');
const ProductEditPage = page(() => import('../features/products/product-edit-page.js'), 'ProductEditPage');
const SettingsPage = page(() => import('../features/settings/settings-page.js'), 'SettingsPage');
const OrdersPage = page(() => import('../features/orders/orders-page.js'), 'OrdersPage');
const OrderCreatePage = page(() => import('../features/orders/order-create-page.js'), 'OrderCreatePage');
const OrderDetailPage = page(() => import('../features/orders/order-detail-page.js'), 'OrderDetailPage');
const TicketsPage = page(() => import('../features/tickets/tickets-page.js'), 'TicketsPage');
const TicketDetailPage = page(() => import('../features/tickets/ticket-detail-page.js'), 'TicketDetailPage');
const ContainersPage = page(() => import('../features/containers/containers-page.js'), 'ContainersPage');
const ContainerDetailPage = page(
  () => import('../features/containers/container-detail-page.js'),
  'ContainerDetailPage',
);
const ReportsPage = page(() => import('../features/reports/reports-page.js'), 'ReportsPage');
const MyTicketsPage = page(() => import('../features/redeem/my-tickets-page.js'), 'MyTicketsPage');
const RedeemPage = page(() => import('../features/redeem/redeem-page.js'), 'RedeemPage');
const GroupsPage = page(() => import('../features/admin/groups/groups-page.js'), 'GroupsPage');
const ApiTokensPage = page(() => import('../features/admin/api-tokens/api-tokens-page.js'), 'ApiTokensPage');
const WebhooksPage = page(() => import('../features/admin/webhooks/webhooks-page.js'), 'WebhooksPage');
const WebhookDetailPage = page(
  () => import('../features/admin/webhooks/webhook-detail-page.js'),
  'WebhookDetailPage',
);
const AuditPage = page(() => import('../features/admin/audit/audit-page.js'), 'AuditPage');

const Guard = ({ permission, children }: { permission: Permission; children: ReactNode }) => {
  const { roles } = useSession();
  if (!allows(roles, permission)) {
    return (
      <EmptyState title="Not available to your account">
        Your roles do not include this page. Ask an administrator of your group if you need it.
      </EmptyState>
    );
  }
  return <>{children}</>;
};

const Home = () => {
  const { roles } = useSession();
  if (roles.isIsvAdmin) return <Navigate to="/tickets" replace />;
  if (roles.isCustomer) return <Navigate to="/my-tickets" replace />;
  return <Navigate to="/admin/api-tokens" replace />;
};

const guarded = (permission: Permission, Component: ComponentType) => (
  <Guard permission={permission}>
    <Component />
  </Guard>
);

export const AppRoutes = () => (
  <BrowserRouter>
    <Routes>
      <Route path="/sign-in" element={<SignInPage />} />
      <Route path="/set-password" element={<SetPasswordPage />} />
      <Route
        element={
          <RequireSession>
            <Shell />
          </RequireSession>
        }
      >
        <Route index element={<Home />} />
        <Route path="firm-codes" element={guarded('vendor', FirmCodesPage)} />
        <Route path="products" element={guarded('vendor', ProductsPage)} />
        <Route path="products/new" element={guarded('vendor', ProductEditPage)} />
        <Route path="products/:id" element={guarded('vendor', ProductEditPage)} />
        <Route path="settings" element={guarded('vendor', SettingsPage)} />
        <Route path="orders" element={guarded('vendor', OrdersPage)} />
        <Route path="orders/new" element={guarded('vendor', OrderCreatePage)} />
        <Route path="orders/:id" element={guarded('vendor', OrderDetailPage)} />
        <Route path="tickets" element={guarded('vendor', TicketsPage)} />
        <Route path="tickets/:code" element={guarded('vendor', TicketDetailPage)} />
        <Route path="containers" element={guarded('vendor', ContainersPage)} />
        <Route path="containers/:serial" element={guarded('vendor', ContainerDetailPage)} />
        <Route path="reports" element={guarded('groupAdmin', ReportsPage)} />
        <Route path="my-tickets" element={guarded('customer', MyTicketsPage)} />
        <Route path="my-tickets/:code" element={guarded('customer', RedeemPage)} />
        <Route path="admin/groups" element={guarded('groupAdmin', GroupsPage)} />
        <Route path="admin/api-tokens" element={guarded('signedIn', ApiTokensPage)} />
        <Route path="admin/webhooks" element={guarded('vendor', WebhooksPage)} />
        <Route path="admin/webhooks/:id" element={guarded('vendor', WebhookDetailPage)} />
        <Route path="admin/audit" element={guarded('groupAdmin', AuditPage)} />
        <Route
          path="*"
          element={
            <EmptyState title="Page not found">
              There is no page at this address. Use the navigation on the left.
            </EmptyState>
          }
        />
      </Route>
    </Routes>
  </BrowserRouter>
);
