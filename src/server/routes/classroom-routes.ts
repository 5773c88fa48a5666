import type { FastifyInstance } from 'fastify';
import { LockstepError } from '../../core/errors.js';
import {
  deleteStudent,
  insertReason,
  insertScoreEvent,
  insertStudent,
  selectReasons,
  selectScoreEvents,
  selectStudent,
  selectStudents,
  selectTotals,
  updateStudent,
} from '../classroom-sql.js';
import type { DeviceRegistry, ServedDevice } from '../device-registry.js';
import { deviceIdParams, deviceParams, uuid, type DeviceParams } from '../route-schemas.js';

const name = { type: 'string', minLength: 1, maxLength: 200, pattern: '\\S' } as const;
const optionalText = { type: ['string', 'null'], maxLength: 2000 } as const;
const delta = { type: 'integer', minimum: -1000, maximum: 1000 } as const;

const studentBody = {
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  properties: { name, groupName: optionalText, notes: optionalText },
} as const;

const studentPatch = { ...studentBody, required: [], minProperties: 1 } as const;

const reasonBody = {
  type: 'object',
  required: ['content', 'delta'],
  additionalProperties: false,
  properties: { content: name, category: optionalText, delta },
} as const;

const scoreBody = {
  type: 'object',
  required: ['studentId'],
  additionalProperties: false,
  properties: { studentId: uuid, reasonId: uuid, reasonText: { ...name, maxLength: 500 }, delta },
} as const;

const eventsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { studentId: uuid, limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 } },
} as const;

type IdParams = DeviceParams & { id: string };
interface StudentInput {
  name: string;
  groupName?: string | null;
  notes?: string | null;
}

/** The device, if it holds the classroom dataset. */
function classroomDevice(registry: DeviceRegistry, name: string): ServedDevice {
  const d = registry.get(name);
  if (d.store.dataset.name !== 'classroom')
    throw new LockstepError('E_DATASET_MISMATCH', `device "${name}" holds dataset "${d.store.dataset.name}"; the classroom pages need the classroom dataset`);
  return d;
}

/**
 * The classroom dataset end to end: students (list with totals, add, rename, delete), preset reasons,
 * score events and the totals view. Writes are plain SQL on the device store, captured for the next sync.
 *
 * @example
 * registerClassroomRoutes(app, registry);
 */
export function registerClassroomRoutes(app: FastifyInstance, registry: DeviceRegistry): void {
  const base = '/api/devices/:device/classroom';

  app.get<{ Params: DeviceParams }>(`${base}/students`, { schema: { params: deviceParams } }, async (req) => {
    const d = classroomDevice(registry, req.params.device);
    return d.queue.run(() => ({ students: selectStudents(d.store.db) }));
  });

  app.post<{ Params: DeviceParams; Body: StudentInput }>(`${base}/students`, { schema: { params: deviceParams, body: studentBody } }, async (req, reply) => {
    const d = classroomDevice(registry, req.params.device);
    const student = await d.queue.run(() => selectStudent(d.store.db, insertStudent(d.store.db, { ...req.body, name: req.body.name.trim() })));
    return reply.status(201).send(student);
  });

  app.patch<{ Params: IdParams; Body: Partial<StudentInput> }>(`${base}/students/:id`, { schema: { params: deviceIdParams, body: studentPatch } }, async (req) => {
    const d = classroomDevice(registry, req.params.device);
    const patch = { ...req.body, ...(req.body.name !== undefined ? { name: req.body.name.trim() } : {}) };
    return d.queue.run(() => {
      updateStudent(d.store.db, req.params.id, patch);
      return selectStudent(d.store.db, req.params.id);
    });
  });

  app.delete<{ Params: IdParams }>(`${base}/students/:id`, { schema: { params: deviceIdParams } }, async (req) => {
    const d = classroomDevice(registry, req.params.device);
    return d.queue.run(() => {
      deleteStudent(d.store.db, req.params.id);
      return { deleted: req.params.id };
    });
  });

  app.get<{ Params: DeviceParams }>(`${base}/reasons`, { schema: { params: deviceParams } }, async (req) => {
    const d = classroomDevice(registry, req.params.device);
    return d.queue.run(() => ({ reasons: selectReasons(d.store.db) }));
  });

  app.post<{ Params: DeviceParams; Body: { content: string; category?: string | null; delta: number } }>(
    `${base}/reasons`,
    { schema: { params: deviceParams, body: reasonBody } },
    async (req, reply) => {
      const d = classroomDevice(registry, req.params.device);
      const reason = await d.queue.run(() => insertReason(d.store.db, { ...req.body, content: req.body.content.trim() }));
      return reply.status(201).send(reason);
    },
  );

  app.post<{ Params: DeviceParams; Body: { studentId: string; reasonId?: string; reasonText?: string; delta?: number } }>(
    `${base}/score-events`,
    { schema: { params: deviceParams, body: scoreBody } },
    async (req, reply) => {
      const d = classroomDevice(registry, req.params.device);
      const event = await d.queue.run(() => insertScoreEvent(d.store.db, req.body));
      return reply.status(201).send(event);
    },
  );

  app.get<{ Params: DeviceParams; Querystring: { studentId?: string; limit: number } }>(
    `${base}/score-events`,
    { schema: { params: deviceParams, querystring: eventsQuery } },
    async (req) => {
      const d = classroomDevice(registry, req.params.device);
      return d.queue.run(() => ({ events: selectScoreEvents(d.store.db, req.query) }));
    },
  );

  app.get<{ Params: DeviceParams }>(`${base}/totals`, { schema: { params: deviceParams } }, async (req) => {
    const d = classroomDevice(registry, req.params.device);
    return d.queue.run(() => {
      const totals = selectTotals(d.store.db);
      return { totals, classTotal: totals.reduce((n, t) => n + t.totalScore, 0) };
    });
  });
}
