// HTTP routes of the container registry: look up containers, and the vendor's decisions — blacklist,
// resolve "manipulation detected", push update, recycle, whole-container restore.

import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { callerOf, requireAuth } from '../../http/authenticate.js';
import { problemResponses } from '../../http/openapi.js';
import { pageRequest, pageSchema, toPage } from '../../http/pagination.js';
import type { LicenseRecord } from '../activation/repository.js';
import { gatewayResponse } from '../activation/schemas.js';
import * as s from './schemas.js';
import type { ContainerDetail, ContainersService } from './service.js';

const presentDetail = (detail: ContainerDetail) => ({
  container: detail.container,
  firmItems: detail.firmItems,
  licenses: detail.licenses.map((l: LicenseRecord) => ({
    id: l.id,
    productCode: l.productCode,
    firmCode: l.firmCode,
    generation: l.generation,
    state: l.state,
  })),
});

export const registerContainerRoutes = (
  app: FastifyInstance,
  deps: { containers: ContainersService },
): void => {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const { containers } = deps;
  const tags = ['containers'];

  api.get(
    '/containers',
    {
      onRequest: requireAuth('read'),
      schema: {
        tags,
        summary: 'Containers visible to you',
        querystring: s.listContainersQuery,
        response: { 200: pageSchema(s.containerSchema), ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const page = pageRequest(request.query);
      const rows = await containers.list(
        callerOf(request),
        { status: request.query.status, serialPrefix: request.query.serial, groupId: request.query.groupId },
        page,
      );
      return toPage(rows, page, (row) => row.id);
    },
  );

  api.get(
    '/containers/:serial',
    {
      onRequest: requireAuth('read'),
      schema: {
        tags,
        summary: 'A container, what Central issued to it and its licenses',
        params: s.serialParams,
        response: { 200: s.containerDetailSchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => presentDetail(await containers.get(callerOf(request), request.params.serial)),
  );

  api.post(
    '/containers/:serial/blacklist',
    {
      onRequest: requireAuth('write'),
      schema: {
        tags,
        summary: 'Blacklist a container: it is locked (and marked with the honey-pot) at its next contact',
        params: s.serialParams,
        body: s.blacklistBody,
        response: { 200: s.containerDetailSchema, ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) =>
      presentDetail(
        await containers.blacklist(callerOf(request), request.params.serial, request.body.reason),
      ),
  );

  api.post(
    '/containers/:serial/resolve',
    {
      onRequest: requireAuth('write'),
      schema: {
        tags,
        summary: 'Decide about a container flagged "manipulation detected"',
        params: s.serialParams,
        body: s.resolveBody,
        response: { 200: s.containerDetailSchema, ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) =>
      presentDetail(await containers.resolve(callerOf(request), request.params.serial, request.body)),
  );

  api.post(
    '/containers/:serial/push-update',
    {
      onRequest: requireAuth('write'),
      schema: {
        tags,
        summary: 'Build an update from Central’s last known state of the container, without a fresh context',
        params: s.serialParams,
        body: s.pushUpdateBody,
        response: { 200: s.pushUpdateResponse, ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => ({
      serial: request.params.serial,
      updates: await containers.pushUpdate(callerOf(request), request.params.serial, request.body.firmCode),
    }),
  );

  api.post(
    '/containers/:serial/recycle',
    {
      onRequest: requireAuth('write'),
      schema: {
        tags,
        summary: 'Recycle a portable container returned to the vendor; its licenses become available again',
        params: s.serialParams,
        response: { 200: s.containerDetailSchema, ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => presentDetail(await containers.recycle(callerOf(request), request.params.serial)),
  );

  api.post(
    '/containers/:serial/restore',
    {
      onRequest: requireAuth('write'),
      schema: {
        tags,
        summary:
          'Restore every license of a lost container into a new one (next generation); blacklists the lost one',
        params: s.serialParams,
        body: s.restoreBody,
        response: { 200: gatewayResponse, ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const result = await containers.restore(callerOf(request), request.params.serial, request.body);
      return { ...result, update: result.updates[0]?.update ?? null };
    },
  );
};
